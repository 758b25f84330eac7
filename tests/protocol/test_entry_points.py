"""``python -m miner`` and ``python -m validator``: help, and a real miner process answering."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from evmtensor.wallet import PasswordSource, Wallet
from miner.__main__ import main as miner_main
from validator.__main__ import main as validator_main

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("module", ["miner", "validator"])
def test_entry_points_have_help(module: str):
    done = subprocess.run([sys.executable, "-m", module, "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "--wallet-name" in done.stdout


def test_a_miner_process_answers_a_validator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wait_for_port):
    env = {**os.environ, "EVMTENSOR_KDF_N": "16", "EVMTENSOR_PASSWORD": "pw",
           "EVMTENSOR_WALLET_PATH": str(tmp_path / "wallets"), "PYTHONPATH": str(ROOT)}
    monkeypatch.setenv("EVMTENSOR_KDF_N", "16")
    monkeypatch.setenv("EVMTENSOR_PASSWORD", "pw")
    monkeypatch.setenv("EVMTENSOR_WALLET_PATH", str(tmp_path / "wallets"))
    _, miner_hot = Wallet("m").create(PasswordSource())
    _, validator_hot = Wallet("v").create(PasswordSource())
    proc = subprocess.Popen(
        [sys.executable, "-m", "miner", "--wallet-name", "m", "--port", "0",
         "--data-dir", str(tmp_path / "data"), "--allow", validator_hot.address],
        cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True,
    )
    try:
        port = wait_for_port(proc)
        target = f"http://127.0.0.1:{port}@{miner_hot.address}"
        result = CliRunner().invoke(validator_main, ["--wallet-name", "v", "--axon", target,
                                                     "--text", "ping", "--json"])
        assert result.exit_code == 0, result.output
        row = json.loads(result.output.strip().splitlines()[-1])
        assert row["ok"] and row["text"] == "ping"
        stranger = CliRunner().invoke(validator_main, ["--wallet-name", "m", "--axon", target])
        assert stranger.exit_code == 1 and "UNKNOWN_CALLER" in stranger.output
    finally:
        proc.terminate()
        proc.wait(10)


def test_wallet_errors_are_clear_and_nonzero(tmp_path: Path):
    result = CliRunner().invoke(miner_main, ["--wallet-name", "ghost", "--wallet-path", str(tmp_path)])
    assert result.exit_code != 0 and "wallet 'ghost' not found" in result.output


def test_bad_axon_spec_is_a_usage_error():
    result = CliRunner().invoke(validator_main, ["--axon", "localhost:8091"])
    assert result.exit_code == 2 and "URL@0xHOTKEY" in result.output
