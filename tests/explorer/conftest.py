"""Explorer fixtures: a subnet driven through settled epochs on the session's Anvil (the
EpochNet of tests/epoch), and the relay as a real ``python -m oracle.relay`` process serving the
read API and the explorer page over it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from epoch.epoch_net import EpochNet
from evmtensor.chain import actions
from evmtensor.chain.credits import credits_in_receipt
from relay_process import RelayProcess, spawn_relay

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
    assert credits_in_receipt(pools, rc2)
    actions.stake(client, net.netuid, accounts[7], net.validators[1].address, 10**9)
    third = net.open()
    return Settled(net, [first, second, third], [r1, r2], [rc1, rc2])


@pytest.fixture
def start_relay(tmp_path, anvil, deployment, accounts, wait_for_port):
    """``start_relay(**env)``: the relay process (extra ``RELAY_*`` settings in ``env``), started on
    the chain as the test left it; stopped at the end of the test."""
    path = tmp_path / "deployment.json"
    deployment.save(path)
    procs = []

    def start(**extra: str) -> RelayProcess:
        env = {"RELAY_RPC_URL": anvil.url, "RELAY_DEPLOYMENT": str(path),
               "RELAY_DB": str(tmp_path / f"relay{len(procs)}.db"),
               "RELAY_SUBMITTER_KEY": accounts[RELAY_ACCOUNT].key.hex(), "RELAY_PORT": "0", **extra}
        proc = spawn_relay(env)
        procs.append(proc)
        return RelayProcess(proc, wait_for_port(proc), timeout=120)

    yield start
    for proc in procs:
        proc.kill()
        proc.wait(timeout=10)
        proc.stderr.close()


@pytest.fixture
def relay(start_relay):
    """The relay process with its default settings."""
    relay = start_relay()
    yield relay
    relay.http.close()
