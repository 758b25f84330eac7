"""Every rule of the Weights contract, replayed in Python against the chain's current state.

``check_row``, ``check_commit`` and ``check_reveal`` read what the contract would read (the
subnet's size and hyperparameters, ``Weights.params()``, the hotkey's ``weightsState``, its UID,
registration block and permit) and evaluate each rule the contract applies, in the contract's
order, at the block the transaction would land in (the next one). Unlike the contract, which
stops at the first failure, every rule that can still be evaluated is: a user sees all that is
wrong at once, each with how to fix it. ``Verdict.reverts_with`` names the error the contract
would revert with (its first failed check); ``Verdict.chain_reason`` is the contract's own
``check*`` view of the same message, so a drift between this file and the contract shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from evmtensor.chain.client import ChainClient
from evmtensor.chain.weights import Reveal, SignedCommit, SignedWeights, recover_commit_signer, recover_weights_signer
from evmtensor.units import U16_MAX

__all__ = ["Rule", "Verdict", "check_commit", "check_reveal", "check_row"]

_ZERO32 = b"\x00" * 32


@dataclass(frozen=True)
class Rule:
    """One rule: ``status`` is "pass", "fail" or "skip" (a rule it depends on failed)."""

    name: str
    error: str
    status: str
    detail: str
    fix: str = ""
    #: for the row-scan rules, the first failing index (the contract scans left to right).
    at: int | None = None


@dataclass
class Verdict:
    action: str
    netuid: int
    hotkey: str
    landing_block: int
    rules: list[Rule] = field(default_factory=list)
    #: the error the contract's own check view returns ("" when it accepts), or None if not asked.
    chain_reason: str | None = None

    @property
    def ok(self) -> bool:
        return all(r.status != "fail" for r in self.rules)

    @property
    def first_failure(self) -> Rule | None:
        """The contract's first failed check. Rules run in its order, except that its one pass
        over the UIDs reports whichever of range and order breaks at the lowest index."""
        failed = [r for r in self.rules if r.status == "fail"]
        if not failed:
            return None
        first = failed[0]
        if first.at is not None:
            scan = [r for r in failed if r.at is not None]
            first = min(scan, key=lambda r: r.at)  # min is stable: range before order at one index
        return first

    @property
    def reverts_with(self) -> str | None:
        """The name of the error the contract would revert with (None: it accepts)."""
        first = self.first_failure
        return first.error if first else None

    def as_json(self) -> dict:
        return {"action": self.action, "netuid": self.netuid, "hotkey": self.hotkey, "ok": self.ok,
                "landing_block": self.landing_block, "reverts_with": self.reverts_with,
                "chain_reason": self.chain_reason,
                "rules": [{"name": r.name, "status": r.status, "error": r.error, "detail": r.detail, "fix": r.fix}
                          for r in self.rules]}


class _Rules:
    """Collects rules; once a gate fails, the rules that need what it guards are skipped."""

    def __init__(self, verdict: Verdict):
        self.verdict = verdict
        self.blocked: str | None = None

    def add(self, name: str, error: str, passed: bool, detail: str, fix: str = "", *, gate: bool = False,
            at: int | None = None) -> bool:
        if self.blocked:
            self.verdict.rules.append(Rule(name, error, "skip", f"not evaluated: {self.blocked} failed"))
            return False
        self.verdict.rules.append(Rule(name, error, "pass" if passed else "fail", detail, "" if passed else fix,
                                       at=None if passed else at))
        if gate and not passed:
            self.blocked = name
        return passed

    def skip(self, *names_errors: tuple[str, str]) -> None:
        for name, error in names_errors:
            self.add(name, error, True, "")


@dataclass(frozen=True)
class _State:
    """What the contract reads for (netuid, hotkey) at the landing block."""

    n: int
    hp: Any
    max_weight_limit: int
    entry: Any
    found: bool
    uid: int
    registered_at: int
    permit: bool
    landing_block: int


def _state(client: ChainClient, netuid: int, hotkey: str) -> _State:
    landing = client.block_number() + 1  # automine: the transaction lands in the next block
    n = int(client.call(client.contract("NeuronRegistry").functions.subnetN(netuid)))
    hp = client.view("SubnetRegistry", "hyperparameters", netuid) if n else None
    limit = int(client.view("Weights", "params")["maxWeightLimit"])
    entry = client.view("Weights", "weightsState", netuid, hotkey)
    found, uid = client.call(client.contract("NeuronRegistry").functions.uidOf(netuid, hotkey)) if n else (False, 0)
    registered_at, permit = 0, False
    if found:
        info = client.view("NeuronRegistry", "neurons", netuid, uid, 1)[0]
        registered_at, permit = int(info["registeredAt"]), bool(info["validatorPermit"])
    return _State(n, hp, limit, entry, bool(found), int(uid), registered_at, permit, landing)


def _epoch(netuid: int, tempo: int, block: int) -> int:
    return (block + netuid + 1) // (tempo + 1)


def _chain_reason(client: ChainClient, function: str, arg: tuple) -> str:
    """The contract's own verdict (its ``check*`` view at the pending block): an error name or ""."""
    raw = client.call(getattr(client.contract("Weights").functions, function)(arg), block="pending")
    return client.decode_revert(bytes(raw)).name if raw else ""


