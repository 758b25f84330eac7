"""Helpers for the pools/emission tests: small chain helpers (the models: contract_models.py)."""

from __future__ import annotations

from dataclasses import asdict

from evmtensor.chain.amm import Pool
from evmtensor.chain.credits import credits_in_receipt

try:
    from .core_helpers import events, register_subnet, send_as
except ImportError:
    from core_helpers import events, register_subnet, send_as

TAO = 10**9
MAX_UINT = 2**256 - 1


def event_args(contract_event, receipt) -> list:
    return [e.args for e in events(contract_event, receipt)]


def credits_in(pools, receipt) -> list[dict]:
    """Every settlement credit of StakingPools' `Credited` events in `receipt`, in order, as dicts
    (decoded by the runtime's one decoder, evmtensor.chain.credits)."""
    return [asdict(c) for c in credits_in_receipt(pools, receipt)]


ZERO = "0x0000000000000000000000000000000000000000"


class PoolsKit:
    """The pools/emission tests' toolbox over one client (a subnet, a staker, raw access)."""

    def __init__(self, w3, client, send, accounts):
        self.w3, self.client, self._send, self.accounts = w3, client, send, accounts
        self.pools = client.contract("StakingPools")
        self.emission = client.contract("Emission")
        self.tao = client.contract("TaoToken")
        self.owner = accounts[1]
        self.staker = accounts[2]
        self.netuid = None
        self.hotkey = None
        (self.min_stake, _, _, _, _, self.take_rate_limit, self.min_reserve, self.fee_recipient) = (
            self.pools.functions.params().call()
        )
        self.settlement = self.pools.functions.protocolAddresses().call()[5]

    # -------------------------------------------------------------- chain
    def send(self, fn, sender, gas=None):
        """Sends through tx.send (gas estimated against the pending block, with headroom).

        An accrue estimated in the block of the last accrual does no work at all: give it an
        explicit `gas`; a revert then still surfaces by name from an eth_call before sending.
        """
        if gas is not None:
            self.call(fn, sender)
        return self._send(fn, sender, gas=gas)

    def deadline(self, seconds: int = 3600) -> int:
        return self.client.deadline(seconds)

    def call(self, fn, sender):
        """eth_call `fn` as `sender`; a revert is raised as a decoded ContractRevert."""
        return self.client.call(fn, sender=getattr(sender, "address", sender))

    def send_as(self, address: str, fn):
        """Sends `fn` from an impersonated `address` (a protocol contract or the settlement)."""
        return send_as(self.client, address, fn)

    # -------------------------------------------------------------- setup
    def open_subnet(self, owner=None):
        """Registers a subnet (owner = accounts[1] unless given); sets self.netuid/self.hotkey."""
        netuid, hotkey, _ = register_subnet(self.client, owner or self.owner)
        if self.netuid is None:
            self.netuid, self.hotkey = netuid, hotkey
        return netuid, hotkey

    def release(self, netuid, alpha):
        """Releases `alpha` for settlement to credit on `netuid`, as Emission's drainPending does."""
        return self.send_as(self.emission.address, self.pools.functions.releaseEmission(netuid, alpha))

    def credit_stake(self, netuid, hotkey, coldkey, alpha):
        """Settlement stakes `alpha` for (hotkey, coldkey) on `netuid` (released first)."""
        self.release(netuid, alpha)
        return self.send_as(self.settlement, self.pools.functions.creditStake(netuid, hotkey, coldkey, alpha))

    def credit_emission(self, netuid, hotkey, alpha):
        """Settlement credits `alpha` of dividends to `hotkey` on `netuid` (released first)."""
        self.release(netuid, alpha)
        return self.send_as(self.settlement, self.pools.functions.creditEmission(netuid, hotkey, alpha))

    def freeze_accrual(self):
        """Math tests only: moves Emission's last accrual far ahead (storage slot 0), so that a pool
        call's own accrual is a no-op and the reserves set with `set_pool` are what it swaps on."""
        self.w3.provider.make_request(
            "anvil_setStorageAt", [self.emission.address, "0x0", "0x" + (2**63).to_bytes(32, "big").hex()]
        )

    def next_block_reserves(self, netuid=None) -> Pool:
        """The reserves a pool interaction in the next block will swap against (after its accrual)."""
        snap = self.w3.provider.make_request("evm_snapshot", [])["result"]
        try:
            self.send(self.emission.functions.accrue(), self.accounts[9], gas=5_000_000)
            return self.reserves(netuid)
        finally:
            self.w3.provider.make_request("evm_revert", [snap])

    def fund_pools(self, amount):
        """Sends TAO straight to the pools contract (math tests only: breaks the balance identity)."""
        for acct in self.accounts[3:]:
            bal = self.tao.functions.balanceOf(acct.address).call()
            give = min(bal // 2, amount)
            if give:
                self.send(self.tao.functions.transfer(self.pools.address, give), acct)
                amount -= give
            if amount <= 0:
                return

    def pool_slot(self, netuid) -> int:
        from eth_utils import keccak

        return int.from_bytes(keccak(netuid.to_bytes(32, "big") + (0).to_bytes(32, "big")), "big")

    def set_pool(self, tao, alpha, netuid=None):
        """Overwrites the pool's packed word (PackedPool layout), keeping its generation."""
        netuid = self.netuid if netuid is None else netuid
        slot = self.pool_slot(netuid)
        word = int.from_bytes(self.w3.eth.get_storage_at(self.pools.address, slot), "big")
        generation = (word >> 192) & 0xFFFFFFFF
        new = tao | (alpha << 96) | (generation << 192) | (1 << 224)
        self.w3.provider.make_request(
            "anvil_setStorageAt", [self.pools.address, hex(slot), "0x" + new.to_bytes(32, "big").hex()]
        )

    def reserves(self, netuid=None) -> Pool:
        tao, alpha = self.pools.functions.reserves(self.netuid if netuid is None else netuid).call()
        return Pool(tao, alpha)

    def stake_of(self, coldkey, hotkey, netuid=None) -> int:
        return self.pools.functions.stakeOf(coldkey, hotkey, self.netuid if netuid is None else netuid).call()

    def balance(self, address) -> int:
        return self.tao.functions.balanceOf(address).call()
