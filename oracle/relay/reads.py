"""What the relay's read API serves, read from the chain alone (the relay is untrusted: anyone can
recompute every figure here from the same contracts, events and calldata).

- subnets and metagraphs: ``MetagraphViews`` (``evmtensor.chain.subnets``), pinned to one block;
- epochs: EpochSettlement's ``EpochOpened`` (the snapshot) and ``EpochSettled`` events, the result
  itself from the calldata of the ``settle`` transaction (the event only carries its hash), and the
  payouts from that transaction's ``Credited`` log (evmtensor.chain.credits);
- prices: ``MetagraphViews.subnet`` at every block in which the subnet's pool or emission state
  changed (an event of StakingPools or Emission with the netuid as first topic).

One exception, kept apart under ``relay`` in an epoch's detail: the attestations this relay holds
for the epoch (its own store, settled or not) and the stake each distinct result gathered. That
is the relay's word, not the chain's; the stake is still counted from the on-chain snapshot, the
way EpochSettlement counts it, and each result's digest is the one the contract recovers from.
"""

from __future__ import annotations

import threading
from fractions import Fraction

from eth_utils import to_checksum_address

from evmtensor.chain.client import ChainClient
from evmtensor.chain.credits import credits_in_receipt
from evmtensor.chain.subnets import metagraph_rows, subnets
from evmtensor.chain.typed_data import typed_digest
from evmtensor.chain.weights import unpack_u16
from evmtensor.units import PRICE_SCALE, U16_MAX
from oracle.epoch import EpochSnapshot, build_epoch_inputs, parse_opened, quorum_reached, signed_stake
from oracle.relay.models import AttestationIn
from oracle.relay.store import Store
from oracle.yuma import YumaMode, run_epoch
from oracle.yuma.explain import explain

__all__ = ["NotFound", "epoch_detail", "epoch_explanation", "epochs", "metagraph", "prices", "subnet_list"]


class NotFound(LookupError):
    """No such subnet or epoch (the API answers 404 with ``error`` and the message)."""

    def __init__(self, error: str, message: str):
        self.error = error
        super().__init__(message)


def _price(value: int) -> float:
    return value / PRICE_SCALE


def _require_subnet(client: ChainClient, netuid: int, block="latest"):
    view = client.view("MetagraphViews", "subnet", netuid, block=block)
    if not view["exists"]:
        raise NotFound("SubnetNotFound", f"there is no subnet {netuid} on this chain")
    return view


def subnet_list(client: ChainClient) -> dict:
    """Every subnet's header at one block; the emission share is the subnet's moving price over the
    sum of all subnets' moving prices (the weights Emission splits each block's TAO by)."""
    block = client.block_number()
    views = [v for v in subnets(client) if v["exists"]]
    total_moving = sum(int(v["movingPrice"]) for v in views)
    out = []
    for v in views:
        stake = sum(int(r["stake"]) for r in metagraph_rows(client, int(v["netuid"]), block=block))
        share = Fraction(int(v["movingPrice"]), total_moving) if total_moving else Fraction(0)
        out.append({
            "netuid": int(v["netuid"]), "owner_coldkey": v["ownerColdkey"], "owner_hotkey": v["ownerHotkey"],
            "price": _price(int(v["spotPrice"])), "price_raw": str(v["spotPrice"]),
            "moving_price": _price(int(v["movingPrice"])), "moving_price_raw": str(v["movingPrice"]),
            "emission_share": float(share), "tao_in": int(v["taoIn"]), "alpha_in": int(v["alphaIn"]),
            "total_stake": stake, "neurons": int(v["n"]), "tempo": int(v["hyperparameters"]["tempo"]),
        })
    return {"block": block, "subnets": out}


def metagraph(client: ChainClient, netuid: int) -> dict:
    """Every UID of ``netuid`` at one block (the btcli columns; trust and consensus are not kept on
    chain, so they are filled from the latest settled epoch's Yuma run, recomputed from its inputs)."""
    _require_subnet(client, netuid)
    block = client.block_number()
    rows = metagraph_rows(client, netuid, block=block)
    settled = [e for e in _epoch_index(client, netuid) if e["settled"]]
    consensus_epoch = None
    if settled:
        consensus_epoch = settled[-1]["epoch"]
        snap = _opened(client, netuid, consensus_epoch)
        _, out = _yuma(client, snap)
        for r in rows:
            # Same hotkey at the snapshot only: a UID replaced since then has no consensus yet.
            if r["uid"] < snap.n and snap.neurons[r["uid"]].hotkey == r["hotkey"]:
                r["consensus"] = float(out.consensus[r["uid"]])
                r["trust"] = float(out.validator_trust[r["uid"]])
    return {"netuid": netuid, "block": block, "consensus_epoch": consensus_epoch, "neurons": rows}


