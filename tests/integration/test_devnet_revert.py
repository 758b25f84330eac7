"""`evmtensor devnet snapshot|revert` keep the relay's store with the chain: against the session's
Anvil and a real relay process, the revert stops the relay, and a relay started on the restored
store no longer knows the messages of the reverted future; the supervisor leaves the relay
stopped while a revert holds it."""

from __future__ import annotations

import json
import sys

import pytest

from evmtensor.devtools.devnet import DevnetConfig
from evmtensor.devtools.devnet_run import _Devnet
from evmtensor.devtools.devnet_snapshot import mark_stopped_by_revert, relay_held
from evmtensor.devtools.supervisor import Child, ChildSpec, StateFile, process_start
from oracle.relay.store import Kind, Status, Store
from relay_process import RelayProcess, spawn_relay

HOTKEY = "0x" + "ab" * 20


@pytest.fixture
def cfg(tmp_path, deployment, anvil) -> DevnetConfig:
    deployment.save(tmp_path / "deployment.json")
    return DevnetConfig(tmp_path, anvil.port)


def _where(cfg: DevnetConfig) -> list[str]:
    return ["--data-dir", str(cfg.data_dir), "--port", str(cfg.port)]


def _landed(cfg: DevnetConfig, digest: str, block: int) -> None:
    """A message the relay settled as landed (written beside the running relay, as it would)."""
    store = Store(cfg.relay_db)
    sub, _ = store.add(digest, Kind.WEIGHTS, 1, HOTKEY, int(digest, 16), {})
    store.settle([(sub.id, Status.LANDED, block, None)])
    store.close()


def _relay(cfg: DevnetConfig, accounts, wait_for_port) -> RelayProcess:
    proc = spawn_relay({"RELAY_RPC_URL": cfg.rpc_url, "RELAY_DEPLOYMENT": str(cfg.deployment),
                        "RELAY_DB": str(cfg.relay_db), "RELAY_SUBMITTER_KEY": accounts[9].key.hex(),
                        "RELAY_PORT": "0"})
    return RelayProcess(proc, wait_for_port(proc))


def test_revert_stops_the_relay_and_restores_its_store_from_the_snapshot(run, cfg, w3, accounts, wait_for_port):
    relay = _relay(cfg, accounts, wait_for_port)
    try:
        StateFile(cfg.data_dir).write({"processes": {"relay": {
            "pid": relay.proc.pid, "started": process_start(relay.proc.pid), "port": 0}}})
        _landed(cfg, "0x01", w3.eth.block_number)
        taken = run("snapshot", "here", *_where(cfg))
        assert taken.exit_code == 0 and "with the relay's store" in taken.output, taken.output
        at = w3.eth.block_number
        run("mine", "--blocks", "5", *_where(cfg))
        _landed(cfg, "0x02", w3.eth.block_number)  # landed in a block the revert removes
        assert relay.get("/v1/submissions/0x02").status_code == 200

        result = run("revert", "here", *_where(cfg))
        assert result.exit_code == 0, result.output
        assert f"block {at}; the relay's store restored" in result.output
        assert "the relay was stopped; it starts with the next `devnet up`" in result.output
        assert w3.eth.block_number == at
        # Stopped: the revert saw it gone (a zombie counts); its last threads may take a moment to
        # leave before it can be reaped, so wait rather than poll once.
        assert relay.proc.wait(timeout=10) is not None
    finally:
        relay.proc.kill()
        relay.proc.wait(timeout=10)
        relay.proc.stderr.close()
    assert json.loads((cfg.data_dir / "snapshots.json").read_text()) == {}
    assert not list((cfg.data_dir / "snapshots").iterdir())  # the used-up snapshot's copy is gone

    again = _relay(cfg, accounts, wait_for_port)  # what the supervisor would start
    try:
        assert again.get("/v1/submissions/0x01").json()["status"] == "landed"
        assert again.get("/v1/submissions/0x02").status_code == 404
    finally:
        again.kill9()
        again.proc.stderr.close()


def test_revert_to_a_snapshot_before_the_relay_stored_anything_removes_its_store(run, cfg, w3):
    assert "the relay holds no store yet" in run("snapshot", "empty", *_where(cfg)).output
    _landed(cfg, "0x03", w3.eth.block_number)
    result = run("revert", "empty", *_where(cfg))
    assert result.exit_code == 0 and "the relay's store removed" in result.output, result.output
    assert not cfg.relay_db.exists() and "was stopped" not in result.output


def test_a_failed_revert_keeps_the_relay_store(run, cfg, w3):
    _landed(cfg, "0x04", w3.eth.block_number)
    assert run("snapshot", "gone", *_where(cfg)).exit_code == 0
    entry = json.loads((cfg.data_dir / "snapshots.json").read_text())["gone"]
    assert w3.provider.make_request("evm_revert", [entry["id"]])["result"]  # used up behind the devnet's back
    result = run("revert", "gone", *_where(cfg))
    assert result.exit_code == 1 and "no longer has snapshot 'gone'" in result.output
    assert Store(cfg.relay_db).get("0x04") is not None


def test_the_supervisor_leaves_the_relay_stopped_while_a_revert_holds_it(tmp_path):
    cfg = DevnetConfig(tmp_path)
    sleeper = [sys.executable, "-c", "import time; time.sleep(120)"]
    net = _Devnet(cfg, out=lambda *_: None)
    relay, miner = (Child(ChildSpec(name, sleeper), tmp_path / "logs", tmp_path) for name in ("relay", "miner-0"))
    net.children = [relay, miner]
    for child in net.children:
        child.start()
    try:
        with relay_held(cfg):
            for child in net.children:
                child._proc.kill()
                child._proc.wait()
            assert net.check(relay) is None and not relay.running()  # held: not restarted
            assert "miner-0 exited" in net.check(miner)  # the others are, as ever
        assert "relay exited with -9; restarted" in net.check(relay) and relay.running()
        with relay_held(cfg):  # a revert stops the relay: the note says so, not "exited with -15"
            mark_stopped_by_revert(cfg, relay.pid)
            relay._proc.terminate()
            relay._proc.wait()
        assert net.check(relay) == "relay restarted after `devnet revert` (restart 2)" and relay.running()
        relay._proc.kill()
        relay._proc.wait()
        assert "relay exited with -9" in net.check(relay)  # the mark was used up
    finally:
        for child in net.children:
            child.stop()

