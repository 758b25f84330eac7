"""The score store: moving average, atomic persistence, never overwritten at start-up, reset on
a new hotkey."""

from __future__ import annotations

import numpy as np
import pytest

from validator.scores import ScoreStore, ema_update


def test_ema_update_by_hand():
    got = ema_update(np.array([0.0, 0.5, 1.0]), np.array([2, 0]), np.array([0.0, 1.0]), 0.25)
    np.testing.assert_allclose(got, [0.25, 0.5, 0.75])
    got = ema_update(np.array([0.4]), np.array([0]), np.array([np.nan]), 0.5)
    np.testing.assert_allclose(got, [0.2])


def test_ema_update_rejects_bad_input():
    with pytest.raises(ValueError, match="distinct"):
        ema_update(np.zeros(3), np.array([1, 1]), np.zeros(2), 0.5)
    with pytest.raises(ValueError, match="outside"):
        ema_update(np.zeros(3), np.array([3]), np.zeros(1), 0.5)
    with pytest.raises(ValueError, match="alpha"):
        ema_update(np.zeros(3), np.array([0]), np.zeros(1), 0.0)


def test_store_survives_restart_and_start_up_never_writes(tmp_path):
    path = tmp_path / "scores.json"
    store = ScoreStore(path, alpha=0.5)
    store.sync({0: "0xA", 1: "0xB"})
    assert not path.exists()  # nothing learnt yet, nothing written
    store.update(np.array([0, 1]), np.array([1.0, 0.5]))
    saved = path.read_bytes()
    again = ScoreStore(path, alpha=0.5)
    assert again.score_of(0) == 0.5 and again.score_of(1) == 0.25
    assert path.read_bytes() == saved
    assert [p.name for p in tmp_path.iterdir()] == ["scores.json"]  # no temporary left behind


def test_store_resets_a_uid_that_changed_hotkey(tmp_path):
    store = ScoreStore(tmp_path / "s.json", alpha=1.0)
    store.sync({0: "0xA", 1: "0xB"})
    store.update(np.array([0, 1]), np.array([0.9, 0.8]))
    assert store.sync({0: "0xA", 1: "0xC", 2: "0xD"}) == [1]
    assert store.score_of(0) == 0.9 and store.score_of(1) == 0.0 and store.score_of(2) == 0.0
    store.update(np.array([0]), np.array([0.9]))
    assert ScoreStore(tmp_path / "s.json").hotkeys == ["0xA", "0xC", "0xD"]


def test_store_refuses_an_unknown_file_format(tmp_path):
    path = tmp_path / "s.json"
    path.write_text('{"format": 99}')
    with pytest.raises(ValueError, match="unknown score file format"):
        ScoreStore(path)
