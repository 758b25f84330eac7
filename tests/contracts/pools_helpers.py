"""Helpers for the pools/emission tests: a per-block emission reference and small chain helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, getcontext

from evmtensor.chain.amm import Pool

try:
    from .core_helpers import events, register_subnet, send_as
except ImportError:
    from core_helpers import events, register_subnet, send_as

getcontext().prec = 120

WAD = 10**18
TOTAL_SUPPLY = 21 * 10**15
TAO = 10**9
MAX_UINT = 2**256 - 1


def emission_for_issuance(issuance: int) -> int:
    """Spec 1.1 halving, exact integers (mirrors contracts/libraries/Halving.sol)."""
    if issuance >= TOTAL_SUPPLY:
        return 0
    q = TOTAL_SUPPLY // (TOTAL_SUPPLY - issuance)
    k = q.bit_length() - 1
    return 10**9 >> k


def split_alpha_out(alpha_out: int, owner_cut: int) -> tuple[int, int, int]:
    """Subtensor's U96F32 split (2^-32 units), each bucket floored: up to 2 units unassigned."""
    cut = (owner_cut << 32) // 65535
    owner_q = alpha_out * cut
    rest = (alpha_out << 32) - owner_q
    server_q = rest >> 1
    return owner_q >> 32, server_q >> 32, (rest - server_q) >> 32


@dataclass
class SubnetRef:
    """One subnet as the per-block reference sees it."""

    netuid: int
    pool: Pool
    ema: int
    alpha_issuance: int
    tao_exact: Decimal = Decimal(0)
    ema_exact: Decimal = Decimal(0)
    alpha_out: int = 0
    pending: list[int] = field(default_factory=lambda: [0, 0, 0])


def reference_accrual(subnets: list[SubnetRef], blocks: int, supply: int, ema_alpha: int, owner_cut: int) -> int:
    """Per-block reference of one `accrue` over `blocks` blocks (no halving crossed by alpha).

    Each block: E from the TAO issuance, shares p̄_i / Σ p̄ (no TAO when Σ p̄ = 0), alpha_out and
    its split from the alpha issuance, then p̄_i ← α·min(spot_i, 1) + (1 − α)·p̄_i. Prices are the
    spot prices at the start (the contract's semantics). Amounts are kept exact (Decimal with
    120 digits); returns the virtual TAO issuance at the end.
    """
    alpha = Decimal(ema_alpha) / WAD
    prices = [Decimal(min(s.pool.price, WAD)) for s in subnets]
    emas = [Decimal(s.ema) for s in subnets]
    issuance = supply
    for _ in range(blocks):
        e = emission_for_issuance(issuance)
        total = sum(emas)
        if total > 0:
            for s, p in zip(subnets, emas):
                s.tao_exact += e * p / total
            issuance += e
        for s in subnets:
            a = emission_for_issuance(s.alpha_issuance)
            s.alpha_out += a
            s.alpha_issuance += a
            for j, part in enumerate(split_alpha_out(a, owner_cut)):
                s.pending[j] += part
        emas = [alpha * p + (1 - alpha) * m for p, m in zip(prices, emas)]
    for s, m in zip(subnets, emas):
        s.ema_exact = m
    return issuance


def event_args(contract_event, receipt) -> list:
    return [e.args for e in events(contract_event, receipt)]


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
