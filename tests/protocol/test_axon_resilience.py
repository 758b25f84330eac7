"""The axon's state survives what the world does to it: a damaged or full replay log, a chain
that errors, and a flood of low-stake callers."""

from __future__ import annotations

import asyncio
import errno
import os
import time

import httpx
import pytest

from evmtensor.protocol import (
    TEXT_TASK,
    Axon,
    AxonSettings,
    AxonTarget,
    BlockCachedRegistry,
    Dendrite,
    NeuronInfo,
    NonceStore,
    RefusalCode,
    TextRequest,
    TextResponse,
    serve_in_thread,
)
from evmtensor.protocol import nonces as nonces_module
from protocol_helpers import UPPER_TASK, Keys, make_axon, now_ms, sign_request

pytestmark = pytest.mark.timeout(60)

A, B, C = os.urandom(20), os.urandom(20), os.urandom(20)
WINDOW = 10_000_000  # the unit tests use fixed timestamps: keep them all in the window


def _store(path, **kw) -> NonceStore:
    return NonceStore(path, window_ms=WINDOW, **kw)


def test_a_torn_record_does_not_misalign_later_ones(tmp_path):
    path = tmp_path / "n.log"
    store = _store(path)
    assert store.check_and_add(A, 1, 1000, 1000) is None
    store.close()
    with open(path, "ab") as fh:
        fh.write(b"S" + b"\x01" * 20)  # a crash mid-write: half a record
    store = _store(path)  # cuts the torn tail
    assert store.check_and_add(A, 2, 1001, 1001) is None
    store.close()
    store = _store(path)
    assert store.check_and_add(A, 1, 1000, 1000)[0] is RefusalCode.NONCE_REPLAY
    assert store.check_and_add(A, 2, 1001, 1001)[0] is RefusalCode.NONCE_REPLAY
    assert not list(tmp_path.glob("*.corrupt-*"))  # a torn tail is not damage


@pytest.mark.parametrize("damage", ["flipped byte", "foreign file", "old format"])
def test_a_damaged_log_is_quarantined_and_nothing_signed_before_is_accepted(
    tmp_path, caplog, damage
):
    path = tmp_path / "n.log"
    store = _store(path)
    for i in range(3):
        assert store.check_and_add(A, i, 1000 + i, 1000) is None
    store.close()
    data = bytearray(path.read_bytes())
    if damage == "flipped byte":
        data[len(nonces_module.MAGIC) + 41 + 5] ^= 0xFF  # inside the second record
    elif damage == "foreign file":
        data = bytearray(os.urandom(500))
    else:
        data = bytearray(b"S" + A + bytes(16)) * 3  # 37-byte records, no header
    path.write_bytes(bytes(data))
    before = now_ms()
    store = _store(path, skew_ms=2000)
    assert "damaged" in caplog.text
    assert len(list(tmp_path.glob("n.log.corrupt-*"))) == 1
    if damage == "flipped byte":  # the record before the damage is kept
        assert store.check_and_add(A, 0, before + 5000, before)[0] is RefusalCode.NONCE_REPLAY
    for caller in (A, C):  # even a caller the log never mentioned
        verdict = store.check_and_add(caller, 99, before, before)
        assert verdict is not None and verdict[0] is RefusalCode.NONCE_STALE
        assert store.check_and_add(caller, 100, before + 5000, before) is None
    store.close()
    store = _store(path)  # the floor itself is durable
    assert store.check_and_add(B, 7, before, before)[0] is RefusalCode.NONCE_STALE


def test_short_writes_still_write_whole_records(tmp_path, monkeypatch):
    real = os.pwrite
    monkeypatch.setattr(nonces_module.os, "pwrite", lambda fd, data, at: real(fd, data[:7], at))
    path = tmp_path / "n.log"
    store = _store(path, per_caller=2)
    for i in range(5):
        assert store.check_and_add(A, i, 1000 + i, 1000) is None
    store.close()
    monkeypatch.undo()
    store = _store(path, per_caller=2)
    assert store.check_and_add(A, 4, 1004, 1000)[0] is RefusalCode.NONCE_REPLAY
    assert store.check_and_add(A, 1, 1001, 1000)[0] is RefusalCode.NONCE_STALE


def _full_disk(monkeypatch, after_bytes: int) -> None:
    real, budget = os.pwrite, [after_bytes]

    def pwrite(fd: int, data: bytes, at: int) -> int:
        if budget[0] <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        n = real(fd, data[: budget[0]], at)
        budget[0] -= n
        return n

    monkeypatch.setattr(nonces_module.os, "pwrite", pwrite)


def test_a_full_disk_refuses_cleanly_and_leaves_no_torn_record(tmp_path, monkeypatch):
    path = tmp_path / "n.log"
    store = _store(path)
    assert store.check_and_add(A, 1, 1000, 1000) is None
    size = path.stat().st_size
    _full_disk(monkeypatch, after_bytes=10)  # ten bytes fit, then ENOSPC
    code, reason = store.check_and_add(A, 2, 1001, 1001)
    assert code is RefusalCode.STORAGE_UNAVAILABLE and "retry" in reason
    assert path.stat().st_size == size  # cut back to the last whole record
    monkeypatch.undo()  # space freed
    assert store.check_and_add(A, 2, 1001, 1001) is None  # refused, so not "used"
    store.close()
    store = _store(path)
    assert store.check_and_add(A, 2, 1001, 1001)[0] is RefusalCode.NONCE_REPLAY
    assert not list(tmp_path.glob("*.corrupt-*"))


