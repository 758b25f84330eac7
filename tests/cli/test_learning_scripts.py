"""The web3 scripts under scripts/ run with plain python against a deployment file and do what
they say: a subnet and a neuron registered, stake bought within its limit, the metagraph read,
weights signed by the owner's hotkey and posted by another account."""

from __future__ import annotations

import os
import struct
import subprocess
import sys

from eth_utils import keccak

from evmtensor.devtools.accounts import dev_account, dev_hotkey
from evmtensor.paths import REPO_ROOT


def _script(name: str, anvil, dep_file, **env) -> str:
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / name)], capture_output=True, text=True, timeout=120,
        cwd=REPO_ROOT, env={**os.environ, "EVMTENSOR_RPC_URL": anvil.url, "EVMTENSOR_DEPLOYMENT": str(dep_file), **env},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_register_stake_and_read_the_metagraph(anvil, dep_file, client):
    out = _script("register.py", anvil, dep_file)
    assert "subnet 1: owner " + dev_account(1).address in out
    assert client.call(client.contract("NeuronRegistry").functions.isRegistered(1, dev_hotkey(2).address))
    out = _script("stake.py", anvil, dep_file, NETUID="1")
    alpha = client.call(client.contract("StakingPools").functions.stakeOf(dev_account(3).address,
                                                                          dev_hotkey(1).address, 1))
    assert alpha > 0 and f"{alpha / 1e9} alpha on hotkey {dev_hotkey(1).address}" in out
    out = _script("metagraph.py", anvil, dep_file, NETUID="1")
    assert "2 UIDs" in out and dev_hotkey(1).address in out and dev_hotkey(2).address in out


def test_set_weights_after_registering(anvil, dep_file, client):
    _script("register.py", anvil, dep_file)
    out = _script("set_weights.py", anvil, dep_file, NETUID="1")
    assert "UID 0 set weights on subnet 1: uids [1] values [65535] (nonce 1" in out
    state = client.view("Weights", "weightsState", 1, dev_hotkey(1).address)
    assert state["nonce"] == 1 and state["rowHash"] == keccak(struct.pack(">H", 1) + struct.pack(">H", 65535))
