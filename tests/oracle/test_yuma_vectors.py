"""The shared vectors: subtensor's own epoch tests and the yuma-simulation outputs."""
from __future__ import annotations

import json

import numpy as np
import pytest

from oracle.yuma import replay_file

from yuma_helpers import vectors_dir

YUMA3_FILES = sorted(p.name for p in (vectors_dir() / "subtensor_tests").glob("test_yuma_3_*.json"))
SIM_FILES = sorted(p.name for p in (vectors_dir() / "sim").glob("case*.json"))


def test_vector_sets_are_complete():
    assert len(YUMA3_FILES) == 7
    assert len(SIM_FILES) == 107


@pytest.mark.parametrize("mode", ["exact", "float"])
@pytest.mark.parametrize("name", YUMA3_FILES)
def test_yuma3_scenario_dividends_match_subtensor(vectors, name, mode):
    """Dividends to the Rust test's 4-decimal values (half a unit of the 4th decimal + 5e-5)."""
    path = vectors / "subtensor_tests" / name
    doc = json.loads(path.read_text())
    replay = replay_file(str(path), mode)
    assert len(replay.results) == len(doc["epochs"])
    checked = [(e, r) for e, r in zip(doc["epochs"], replay.results) if e.get("expected_dividends")]
    assert checked
    for epoch, res in checked:
        np.testing.assert_allclose(res.dividends, epoch["expected_dividends"], rtol=0, atol=1e-4)


@pytest.mark.parametrize("name", YUMA3_FILES)
def test_yuma3_scenario_bonds_near_informational_targets(vectors, name):
    path = vectors / "subtensor_tests" / name
    doc = json.loads(path.read_text())
    replay = replay_file(str(path), "exact")
    val, srv = doc["validators"], doc["servers"]
    for epoch, res in zip(doc["epochs"], replay.results):
        if not epoch.get("expected_bonds_validator_x_server_informational"):
            continue
        got = res.bonds.to_dense()[np.ix_(val, srv)]
        np.testing.assert_allclose(got, epoch["expected_bonds_validator_x_server_informational"], atol=2e-4)


def test_bonds_exact_u16_cells(vectors):
    """``test_bonds``: every asserted u16 bond cell, exactly (exact mode)."""
    path = vectors / "subtensor_tests" / "test_bonds.json"
    doc = json.loads(path.read_text())
    replay = replay_file(str(path), "exact")
    for epoch, res in zip(doc["epochs"], replay.results):
        col = epoch["expected_bonds_u16_column"]
        got = res.bonds_u16.to_dense()[:4, col].tolist()
        assert got == epoch["expected_bonds_u16_rows0to3"], f"epoch {epoch['epoch']}"


@pytest.mark.parametrize("name", SIM_FILES)
def test_simulation_file_with_quirks(vectors, name):
    path = vectors / "sim" / name
    doc = json.loads(path.read_text())
    replay = replay_file(str(path), "float", sim=True, quirks=True)
    v = len(doc["validators"])
    for epoch, res in zip(doc["epochs"], replay.results):
        np.testing.assert_allclose(res.consensus[v:], epoch["consensus"], atol=1e-5)
        np.testing.assert_allclose(res.incentive[v:], epoch["incentive"], atol=1e-5)
        np.testing.assert_allclose(res.dividends[:v], epoch["dividends_normalized"], atol=1e-5)
        np.testing.assert_allclose(res.bonds.to_dense()[:v, v:], epoch["bonds_state"], atol=1e-5)


@pytest.mark.parametrize(("mode", "tol"), [("float", 1e-5), ("exact", 2e-4)])
@pytest.mark.parametrize("variant", ["yuma1", "yuma3"])
def test_simulation_chain_semantics_close_without_quirks(vectors, variant, mode, tol):
    """README: at chain semantics Yuma 1 and Yuma 3 (fixed alpha) agree to about 5e-6 (float).

    Exact mode also floors the stored bonds to u16 every epoch, which drifts up to 1.4e-4 in
    dividends over the 40 epochs.
    """
    worst = 0.0
    for name in [f for f in SIM_FILES if f.endswith(f"_{variant}.json")]:
        path = vectors / "sim" / name
        doc = json.loads(path.read_text())
        replay = replay_file(str(path), mode, sim=True, quirks=False)
        v = len(doc["validators"])
        for epoch, res in zip(doc["epochs"], replay.results):
            worst = max(worst, float(np.abs(res.dividends[:v] - epoch["dividends_normalized"]).max()))
    assert worst < tol