# ---------------------------------------------------------------------------------- shared rules

def _subnet_and_mode(rules: _Rules, s: _State, netuid: int, want_commit_reveal: bool) -> None:
    rules.add("subnet exists", "WeightsSubnetNotFound", s.n > 0,
              f"subnet {netuid} has {s.n} UIDs", "pick a subnet that exists (see `evmtensor subnet list`)", gate=True)
    enabled = bool(s.hp["commitRevealEnabled"]) if s.hp else False
    if want_commit_reveal:
        rules.add("commit-reveal enabled", "WeightsCommitRevealDisabled", enabled,
                  f"commit-reveal is {'on' if enabled else 'off'}", "this subnet takes rows directly: use "
                  "`evmtensor weights set`", gate=True)
    else:
        rules.add("commit-reveal disabled", "WeightsCommitRevealEnabled", not enabled,
                  f"commit-reveal is {'on' if enabled else 'off'}", "this subnet uses commit-reveal: use "
                  "`evmtensor weights commit`, then `weights reveal` in the reveal epoch", gate=True)


def _signed(rules: _Rules, s: _State, hotkey: str, deadline: int, recovered: str | None) -> None:
    rules.add("deadline", "WeightsDeadlinePassed", s.landing_block <= deadline,
              f"deadline block {deadline}, lands in block {s.landing_block}",
              "sign again with a later --deadline-block (or a larger --deadline-blocks)", gate=True)
    rules.add("signature", "WeightsInvalidSignature", recovered == hotkey,
              f"signed by {recovered}" if recovered else "the signature does not recover",
              "sign with the hotkey named in the message", gate=True)


def _nonce(rules: _Rules, s: _State, nonce: int, identical: bool) -> None:
    last = int(s.entry["nonce"])
    if nonce <= last and identical and nonce == last:
        detail = f"nonce {nonce} is the last one accepted, with the same content: sending it again does nothing"
    else:
        detail = f"nonce {nonce}, last accepted {last}"
    rules.add("nonce", "WeightsNonceUsed", nonce > last, detail,
              f"use a nonce above {last} (--nonce {last + 1}, the default)", gate=True)


def _registered(rules: _Rules, s: _State, netuid: int, hotkey: str) -> None:
    rules.add("registration", "WeightsNotRegistered", s.found,
              f"UID {s.uid}, registered at block {s.registered_at}" if s.found else f"{hotkey} has no UID",
              f"register the hotkey first: `evmtensor neuron register {netuid}`", gate=True)


def _rate_limit(rules: _Rules, s: _State, last: int) -> None:
    limit = int(s.hp["weightsRateLimit"])
    counts = last != 0 and last >= s.registered_at and limit != 0
    nxt = last + limit
    ok = not counts or s.landing_block >= nxt
    detail = (f"last at block {last}, limit {limit} blocks, next from block {nxt}" if counts
              else f"no earlier submission counts (limit {limit} blocks)")
    rules.add("rate limit", "WeightsRateLimited", ok, detail,
              f"wait {nxt - s.landing_block} more block(s) (until block {nxt})")


