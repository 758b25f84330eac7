"""``python -m miner --deployment ... --netuid N``: a real miner process admits exactly the
hotkeys registered on that subnet of a real Anvil chain."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from evmtensor.chain import actions
from evmtensor.paths import REPO_ROOT
from evmtensor.wallet import PasswordSource, Wallet
from validator.__main__ import main as validator_main


def _hotkey(wallet: str):
    """A fresh wallet's default hotkey, loaded as a signing account."""
    Wallet(wallet).create(PasswordSource())
    return Wallet(wallet).hotkey(PasswordSource(), "default")


def test_miner_admits_callers_registered_on_chain(client, accounts, anvil, tmp_path: Path, monkeypatch, wait_for_port):
    env = {"EVMTENSOR_KDF_N": "16", "EVMTENSOR_PASSWORD": "pw", "EVMTENSOR_WALLET_PATH": str(tmp_path / "w")}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    miner_hot, validator_hot, _, owner_hot = (_hotkey(name) for name in "mvso")
    netuid = actions.register_subnet(client, accounts[1], owner_hot)
    actions.register_neuron(client, netuid, accounts[2], miner_hot)
    actions.register_neuron(client, netuid, accounts[3], validator_hot)
    dep_file = tmp_path / "deployment.json"
    client.deployment.save(dep_file)

    proc = subprocess.Popen(
        [sys.executable, "-m", "miner", "--wallet-name", "m", "--port", "0", "--data-dir", str(tmp_path / "d"),
         "--deployment", str(dep_file), "--netuid", str(netuid), "--rpc-url", anvil.url],
        cwd=REPO_ROOT, env={**os.environ, **env, "PYTHONPATH": str(REPO_ROOT)}, stderr=subprocess.PIPE, text=True,
    )
    try:
        target = f"http://127.0.0.1:{wait_for_port(proc)}@{miner_hot.address}"
        ok = CliRunner().invoke(validator_main, ["--wallet-name", "v", "--axon", target, "--text", "hi", "--json"])
        assert ok.exit_code == 0, ok.output
        assert json.loads(ok.output.strip().splitlines()[-1])["text"] == "hi"
        refused = CliRunner().invoke(validator_main, ["--wallet-name", "s", "--axon", target])
        assert refused.exit_code == 1 and "UNKNOWN_CALLER" in refused.output
    finally:
        proc.terminate()
        proc.wait(10)


def test_miner_with_unreachable_chain_fails_clearly(tmp_path: Path, client):
    dep_file = tmp_path / "deployment.json"
    client.deployment.save(dep_file)
    env = {**os.environ, "EVMTENSOR_KDF_N": "16", "EVMTENSOR_PASSWORD": "pw",
           "EVMTENSOR_WALLET_PATH": str(tmp_path / "w"), "PYTHONPATH": str(REPO_ROOT)}
    subprocess.run([sys.executable, "-c", "from evmtensor.wallet import Wallet, PasswordSource; "
                    "Wallet('m').create(PasswordSource())"], env=env, check=True, cwd=REPO_ROOT)
    done = subprocess.run(
        [sys.executable, "-m", "miner", "--wallet-name", "m", "--deployment", str(dep_file), "--netuid", "1",
         "--rpc-url", "http://127.0.0.1:9"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 1
    assert "no JSON-RPC endpoint answers" in done.stderr and "Traceback" not in done.stderr