# ------------------------------------------------------------------ epochs


def _opened_logs(client: ChainClient, netuid: int, epoch: int | None = None) -> list:
    filters = {"netuid": netuid} if epoch is None else {"netuid": netuid, "epoch": epoch}
    return client.contract("EpochSettlement").events.EpochOpened().get_logs(
        from_block=client.deployment.deploy_block, to_block="latest", argument_filters=filters)


def _settled_logs(client: ChainClient, netuid: int, epoch: int | None = None) -> dict[int, object]:
    filters = {"netuid": netuid} if epoch is None else {"netuid": netuid, "epoch": epoch}
    logs = client.contract("EpochSettlement").events.EpochSettled().get_logs(
        from_block=client.deployment.deploy_block, to_block="latest", argument_filters=filters)
    return {int(log["args"]["epoch"]): log for log in logs}


def _opened(client: ChainClient, netuid: int, epoch: int) -> EpochSnapshot:
    logs = _opened_logs(client, netuid, epoch)
    if not logs:
        raise NotFound("EpochNotFound", f"epoch {epoch} of subnet {netuid} was never opened")
    return parse_opened(logs[-1])


def _epoch_index(client: ChainClient, netuid: int) -> list[dict]:
    settled = _settled_logs(client, netuid)
    out = []
    for log in _opened_logs(client, netuid):
        a = log["args"]
        epoch = int(a["epoch"])
        s = settled.get(epoch)
        out.append({
            "epoch": epoch, "snapshot_block": int(a["snapshotBlock"]), "opened_block": int(log["blockNumber"]),
            "snapshot_hash": "0x" + bytes(a["snapshotHash"]).hex(), "pending_alpha": int(a["pendingAlpha"]),
            "validator_stake": int(a["validatorStake"]), "n": parse_opened(log).n,
            "settled": s is not None, "settled_block": int(s["blockNumber"]) if s else None,
            **(_settled_figures(s) if s else {}),
        })
    return out


def _settled_figures(log) -> dict:
    a = log["args"]
    return {"result_hash": "0x" + bytes(a["resultHash"]).hex(), "signed_stake": int(a["signedStake"]),
            "owner_cut": int(a["ownerCut"]), "miner_alpha": int(a["minerAlpha"]),
            "validator_alpha": int(a["validatorAlpha"]), "burned": int(a["burned"]), "carried": int(a["carried"])}


def epochs(client: ChainClient, netuid: int) -> dict:
    """Every opened epoch of ``netuid``, oldest first, with its settlement figures once settled."""
    _require_subnet(client, netuid)
    return {"netuid": netuid, "epochs": _epoch_index(client, netuid)}


def _settle_call(client: ChainClient, log) -> dict | None:
    """The ``settle`` arguments of the transaction that emitted ``log`` (None when it reached
    EpochSettlement through another contract, whose calldata this does not decode)."""
    settlement = client.contract("EpochSettlement")
    tx = client.w3.eth.get_transaction(log["transactionHash"])
    if tx["to"] is None or to_checksum_address(tx["to"]) != settlement.address:
        return None
    try:
        fn, args = settlement.decode_function_input(tx["input"])
    except ValueError:
        return None
    if fn.fn_name != "settle":
        return None
    # By position: the parameter names differ between the interface and the contract's ABI.
    result, _snapshot, _bonds, attestations = args.values()
    return {"result": result, "attestations": attestations}


def _field(struct, name: str, index: int):
    return struct[name] if isinstance(struct, dict) else struct[index]