# ---------------------------------------------------------------------------------- row rules

def _row(rules: _Rules, s: _State, netuid: int, uids: tuple, values: tuple, version_key: int) -> None:
    self_weight = len(uids) == 1 and uids[0] == s.uid  # as WeightsRow.isSelfWeight: by the uids alone
    exempt = s.uid == 0 or self_weight
    rules.add("validator permit", "WeightsNoValidatorPermit", s.permit or exempt,
              "holds a permit" if s.permit else ("exempt (the owner's UID 0 or a self-weight)" if exempt
                                                  else f"UID {s.uid} holds no validator permit"),
              "stake more on the hotkey so it ranks among the subnet's top validators by stake, then wait for "
              "the next settled epoch; or set only a self-weight")
    required = int(s.hp["weightsVersionKey"])
    rules.add("version key", "WeightsVersionKeyTooLow", version_key >= required,
              f"version key {version_key}, the subnet requires at least {required}",
              f"upgrade, or pass --version-key {required}")
    rules.add("well-formed", "WeightsMalformedRow", len(uids) == len(values),
              f"{len(uids)} uids, {len(values)} weights", "give one weight per UID", gate=True)
    required_count = min(int(s.hp["minAllowedWeights"]), s.n)
    rules.add("min allowed weights", "WeightsTooFew", self_weight or len(uids) >= required_count,
              f"{len(uids)} weights, the subnet requires at least {required_count}"
              + (" (a self-weight is exempt)" if self_weight else ""),
              f"weight at least {required_count} UIDs")
    _scan(rules, s.n, uids)
    _max_weight(rules, s.max_weight_limit, values, self_weight)


def _scan(rules: _Rules, n: int, uids: tuple) -> None:
    out = [i for i, u in enumerate(uids) if u >= n]
    rules.add("uids in range", "WeightsUidOutOfRange", not out,
              f"UIDs {[uids[i] for i in out]} are not below n = {n}" if out else f"all below n = {n}",
              f"drop UIDs at or above {n}", at=out[0] if out else None)
    down = [i for i in range(1, len(uids)) if uids[i] < uids[i - 1]]
    rules.add("sorted", "WeightsUidsNotAscending", not down,
              f"UID {uids[down[0]]} follows {uids[down[0] - 1]}" if down else "ascending",
              "list the UIDs in ascending order (with their weights)", at=down[0] if down else None)
    dup = [i for i in range(1, len(uids)) if uids[i] == uids[i - 1]]
    rules.add("unique", "WeightsUidsNotAscending", not dup,
              f"UID {uids[dup[0]]} appears twice in a row" if dup else "no repeats",
              "give each UID once", at=dup[0] if dup else None)


def _max_weight(rules: _Rules, limit: int, values: tuple, self_weight: bool) -> None:
    total, top = sum(values), max(values, default=0)
    if limit == U16_MAX or self_weight:
        rules.add("max weight limit", "WeightsMaxWeightExceeded", True,
                  "no limit" if limit == U16_MAX else "a self-weight is exempt")
        return
    # max / sum <= limit / 65535, compared in integers as the contract does.
    ok = top * U16_MAX <= limit * total
    rules.add("max weight limit", "WeightsMaxWeightExceeded", ok,
              f"largest weight {top} of {total} (limit {limit}/65535 of the sum)",
              f"spread the weights: none may exceed {limit}/65535 of their sum")


# ---------------------------------------------------------------------------------- entry points

def check_row(client: ChainClient, signed: SignedWeights, *, ask_chain: bool = True) -> Verdict:
    """What ``setWeights(signed)`` would do if sent now, rule by rule."""
    row, hotkey = signed.row, signed.hotkey
    s = _state(client, row.netuid, hotkey)
    verdict = Verdict("set", row.netuid, hotkey, s.landing_block)
    rules = _Rules(verdict)
    _subnet_and_mode(rules, s, row.netuid, want_commit_reveal=False)
    try:
        recovered = recover_weights_signer(client.deployment.address("Weights"), client.deployment.chain_id, row,
                                           signed.signature)
    except ValueError:
        recovered = None
    _signed(rules, s, hotkey, row.deadline_block, recovered)
    _nonce(rules, s, row.nonce, bytes(s.entry["rowHash"]) == row.hash)
    _registered(rules, s, row.netuid, hotkey)
    if not rules.blocked:
        _rate_limit(rules, s, int(s.entry["rowBlock"]))
        _row(rules, s, row.netuid, row.uids, row.values, row.version_key)
    if ask_chain:
        verdict.chain_reason = _chain_reason(client, "checkWeights", signed.as_tuple())
    return verdict


