"""The relay's read slots (oracle.relay.limits.ReadSlots): caps in all and per client, refused at
once, released whatever the read did."""

from __future__ import annotations

import pytest

from oracle.relay.limits import ReadSlots, ReadSlotsFull


def test_a_client_at_its_cap_is_refused_while_others_still_read():
    slots = ReadSlots(total=3, per_client=2)
    with slots.slot("a"), slots.slot("a"):
        with pytest.raises(ReadSlotsFull) as exc:
            with slots.slot("a"):
                pass
        assert (exc.value.scope, exc.value.limit) == ("client", 2)
        with slots.slot("b"):  # the third of three
            with pytest.raises(ReadSlotsFull) as full:
                with slots.slot("c"):
                    pass
            assert (full.value.scope, full.value.limit) == ("relay", 3)
    with slots.slot("a"), slots.slot("a"), slots.slot("c"):  # all released
        pass


def test_a_failing_read_gives_its_slot_back():
    slots = ReadSlots(total=1, per_client=1)
    with pytest.raises(RuntimeError):
        with slots.slot("a"):
            raise RuntimeError("the chain went away")
    with slots.slot("a"):
        pass
    assert not slots._by_client  # no client left behind


def test_slots_must_exist():
    with pytest.raises(ValueError):
        ReadSlots(total=0, per_client=1)
