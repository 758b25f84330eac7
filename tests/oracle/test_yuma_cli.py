"""``python -m oracle.yuma``: run, explain, and refusal of bad input (CliRunner)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from oracle.yuma.cli import main


def _runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        return CliRunner()


def _invoke(*args):
    return _runner().invoke(main, [str(a) for a in args])


def test_run_prints_one_entry_per_epoch(vectors):
    path = vectors / "subtensor_tests" / "test_yuma_3_stable_miner.json"
    res = _invoke("run", path)
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    n_epochs = len(json.loads(path.read_text())["epochs"])
    assert [e["epoch"] for e in doc["epochs"]] == list(range(n_epochs))
    first = doc["epochs"][0]
    for key in ("consensus", "incentive", "dividends", "validator_trust", "server_emission", "validator_emission"):
        assert len(first[key]) == 6
    assert len(first["bonds"]) == 6 and len(first["bonds"][0]) == 6
    assert set(first["u16"]) == {"stake_weight", "consensus", "incentive", "dividends", "validator_trust", "bonds"}
    assert first["epoch_hash"].startswith("0x") and len(first["epoch_hash"]) == 66


def test_run_float_and_sim_modes(vectors):
    res = _invoke("run", vectors / "subtensor_tests" / "test_bonds.json", "--mode", "float")
    assert res.exit_code == 0 and "epoch_hash" not in json.loads(res.stdout)["epochs"][0]
    res = _invoke("run", vectors / "sim" / "case1_yuma3_liquid.json", "--sim")
    assert res.exit_code == 0
    assert len(json.loads(res.stdout)["epochs"]) == 40


def test_explain_speaks_of_weights_clipping_bonds_and_shares(vectors):
    path = vectors / "subtensor_tests" / "test_yuma_3_kappa_moves_last.json"
    res = _invoke("explain", path, "--epoch", 1, "--uid", 0)
    assert res.exit_code == 0, res.stderr
    for word in ("validator", "weight", "consensus", "bond", "dividends"):
        assert word in res.stdout
    res = _invoke("explain", path, "--epoch", 1, "--uid", 3)
    assert "as a miner" in res.stdout and "incentive" in res.stdout


def _bad_file(tmp_path, vectors, mutate):
    doc = json.loads((vectors / "subtensor_tests" / "test_yuma_3_stable_miner.json").read_text())
    mutate(doc)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize(("field", "mutate"), [
    ("stake_raw", lambda d: d.update(stake_raw=[8, 1, 1])),
    ("stake_raw", lambda d: d["stake_raw"].__setitem__(0, -5)),
    ("weights[0]", lambda d: d["epochs"][0]["weights_set"]["rows_u16_input"][0].__setitem__(0, 70000)),
    ("weights[0]", lambda d: d["epochs"][0]["weights_set"]["target_uids"].__setitem__(0, 99)),
    ("params.kappa", lambda d: d["params"].update(kappa=float("nan"))),
    ("params.bogus", lambda d: d["params"].update(bogus=1)),
    ("params.bonds_penalty", lambda d: d["params"].update(bonds_penalty=2.0)),
    ("epochs", lambda d: d.pop("epochs")),
])
def test_bad_input_is_refused_with_the_field_named(tmp_path, vectors, field, mutate):
    res = _invoke("run", _bad_file(tmp_path, vectors, mutate))
    assert res.exit_code == 2
    assert field in res.stderr and "Traceback" not in res.stderr + res.stdout
    assert res.stdout == ""


def test_nan_literal_and_missing_file_are_refused(tmp_path):
    path = tmp_path / "nan.json"
    path.write_text('{"n": 2, "stake_raw": [NaN, 1], "params": {}, "epochs": []}')
    res = _invoke("run", path)
    assert res.exit_code == 2 and "stake_raw[0]" in res.stderr and "finite" in res.stderr
    res = _invoke("run", tmp_path / "missing.json")
    assert res.exit_code == 2 and "cannot read" in res.stderr


def test_quirks_need_float_mode_and_explain_checks_ranges(vectors):
    res = _invoke("run", vectors / "sim" / "case1_yuma3.json", "--sim", "--mode", "exact")
    assert res.exit_code == 2 and "mode" in res.stderr
    res = _invoke("explain", vectors / "subtensor_tests" / "test_bonds.json", "--epoch", 99, "--uid", 0)
    assert res.exit_code == 2 and "--epoch" in res.stderr
    res = _invoke("explain", vectors / "subtensor_tests" / "test_bonds.json", "--epoch", 0, "--uid", 99)
    assert res.exit_code == 2 and "uid" in res.stderr
