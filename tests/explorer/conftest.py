"""Explorer fixtures: a subnet driven through settled epochs on the session's Anvil (the
EpochNet of tests/epoch), and the relay as a real ``python -m oracle.relay`` process serving the
read API and the explorer page over it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from contracts.core_helpers import events
from epoch.epoch_net import EpochNet
from evmtensor.chain import actions

ROOT = Path(__file__).resolve().parents[2]
RELAY_ACCOUNT = 9  # the relay's own gas account: EpochNet uses accounts 1-8


@dataclass
class Settled:
    """Three epochs of one subnet: the first settled without weights, the second settled with
    weights from validators 1-3 (attested by UIDs 1 and 2), the third opened and left open."""

    net: EpochNet
    snaps: list
    results: list
    receipts: list


@pytest.fixture
def settled(w3, client, accounts) -> Settled:
    net = EpochNet(w3, client, accounts)
    first = net.open()
    r1, _, _ = net.result(first)
    rc1 = net.settle(r1, first, net.attest(r1))
    net.set_weights(0, [4, 5], [100, 50])
    net.set_weights(1, [4, 5], [100, 50])
    net.set_weights(2, [4, 5], [10, 100])
    second = net.open()
    r2, _, _ = net.result(second)
    rc2 = net.settle(r2, second, net.attest(r2, (0, 1)))
    # A trade after the settlement, so the price history has a point of its own.
    pools = client.contract("StakingPools")
    assert events(pools.events.StakeCredited, rc2)
    actions.stake(client, net.netuid, accounts[7], net.validators[1].address, 10**9)
    third = net.open()
    return Settled(net, [first, second, third], [r1, r2], [rc1, rc2])


class RelayProcess:
    def __init__(self, proc: subprocess.Popen, port: int):
        self.proc, self.url = proc, f"http://127.0.0.1:{port}"
        self.http = httpx.Client(base_url=self.url, timeout=120)
        self.log: list[str] = []
        # Drain stderr (one log line per request) so the pipe never fills and stalls the relay.
        threading.Thread(target=lambda: self.log.extend(iter(proc.stderr.readline, "")), daemon=True).start()

    def get(self, path: str, **params) -> httpx.Response:
        return self.http.get(path, params=params)


@pytest.fixture
def relay(tmp_path, anvil, deployment, accounts, wait_for_port):
    """The relay process, started on the chain as the test left it."""
    path = tmp_path / "deployment.json"
    deployment.save(path)
    env = {**os.environ, "RELAY_RPC_URL": anvil.url, "RELAY_DEPLOYMENT": str(path),
           "RELAY_DB": str(tmp_path / "relay.db"), "RELAY_SUBMITTER_KEY": accounts[RELAY_ACCOUNT].key.hex(),
           "RELAY_PORT": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "oracle.relay"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        relay = RelayProcess(proc, wait_for_port(proc))
        yield relay
        relay.http.close()
    finally:
        proc.kill()
        proc.wait(timeout=10)
        proc.stderr.close()