def test_the_axon_answers_a_full_disk_with_a_clear_refusal(keys: Keys, tmp_path, monkeypatch):
    calls: list[str] = []
    with serve_in_thread(make_axon(keys, tmp_path, calls).app()) as server:
        _full_disk(monkeypatch, after_bytes=0)
        headers, body = sign_request(keys.validator, keys.miner)
        full = httpx.post(f"{server.url}/text", content=body, headers=headers)
        monkeypatch.undo()
        headers, body = sign_request(keys.validator, keys.miner)
        after = httpx.post(f"{server.url}/text", content=body, headers=headers)
    assert (full.status_code, full.json()["error"]) == (503, "STORAGE_UNAVAILABLE")
    assert after.status_code == 200 and calls == ["hello"]


class _FlakyChain:
    """A loader that fails in the ways web3 does, on demand."""

    def __init__(self, keys: Keys) -> None:
        self.keys, self.block, self.failure = keys, 1, None
        self.registered = [keys.validator.address]

    def block_number(self) -> int:
        if isinstance(self.failure, BaseException):
            raise self.failure
        return self.block

    def load(self, block: int):
        if self.failure == "garbage":
            return ["not a neuron"]
        return [NeuronInfo(h, i, stake=1) for i, h in enumerate(self.registered)]


def _status(server, keys_signer, miner) -> int:
    headers, body = sign_request(keys_signer, miner, route="upper")
    return httpx.post(f"{server.url}/upper", content=body, headers=headers).status_code


def _wait_for(predicate, seconds: float = 3.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)


@pytest.mark.parametrize("failure", [KeyError("result"), ConnectionResetError(), "garbage",
                                     Exception("a web3 error nobody expected")])
def test_the_refresher_survives_any_error_and_keeps_its_snapshot(keys: Keys, failure):
    chain = _FlakyChain(keys)
    registry = BlockCachedRegistry(chain.block_number, chain.load, poll_interval_s=0.02)
    axon = Axon(keys.miner, registry, data_dir=None)
    axon.attach(UPPER_TASK, lambda request, ctx: TextResponse(text=request.text.upper()))
    with serve_in_thread(axon.app()) as server:
        assert _status(server, keys.validator, keys.miner) == 200
        chain.failure, chain.block = failure, 2
        chain.registered = [keys.other_validator.address]  # would deregister the validator
        time.sleep(0.2)  # several failed refreshes
        assert _status(server, keys.validator, keys.miner) == 200  # the last snapshot holds
        chain.failure = None
        _wait_for(lambda: registry.loaded_block == 2)
        assert _status(server, keys.validator, keys.miner) == 403  # and the refresher lives
        assert _status(server, keys.other_validator, keys.miner) == 200


def test_the_axon_starts_when_the_first_refresh_fails(keys: Keys, caplog):
    chain = _FlakyChain(keys)
    chain.failure = ConnectionRefusedError("chain down")
    registry = BlockCachedRegistry(chain.block_number, chain.load, poll_interval_s=0.02)
    axon = Axon(keys.miner, registry, data_dir=None)
    axon.attach(UPPER_TASK, lambda request, ctx: TextResponse(text=request.text.upper()))
    with serve_in_thread(axon.app()) as server:
        assert _status(server, keys.validator, keys.miner) == 403
        chain.failure = None
        _wait_for(lambda: registry.loaded_block == 1)
        assert _status(server, keys.validator, keys.miner) == 200
    assert "first registry refresh failed" in caplog.text


def test_slots_may_not_outnumber_worker_threads():
    with pytest.raises(ValueError, match="worker_threads"):
        AxonSettings(slots=8, worker_threads=4)


def _one_slot_axon(keys: Keys, calls: list[str]):
    return make_axon(keys, None, calls, slots=1, worker_threads=1, max_waiting=1)


def test_a_full_waiting_room_evicts_the_lowest_stake(keys: Keys):
    calls: list[str] = []
    with serve_in_thread(_one_slot_axon(keys, calls).app()) as server:
        target = AxonTarget(server.url, keys.miner.address)

        async def go():
            async with Dendrite(keys.other_validator) as low, Dendrite(keys.validator) as high:
                busy = asyncio.create_task(low.call(target, TEXT_TASK, TextRequest(text="sleep:0.5")))
                await asyncio.sleep(0.15)
                waiting = asyncio.create_task(low.call(target, TEXT_TASK, TextRequest(text="low")))
                await asyncio.sleep(0.15)
                vip = await high.call(target, TEXT_TASK, TextRequest(text="high"), timeout=5)
                return await busy, await waiting, vip

        busy, waiting, vip = asyncio.run(go())
    assert busy.ok and vip.ok, (busy, vip)
    assert (waiting.status, waiting.error.code) == (429, "OVERLOADED"), waiting
    assert calls == ["sleep:0.5", "finished sleep:0.5", "high"]


def test_a_timed_out_thread_keeps_its_slot_until_it_returns(keys: Keys):
    calls: list[str] = []
    with serve_in_thread(_one_slot_axon(keys, calls).app()) as server:
        target = AxonTarget(server.url, keys.miner.address)

        async def go():
            async with Dendrite(keys.other_validator) as low, Dendrite(keys.validator) as high:
                slow = await low.call(target, TEXT_TASK, TextRequest(text="sleep:0.6"),
                                      timeout=0.2)
                return slow, await high.call(target, TEXT_TASK, TextRequest(text="next"),
                                             timeout=5)

        slow, following = asyncio.run(go())
    assert slow.status == 504 and following.ok, (slow, following)
    # the next handler ran only once the abandoned thread had finished: one at a time
    assert calls == ["sleep:0.6", "finished sleep:0.6", "next"]
