"""Any EVM: the protocol deployed, weights signed and posted, and epochs settled on Hardhat's node
by the same code that runs on Anvil (nothing Anvil-specific but the test's own block mining)."""

from __future__ import annotations

from contracts.core_helpers import events
from epoch.epoch_net import EpochNet
from evmtensor.chain.weights import WeightsRow, sign_weights
from evmtensor.cli.weights_rules import check_row
from evmtensor.cli.yuma import explain_settled



class HardhatNet(EpochNet):
    def mine(self, n: int) -> None:
        if n > 0:
            self.w3.provider.make_request("hardhat_mine", [hex(n)])


def test_deploy_weights_and_settlement_on_hardhat(hh_w3, hh_client, hh_accounts):
    assert "HardhatNetwork" in hh_w3.client_version and hh_w3.eth.chain_id == 31337
    hh_client.check_deployment()
    net = HardhatNet(hh_w3, hh_client, hh_accounts)

    first = net.open()
    r1, _, _ = net.result(first)
    net.settle(r1, first, net.attest(r1))  # no weights yet: grants the validators their permits

    # The pre-send check agrees with the contract on this node too.
    row = WeightsRow(net.netuid, (4, 5), (100, 50), 0, net.nonce + 1, hh_w3.eth.block_number + 50)
    signed = sign_weights(net.validators[0], hh_client.deployment.address("Weights"), hh_client.deployment.chain_id,
                          row)
    verdict = check_row(hh_client, signed)
    assert verdict.ok and verdict.chain_reason == ""
    net.set_weights(0, [4, 5], [100, 50])
    net.set_weights(1, [4, 5], [100, 50])
    net.set_weights(2, [4, 5], [10, 100])

    snap = net.open()
    result, inputs, _ = net.result(snap)
    assert inputs.last_update[1:4].tolist() == [m.row_block for m in snap.neurons[1:4]]
    miner_before = [net.stake_of(net.coldkeys[4 + i].address, net.miners[i].address) for i in range(2)]
    receipt = net.settle(result, snap, net.attest(result, (0, 1)))
    (settled,) = events(net.settlement.events.EpochSettled, receipt)
    assert settled.args.minerAlpha > 0 and settled.args.validatorAlpha > 0 and settled.args.ownerCut > 0
    miner_after = [net.stake_of(net.coldkeys[4 + i].address, net.miners[i].address) for i in range(2)]
    assert all(a > b for a, b in zip(miner_after, miner_before))
    assert hh_client.view("EpochSettlement", "epochState", net.netuid)["epoch"] == snap.epoch

    report = explain_settled(hh_client, net.netuid, snap.epoch, 4)
    assert report["matches_settled"] and report["incentive_u16"] == result.incentive[4] > 0