def epoch_detail(client: ChainClient, netuid: int, epoch: int, store: Store | None = None) -> dict:
    """One epoch: its snapshot, and once settled the result, the signers and each UID's payout;
    with ``store``, also what the relay holds for it (``relay``, see held_attestations)."""
    _require_subnet(client, netuid)
    snap = _opened(client, netuid, epoch)
    settled = _settled_logs(client, netuid, epoch).get(epoch)
    neurons = [{"uid": m.uid, "hotkey": m.hotkey, "coldkey": m.coldkey, "stake": m.stake,
                "registered_at": m.registered_at, "last_update": m.row_block, "permit": m.permit}
               for m in snap.neurons]
    out = {"netuid": netuid, "epoch": epoch, "snapshot_block": snap.snapshot_block,
           "snapshot_hash": "0x" + snap.snapshot_hash.hex(), "pending_alpha": snap.pending_alpha,
           "validator_stake": snap.validator_stake, "validator_threshold": snap.validator_threshold,
           "hyperparameters": {k: (bool(v) if isinstance(v, bool) else int(v)) for k, v in snap.hyperparameters.items()},
           "settled": settled is not None, "settled_block": None, "result": None, "signers": None,
           "neurons": neurons}
    if store is not None:
        out["relay"] = held_attestations(client, store, snap, bytes(settled["args"]["resultHash"]) if settled else None)
    if settled is None:
        return out
    out["settled_block"] = int(settled["blockNumber"])
    out.update(_settled_figures(settled))
    call = _settle_call(client, settled)
    if call is not None:
        r = call["result"]
        incentive, dividends = unpack_u16(bytes(_field(r, "incentive", 4))), unpack_u16(bytes(_field(r, "dividends", 5)))
        permits = [bool(b) for b in bytes(_field(r, "permits", 6))]
        out["result"] = {"inputs_hash": "0x" + bytes(_field(r, "inputsHash", 3)).hex(),
                         "bonds_hash": "0x" + bytes(_field(r, "bondsHash", 7)).hex(),
                         "incentive": list(incentive), "dividends": list(dividends), "permits": permits}
        out["signers"] = sorted(int(_field(a, "uid", 0)) for a in call["attestations"])
        for row in neurons:
            row["incentive"], row["dividends"] = incentive[row["uid"]], dividends[row["uid"]]
            row["new_permit"] = permits[row["uid"]]
    _add_payouts(client, settled, neurons)
    return out


def held_attestations(client: ChainClient, store: Store, snap: EpochSnapshot, settled_hash: bytes | None) -> dict:
    """The attestations ``store`` holds for ``snap``'s epoch, oldest first, each with its store
    status (queued, sent, landed, rejected, failed), and per distinct result digest the snapshot
    stake that signed it against the stake the quorum requires (the contract's rounding). A
    signature counts only if its UID held that hotkey and voted (validator set, active) at this very
    snapshot: one stored for another snapshot of the same epoch (a chain since reverted) is listed,
    but counts for nothing."""
    quorum = int(client.view("EpochSettlement", "params")["quorum"])
    required = (snap.validator_stake * quorum + U16_MAX - 1) // U16_MAX
    chain_id, contract = client.deployment.chain_id, to_checksum_address(client.deployment.address("EpochSettlement"))
    rows, results = [], {}
    for s in store.attestations(snap.netuid, snap.epoch):
        body = AttestationIn.model_validate(s.payload)
        digest = "0x" + typed_digest("EpochResult", chain_id, contract, body.result().message()).hex()
        counts = (body.snapshot_block == snap.snapshot_block and body.uid < snap.n
                  and snap.neurons[body.uid].hotkey == body.hotkey
                  and snap.neurons[body.uid].voter)
        rows.append({"id": s.digest, "uid": body.uid, "hotkey": body.hotkey, "result_digest": digest,
                     "snapshot_block": body.snapshot_block, "counts": counts, "status": s.status.value,
                     "received_at": s.received_at, "updated_at": s.updated_at, "tx_hash": s.tx_hash,
                     "block": s.block, "reason": s.reason})
        group = results.setdefault(digest, {"result_digest": digest, "inputs_hash": "0x" + bytes(body.inputs_hash).hex(),
                                            "uids": set()})
        if counts:
            group["uids"].add(body.uid)
    settled = None if settled_hash is None else "0x" + settled_hash.hex()
    # The stake and the quorum as the relay's worker and EpochSettlement count them (oracle.epoch).
    summary = [{**g, "uids": sorted(g["uids"]), "signed_stake": signed_stake(snap, g["uids"]),
                "required_stake": required, "quorum_reached": quorum_reached(snap, g["uids"], quorum),
                "settled": g["result_digest"] == settled} for g in results.values()]
    return {"quorum": quorum, "validator_stake": snap.validator_stake, "required_stake": required,
            "attestations": rows, "results": summary}


