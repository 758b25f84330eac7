"""The relay's durable queue on its own: WAL mode, dedupe, nonce conflicts, state across reopen."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import oracle.relay
from oracle.relay.store import Kind, NonceConflict, Status, Store

HOTKEY = "0x" + "ab" * 20


def test_store_is_wal_and_survives_reopen(tmp_path):
    store = Store(tmp_path / "q.db")
    assert store.journal_mode() == "wal"
    sub, created = store.add("0x01", Kind.WEIGHTS, 1, HOTKEY, 5, {"a": 1})
    assert created and sub.status is Status.QUEUED
    store.mark_sent([sub.id], "0xtx", 7, "0xraw")
    store.close()  # a process that dies loses only what was never committed

    again = Store(tmp_path / "q.db")
    (tx_hash, (s,)), = again.in_flight().items()
    assert (tx_hash, s.digest, s.payload, s.attempts) == ("0xtx", "0x01", {"a": 1}, 0)
    assert again.transaction("0xtx")[:2] == (7, "0xraw")
    again.settle([(s.id, Status.QUEUED, None, "dropped")])
    assert [q.digest for q in again.queued(Kind.WEIGHTS, 10)] == ["0x01"] and again.get("0x01").tx_hash is None
    again.retry([(s.id, Status.FAILED, 5, "reverted")])
    assert (again.get("0x01").status, again.get("0x01").attempts) == (Status.FAILED, 5)


def test_store_dedupes_by_digest_and_refuses_a_second_message_on_a_nonce(tmp_path):
    store = Store(tmp_path / "q.db")
    first, _ = store.add("0x01", Kind.WEIGHTS, 1, HOTKEY, 5, {})
    same, created = store.add("0x01", Kind.WEIGHTS, 1, HOTKEY, 5, {})
    assert not created and same.id == first.id
    with pytest.raises(NonceConflict) as info:
        store.add("0x02", Kind.WEIGHTS, 1, HOTKEY, 5, {})
    assert info.value.existing.digest == "0x01"
    assert store.add("0x03", Kind.COMMIT, 1, HOTKEY, 5, {})[1]  # commits count nonces apart
    assert store.add("0x04", Kind.REVEAL, 1, HOTKEY, 5, {})[1] and store.add("0x05", Kind.REVEAL, 1, HOTKEY, 5, {})[1]
    assert store.counts() == {"queued": 4}


def test_store_lists_an_epochs_attestations_of_any_status_oldest_first(tmp_path):
    store = Store(tmp_path / "q.db")
    a, _ = store.add("0xa1", Kind.ATTESTATION, 1, HOTKEY, 7, {"uid": 1})
    store.add("0xa2", Kind.ATTESTATION, 1, HOTKEY, 8, {})  # another epoch
    store.add("0xa3", Kind.ATTESTATION, 2, HOTKEY, 7, {})  # another subnet
    store.add("0x07", Kind.WEIGHTS, 1, HOTKEY, 7, {})  # a weights row on the same nonce
    store.add("0xa4", Kind.ATTESTATION, 1, "0x" + "cd" * 20, 7, {})
    store.settle([(a.id, Status.LANDED, 12, None)])
    held = store.attestations(1, 7)
    assert [(s.digest, s.status) for s in held] == [("0xa1", Status.LANDED), ("0xa4", Status.QUEUED)]
    assert [s.digest for s in store.attestations(1, 7, limit=1)] == ["0xa1"] and store.attestations(3, 7) == []


@pytest.mark.parametrize("name", sorted(f"oracle.relay.{m.name}" for m in pkgutil.iter_modules(oracle.relay.__path__)
                                        if m.name != "__main__") + ["oracle.relay"])
def test_relay_modules_have_docstrings_and_all(name):
    module = importlib.import_module(name)
    assert module.__doc__ and all(hasattr(module, n) for n in module.__all__)
