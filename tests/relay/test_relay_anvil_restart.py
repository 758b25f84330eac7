"""The chain restarts under a running relay: Anvil stopped (its state dumped to its file) right
after the relay acknowledged a weights row and a quorum of attestations, then started again from
that file on the same port; the relay keeps serving, resumes, and lands both exactly once."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from web3 import Web3

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "epoch"))  # the epoch tests' helpers

from epoch_net import EpochNet  # noqa: E402

from evmtensor.chain.client import ChainClient  # noqa: E402
from evmtensor.chain.weights import WeightsRow, sign_weights  # noqa: E402
from evmtensor.devtools.accounts import dev_account  # noqa: E402
from evmtensor.devtools.anvil import Anvil, free_port  # noqa: E402
from evmtensor.devtools.deploy import deploy_protocol  # noqa: E402
from oracle.relay.client import RelayClient  # noqa: E402


@pytest.mark.slow
def test_relay_resumes_after_anvil_restarts_from_its_state_file(tmp_path, start_relay):
    state_file, port = tmp_path / "anvil-state.json", free_port()
    node = Anvil(port=port, state_file=state_file).start()
    try:
        w3 = Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 60}))
        accounts = [dev_account(i) for i in range(10)]
        dep = deploy_protocol(w3, accounts[0], profile="devnet", genesis=[(a.address, 10**14) for a in accounts])
        w3.provider.make_request("evm_mine", [])
        dep.save(tmp_path / "deployment.json")
        client = ChainClient(w3, dep)
        enet = EpochNet(w3, client, accounts)
        first = enet.open()
        r1, _, _ = enet.result(first)
        enet.settle(r1, first, enet.attest(r1))  # permits for the weights below
        snap = enet.open()
        result, _, _ = enet.result(snap)

        relay = start_relay(RELAY_RPC_URL=node.url, RELAY_DEPLOYMENT=tmp_path / "deployment.json",
                            RELAY_SUBMITTER_KEY=accounts[6].key.hex(), RELAY_BATCH_DELAY_S=2)
        api = RelayClient(relay.url)
        row = WeightsRow(enet.netuid, (4, 5), (100, 50), 0, 1, w3.eth.block_number + 100)
        signed = sign_weights(enet.validators[0], dep.address("Weights"), dep.chain_id, row)
        receipts = [api.post_weights(signed)] + [api.post_attestation(result, a) for a in enet.attest(result, (0, 1))]
        assert {r["status"] for r in receipts} == {"queued"}
        node.stop()  # graceful: anvil dumps its state to the file
        time.sleep(3)  # past the batch delay: the worker's passes fail while the chain is down
        assert relay.http.get(f"/v1/submissions/{receipts[0]['id']}").json()["status"] == "queued"
        assert relay.http.get("/health").status_code == 503  # serving, saying the chain is down
        node = Anvil(port=port, state_file=state_file).start()
        done = [relay.wait_status(r["id"], timeout=60) for r in receipts]
        assert [d["status"] for d in done] == ["landed"] * 3
        settled = enet.settlement.events.EpochSettled().get_logs(
            from_block=0, argument_filters={"netuid": enet.netuid, "epoch": snap.epoch})
        assert len(settled) == 1
        events = client.contract("Weights").events.WeightsSet().get_logs(
            from_block=0, argument_filters={"hotkey": signed.hotkey})
        assert [e.args.nonce for e in events] == [1]
    finally:
        node.stop()
