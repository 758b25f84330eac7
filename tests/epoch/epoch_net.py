"""A subnet with staked validators, a nominator and miners, driven through real epochs on Anvil.

Layout (coldkeys are the session's funded accounts):
    UID 0 owner hotkey (coldkey accounts[1]), UIDs 1-3 validators (coldkeys accounts[2..4]),
    UIDs 4-5 miners (coldkeys accounts[5], accounts[6]); accounts[7] nominates validator 1;
    accounts[8] is the relay that posts everything (it holds no key of anyone).
"""

from __future__ import annotations

from contracts.core_helpers import register_neuron, register_subnet
from evmtensor.chain import actions
from evmtensor.chain.weights import WeightsRow, set_weights, sign_weights
from oracle.epoch import compute_result, find_opened, open_epoch, settle, sign_result

TAO = 10**9
VALIDATOR_TAO = (3 * TAO, 2 * TAO, 1 * TAO)  # into a 10-TAO pool: alpha about 2.3, 1.0, 0.4
NOMINATOR_TAO = TAO // 2


class EpochNet:
    def __init__(self, w3, client, accounts):
        self.w3, self.client, self.accounts = w3, client, accounts
        self.relay = accounts[8]
        self.owner = accounts[1]
        self.netuid, self.owner_hotkey, _ = register_subnet(client, self.owner)
        self.validators = [register_neuron(client, self.netuid, accounts[2 + i])[1] for i in range(3)]
        self.miners = [register_neuron(client, self.netuid, accounts[5 + i])[1] for i in range(2)]
        self.hotkeys = [self.owner_hotkey, *self.validators, *self.miners]
        self.coldkeys = [accounts[1], accounts[2], accounts[3], accounts[4], accounts[5], accounts[6]]
        for i, tao in enumerate(VALIDATOR_TAO):
            actions.stake(client, self.netuid, accounts[2 + i], self.validators[i].address, tao)
        self.nominator = accounts[7]
        actions.stake(client, self.netuid, self.nominator, self.validators[0].address, NOMINATOR_TAO)
        self.settlement = client.contract("EpochSettlement")
        self.pools = client.contract("StakingPools")
        self.nonce = 0

    # -------------------------------------------------------------- chain time
    def mine(self, n: int) -> None:
        if n > 0:
            self.w3.provider.make_request("anvil_mine", [hex(n)])

    def tempo(self) -> int:
        return self.client.view("SubnetRegistry", "hyperparameters", self.netuid)["tempo"]

    def mine_to_next_epoch(self) -> None:
        """Mines until the next transaction lands in a later epoch index than the open one."""
        state = self.client.view("EpochSettlement", "epochState", self.netuid)
        if state["snapshotBlock"] == 0:
            return
        t = self.tempo() + 1
        first = (state["epoch"] + 1) * t - self.netuid - 1  # first block of the next epoch
        self.mine(first - (self.w3.eth.block_number + 1))

    # -------------------------------------------------------------- weights and epochs
    def set_weights(self, validator: int, uids, values) -> None:
        self.nonce += 1
        hotkey = self.validators[validator]
        row = WeightsRow(self.netuid, tuple(uids), tuple(values), 0, self.nonce, self.w3.eth.block_number + 50)
        signed = sign_weights(hotkey, self.client.contract("Weights").address, self.client.deployment.chain_id, row)
        set_weights(self.client, signed, self.relay)

    def open(self):
        self.mine_to_next_epoch()
        return open_epoch(self.client, self.netuid, self.relay)

    def result(self, snap=None):
        return compute_result(self.client, snap or find_opened(self.client, self.netuid))

    def attest(self, result, validators=(0, 1)):
        """Attestations of the given validators (indexes into self.validators; UID = index + 1)."""
        return [sign_result(self.client, self.validators[v], v + 1, result) for v in validators]

    def settle(self, result, snap, attestations, **kw):
        return settle(self.client, result, snap, attestations, self.relay, **kw)

    # -------------------------------------------------------------- reads
    def stake_of(self, coldkey: str, hotkey: str) -> int:
        return self.pools.functions.stakeOf(coldkey, hotkey, self.netuid).call()

    def pool_state(self) -> dict:
        """Per hotkey: (alpha, shares, {coldkey: shares}) for every coldkey of this net."""
        out = {}
        for hk in self.hotkeys:
            a = hk.address
            shares = {c.address: self.pools.functions.sharesOf(c.address, a, self.netuid).call()
                      for c in [*self.coldkeys, self.nominator]}
            out[a] = (self.pools.functions.hotkeyAlpha(self.netuid, a).call(),
                      self.pools.functions.totalShares(self.netuid, a).call(), shares)
        return out
