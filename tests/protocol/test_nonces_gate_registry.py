"""Units behind the axon: the durable nonce window, the priority gate, the registries."""

from __future__ import annotations

import asyncio
import os

import pytest
from eth_utils import to_checksum_address

from evmtensor.protocol import (
    BlockCachedRegistry,
    NeuronInfo,
    NonceStore,
    RefreshableRegistry,
    Refusal,
    RefusalCode,
    StaticRegistry,
)
from evmtensor.protocol.gate import PriorityGate

A, B = os.urandom(20), os.urandom(20)
NOW = 1_700_000_000_000


def test_replays_are_refused_and_survive_reopening(tmp_path):
    path = tmp_path / "nonces.log"
    store = NonceStore(path, window_ms=10_000)
    assert store.check_and_add(A, 7, NOW, NOW) is None
    assert store.check_and_add(B, 7, NOW, NOW) is None  # per caller
    assert store.check_and_add(A, 7, NOW, NOW)[0] is RefusalCode.NONCE_REPLAY
    store.close()
    with open(path, "ab") as fh:
        fh.write(b"torn")  # a crash mid-write leaves a partial record
    reopened = NonceStore(path, window_ms=10_000)
    assert reopened.check_and_add(A, 7, NOW, NOW)[0] is RefusalCode.NONCE_REPLAY
    assert reopened.check_and_add(A, 8, NOW, NOW) is None


def test_each_caller_is_bounded_and_evicted_nonces_cannot_come_back(tmp_path):
    store = NonceStore(tmp_path / "n.log", window_ms=10_000, per_caller=3)
    for i in range(5):
        assert store.check_and_add(A, i, NOW + i, NOW) is None
    assert len(store) == 3
    code, reason = store.check_and_add(A, 0, NOW, NOW)  # evicted, but below the floor
    assert code is RefusalCode.NONCE_STALE and "floor" in reason
    store.close()
    reopened = NonceStore(tmp_path / "n.log", window_ms=10_000, per_caller=3)
    assert reopened.check_and_add(A, 1, NOW + 1, NOW)[0] is RefusalCode.NONCE_STALE
    assert reopened.check_and_add(A, 99, NOW + 10, NOW) is None


def test_the_log_is_compacted_to_the_live_window(tmp_path):
    path = tmp_path / "n.log"
    store = NonceStore(path, window_ms=1_000)
    for i in range(20_000):
        store.check_and_add(A, i, NOW + i, NOW + i)  # one per ms: ~1000 live at a time
    size = path.stat().st_size
    assert size < 37 * 8_200, size
    store.close()
    reopened = NonceStore(path, window_ms=1_000)
    assert reopened.check_and_add(A, 19_999, NOW + 19_999, NOW + 19_999)[0] is RefusalCode.NONCE_REPLAY


def test_memory_only_store_works_without_a_path():
    store = NonceStore(None, window_ms=1_000)
    assert store.check_and_add(A, 1, NOW, NOW) is None
    assert store.check_and_add(A, 1, NOW, NOW) is not None
    store.close()


def test_the_gate_serves_higher_priority_first_and_a_full_room_evicts_the_lowest():
    async def scenario() -> tuple[list[str], dict[str, int]]:
        gate, order, refused = PriorityGate(slots=1, max_waiting=2), [], {}
        await gate.acquire(0)  # occupy the only slot

        async def waiter(name: str, priority: float) -> None:
            try:
                await gate.acquire(priority)
            except Refusal as refusal:
                refused[name] = refusal.status
                return
            order.append(name)
            gate.release()

        low = asyncio.create_task(waiter("low", 1))
        high = asyncio.create_task(waiter("high", 100))
        await asyncio.sleep(0)
        with pytest.raises(Refusal) as info:  # not above the lowest waiter: the newcomer goes
            await gate.acquire(1)
        assert info.value.status == 429
        mid = asyncio.create_task(waiter("mid", 50))  # above the lowest: "low" is evicted
        await asyncio.sleep(0)
        assert gate.waiting == 2
        gate.release()
        await asyncio.gather(low, high, mid)
        return order, refused

    order, refused = asyncio.run(scenario())
    assert order == ["high", "mid"] and refused == {"low": 429}


def test_a_cancelled_waiter_does_not_leak_its_slot():
    async def scenario() -> int:
        gate = PriorityGate(slots=1, max_waiting=10)
        await gate.acquire(0)
        waiting = asyncio.create_task(gate.acquire(5))
        await asyncio.sleep(0)
        waiting.cancel()
        gate.release()
        await asyncio.wait_for(gate.acquire(1), 1)  # the slot is free again
        return gate.waiting

    assert asyncio.run(scenario()) == 0


def test_static_registry_normalises_addresses():
    hotkey = "0x" + os.urandom(20).hex()
    registry = StaticRegistry.of(hotkey.lower(), stake=9)
    neuron = registry.lookup(to_checksum_address(hotkey))
    assert neuron is not None and neuron.stake == 9 and neuron.validator_permit


def test_block_cached_registry_reloads_only_when_blocks_advance():
    block, loads = [10], []
    hotkey = "0x" + "11" * 20

    def loader(at: int) -> list[NeuronInfo]:
        loads.append(at)
        return [NeuronInfo(hotkey, uid=0, stake=at)]

    registry = BlockCachedRegistry(lambda: block[0], loader, refresh_blocks=5)
    assert isinstance(registry, RefreshableRegistry)
    assert registry.lookup(hotkey) is None  # nothing before the first refresh
    assert registry.refresh() and registry.loaded_block == 10
    block[0] = 14
    assert not registry.refresh()
    block[0] = 15
    assert registry.refresh()
    assert registry.lookup(to_checksum_address(hotkey)).stake == 15
    assert loads == [10, 15]