def _add_payouts(client: ChainClient, log, neurons: list[dict]) -> None:
    """Each UID's alpha from the settle transaction: staked to it (owner cut, miner incentive)
    and credited through its take (validator dividends)."""
    receipt = client.w3.eth.get_transaction_receipt(log["transactionHash"])
    pools = client.contract("StakingPools")
    by_hotkey = {r["hotkey"]: r for r in neurons}
    for r in neurons:
        r["stake_credited"], r["emission_credited"], r["take"] = 0, 0, 0
    netuid = int(log["args"]["netuid"])
    for credit in credits_in_receipt(pools, receipt):
        row = by_hotkey.get(credit.hotkey)
        if credit.netuid != netuid or row is None:
            continue
        if credit.dividend:
            row["emission_credited"] += credit.alpha
            row["take"] += credit.take
        else:
            row["stake_credited"] += credit.alpha


_YUMA_CACHE: dict = {}
_YUMA_CACHE_SIZE = 32
_YUMA_LOCK = threading.Lock()  # FastAPI runs these sync endpoints on a thread pool


def _yuma(client: ChainClient, snap: EpochSnapshot):
    """The epoch's inputs and exact-mode result; cached by the snapshot's own hash (an epoch's
    inputs never change once opened, and a different chain gives a different snapshot)."""
    key = (client.deployment.chain_id, snap.netuid, snap.epoch, snap.snapshot_block, snap.snapshot_hash)
    with _YUMA_LOCK:
        hit = _YUMA_CACHE.get(key)
    if hit is not None:
        return hit
    inputs = build_epoch_inputs(client, snap)
    hit = (inputs, run_epoch(inputs, mode=YumaMode.EXACT))
    with _YUMA_LOCK:
        if len(_YUMA_CACHE) >= _YUMA_CACHE_SIZE:
            _YUMA_CACHE.pop(next(iter(_YUMA_CACHE)))
        _YUMA_CACHE[key] = hit
    return hit


def epoch_explanation(client: ChainClient, netuid: int, epoch: int, uid: int) -> dict:
    """Why ``uid`` got what it got in ``epoch``: Yuma rerun on the inputs read back from the chain."""
    _require_subnet(client, netuid)
    snap = _opened(client, netuid, epoch)
    if not 0 <= uid < snap.n:
        raise NotFound("UidNotFound", f"epoch {epoch} of subnet {netuid} has UIDs 0..{snap.n - 1}, not {uid}")
    inputs, out = _yuma(client, snap)
    return {"netuid": netuid, "epoch": epoch, "uid": uid, "hotkey": snap.neurons[uid].hotkey,
            "incentive": int(out.u16["incentive"][uid]), "dividends": int(out.u16["dividends"][uid]),
            "consensus": float(out.consensus[uid]), "trust": float(out.validator_trust[uid]),
            "emission": int(out.server_emission[uid] + out.validator_emission[uid]),
            "text": explain(inputs, out, uid)}


# ------------------------------------------------------------------ prices


def prices(client: ChainClient, netuid: int, limit: int) -> dict:
    """The pool's spot and moving price at each block where its state changed (latest ``limit``),
    plus the current block."""
    _require_subnet(client, netuid)
    topic = "0x" + netuid.to_bytes(32, "big").hex()
    addresses = [client.deployment.address("StakingPools"), client.deployment.address("Emission")]
    logs = client.w3.eth.get_logs({"address": addresses, "fromBlock": client.deployment.deploy_block,
                                   "toBlock": "latest", "topics": [None, topic]})
    head = client.block_number()
    blocks = sorted({int(log["blockNumber"]) for log in logs} | {head})[-limit:]
    points = []
    for b in blocks:
        v = client.view("MetagraphViews", "subnet", netuid, block=b)
        if not v["exists"]:
            continue
        points.append({"block": b, "price": _price(int(v["spotPrice"])), "moving_price": _price(int(v["movingPrice"])),
                       "tao_in": int(v["taoIn"]), "alpha_in": int(v["alphaIn"])})
    return {"netuid": netuid, "points": points}