def check_commit(client: ChainClient, signed: SignedCommit, *, ask_chain: bool = True) -> Verdict:
    """What ``commitWeights(signed)`` would do if sent now."""
    c, hotkey = signed.commit, signed.hotkey
    s = _state(client, c.netuid, hotkey)
    verdict = Verdict("commit", c.netuid, hotkey, s.landing_block)
    rules = _Rules(verdict)
    _subnet_and_mode(rules, s, c.netuid, want_commit_reveal=True)
    try:
        recovered = recover_commit_signer(client.deployment.address("Weights"), client.deployment.chain_id, c,
                                          signed.signature)
    except ValueError:
        recovered = None
    _signed(rules, s, hotkey, c.deadline_block, recovered)
    _nonce(rules, s, c.nonce, bytes(s.entry["commitHash"]) == c.commit_hash)
    _registered(rules, s, c.netuid, hotkey)
    if not rules.blocked:
        _rate_limit(rules, s, int(s.entry["commitBlock"]))
    if ask_chain:
        verdict.chain_reason = _chain_reason(client, "checkCommit", signed.as_tuple())
    return verdict


def check_reveal(client: ChainClient, reveal: Reveal, *, ask_chain: bool = True) -> Verdict:
    """What ``revealWeights(reveal)`` would do if sent now."""
    s = _state(client, reveal.netuid, reveal.hotkey)
    verdict = Verdict("reveal", reveal.netuid, reveal.hotkey, s.landing_block)
    rules = _Rules(verdict)
    _subnet_and_mode(rules, s, reveal.netuid, want_commit_reveal=True)
    _registered(rules, s, reveal.netuid, reveal.hotkey)
    if not rules.blocked:
        _pending(rules, s, reveal)
    if not rules.blocked:
        _row(rules, s, reveal.netuid, reveal.uids, reveal.values, reveal.version_key)
    if ask_chain:
        verdict.chain_reason = _chain_reason(client, "checkReveal", reveal.as_tuple())
    return verdict


def _pending(rules: _Rules, s: _State, reveal: Reveal) -> None:
    e = s.entry
    commit_block = int(e["commitBlock"])
    pending = commit_block != 0 and commit_block >= s.registered_at and not e["revealed"]
    rules.add("pending commit", "WeightsNoPendingCommit", pending,
              f"commit at block {commit_block}" if pending else
              ("the last commit was already revealed" if e["revealed"] else "no commit of this registration"),
              f"commit first: `evmtensor weights commit {reveal.netuid}`", gate=True)
    stored, revealed = bytes(e["commitHash"]), reveal.commit_hash
    rules.add("reveal matches commit", "WeightsRevealMismatch", stored == revealed,
              f"committed 0x{stored.hex()[:16]}…, revealing 0x{revealed.hex()[:16]}…",
              "reveal exactly the committed uids, weights, version key and salt", gate=True)
    tempo, period = int(s.hp["tempo"]), int(s.hp["commitRevealPeriod"])
    due = _epoch(reveal.netuid, tempo, commit_block) + period
    epoch = _epoch(reveal.netuid, tempo, s.landing_block)
    first = due * (tempo + 1) - reveal.netuid - 1  # first block of epoch `due`
    rules.add("reveal not too early", "WeightsRevealTooEarly", epoch >= due,
              f"reveal epoch {due}, now epoch {epoch}", f"wait until block {first} (epoch {due})", gate=True)
    rules.add("commit not expired", "WeightsCommitExpired", epoch <= due,
              f"reveal epoch {due}, now epoch {epoch}", "the reveal window passed: commit again", gate=True)
