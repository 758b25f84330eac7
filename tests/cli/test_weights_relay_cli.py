"""``evmtensor weights set --relay-url``: the signed row goes to a real relay process (which pays
the gas and posts it), after the same local checks; a relay that cannot be reached is one line on
stderr and exit 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest

from evmtensor.paths import REPO_ROOT
from oracle.relay.client import RelayClient

ROW = ("--uids", "0", "--weights", "1")


@pytest.fixture
def relay_url(tmp_path, anvil, dep_file, accounts, wait_for_port):
    env = {**os.environ, "RELAY_RPC_URL": anvil.url, "RELAY_DEPLOYMENT": str(dep_file),
           "RELAY_DB": str(tmp_path / "relay.db"), "RELAY_SUBMITTER_KEY": accounts[6].key.hex(), "RELAY_PORT": "0",
           "RELAY_BATCH_DELAY_S": "0.2", "RELAY_POLL_INTERVAL_S": "0.05"}
    proc = subprocess.Popen([sys.executable, "-m", "oracle.relay"], cwd=REPO_ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    # Drain the relay's log (a line per request) once its port is known, so a full pipe never stalls it.
    drain = threading.Thread(target=proc.stderr.read, daemon=True)
    try:
        port = wait_for_port(proc)
        drain.start()
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.kill()
        proc.wait(timeout=10)
        if drain.is_alive():
            drain.join(timeout=10)  # EOF once the process is gone
        proc.stderr.close()


def _landed(url: str, id: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    with RelayClient(url) as relay:
        while time.monotonic() < deadline:
            body = relay.submission(id)
            if body["status"] in ("landed", "rejected", "failed"):
                return body
            time.sleep(0.1)
    raise AssertionError(f"submission {id} never settled: {body}")


def test_set_through_the_relay(run, netuid, alice, client, relay_url):
    result = run("weights", "set", netuid, *ROW, "--wallet-name", "alice", "--relay-url", relay_url, "--json")
    assert result.exit_code == 0, result.output
    sent = json.loads(result.stdout)
    assert sent["nonce"] == 1 and sent["relay"]["kind"] == "weights"
    assert _landed(relay_url, sent["relay"]["id"])["status"] == "landed"
    state = client.view("Weights", "weightsState", netuid, alice.hotkey_address())
    assert state["nonce"] == 1 and state["rowBlock"] > 0


def test_unreachable_relay_is_a_cli_error(run, netuid, alice, client):
    stderr = run.fails("weights", "set", netuid, *ROW, "--wallet-name", "alice", "--relay-url", "http://127.0.0.1:9")
    assert "RelayUnreachable" in stderr
    assert client.view("Weights", "weightsState", netuid, alice.hotkey_address())["nonce"] == 0
