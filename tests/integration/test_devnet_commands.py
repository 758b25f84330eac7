"""`evmtensor devnet status|logs|down|mine|snapshot|revert` through click's runner against the
session's Anvil, with each error path (exit 1 and one line on stderr, never a traceback)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evmtensor.chain import actions
from evmtensor.devtools.accounts import dev_hotkey
from evmtensor.devtools.anvil import free_port


@pytest.fixture
def folder(tmp_path, deployment) -> Path:
    deployment.save(tmp_path / "deployment.json")
    return tmp_path


def _where(folder: Path, anvil) -> list[str]:
    return ["--data-dir", str(folder), "--port", str(anvil.port)]


def test_mine_blocks_moves_the_chain_and_its_clock(run, folder, anvil, w3):
    before = w3.eth.get_block("latest")
    result = run("mine", "--blocks", "7", "--block-time", "3", *_where(folder, anvil))
    assert result.exit_code == 0, result.output
    after = w3.eth.get_block("latest")
    assert after.number == before.number + 7
    assert after.timestamp >= before.timestamp + 6 * 3  # the first block's gap is the node's own


def test_mine_epochs_uses_the_subnet_tempo(run, folder, anvil, w3, client, accounts):
    actions.register_subnet(client, accounts[1], dev_hotkey(0))
    tempo = client.view("SubnetRegistry", "hyperparameters", 1)["tempo"]
    before = w3.eth.block_number
    result = run("mine", "--epochs", "2", *_where(folder, anvil))
    assert result.exit_code == 0, result.output
    assert w3.eth.block_number == before + 2 * tempo


def test_mine_needs_exactly_one_amount(run, folder, anvil):
    assert run("mine", *_where(folder, anvil)).exit_code == 2
    assert run("mine", "--blocks", "1", "--epochs", "1", *_where(folder, anvil)).exit_code == 2


def test_mine_without_a_node_is_a_clear_error(run, tmp_path):
    result = run("mine", "--blocks", "1", "--data-dir", str(tmp_path), "--port", str(free_port()))
    assert result.exit_code == 1
    assert "no devnet answers" in result.output and "Traceback" not in result.output


def test_snapshot_and_revert_return_to_the_named_state(run, folder, anvil, w3):
    where = _where(folder, anvil)
    assert run("snapshot", "here", *where).exit_code == 0
    at = w3.eth.block_number
    run("mine", "--blocks", "5", *where)
    result = run("revert", "here", *where)
    assert result.exit_code == 0, result.output
    assert w3.eth.block_number == at
    again = run("revert", "here", *where)  # Anvil uses a snapshot up when it reverts to it
    assert again.exit_code == 1 and "no snapshot named 'here'" in again.output


def test_status_reads_the_chain_and_the_state_file(run, folder, anvil, w3):
    (folder / "devnet.json").write_text(json.dumps({
        "netuid": 1, "processes": {"relay": {"pid": 999999, "started": "1", "port": 1}}}))
    result = run("status", "--json", *_where(folder, anvil))
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["block"] == w3.eth.block_number and out["epochs_settled"] == 0
    assert out["processes"] == {"relay": {"state": "stopped", "pid": 999999, "port": 1, "restarts": 0}}
    assert out["supervisor"] == "stopped"


def test_status_of_a_devnet_that_never_ran(run, tmp_path):
    result = run("status", "--json", "--data-dir", str(tmp_path), "--port", str(free_port()))
    assert result.exit_code == 0
    out = json.loads(result.output)
    assert out["block"] is None and out["epochs_settled"] is None and out["processes"] == {}


def test_logs_prints_each_log_and_refuses_unknown_names(run, tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "relay.log").write_text("one\ntwo\nthree\n")
    (logs / "miner-0.log").write_text("m\n")
    where = ["--data-dir", str(tmp_path)]
    assert run("logs", "relay", "-n", "2", *where).output == "two\nthree\n"
    assert run("logs", *where).output.splitlines() == ["miner-0| m", "relay| one", "relay| two", "relay| three"]
    unknown = run("logs", "validator-9", *where)
    assert unknown.exit_code == 1 and "known: miner-0, relay" in unknown.output


def test_logs_before_any_up_is_a_clear_error(run, tmp_path):
    result = run("logs", "--data-dir", str(tmp_path))
    assert result.exit_code == 1 and "no logs in" in result.output


def test_down_with_nothing_running(run, tmp_path):
    result = run("down", "--data-dir", str(tmp_path))
    assert result.exit_code == 0 and "is down" in result.output


def test_up_refuses_more_neurons_than_dev_accounts(run, tmp_path):
    result = run("up", "--once", "--miners", "5", "--validators", "2", "--data-dir", str(tmp_path),
                 "--port", str(free_port()))
    assert result.exit_code == 1 and "at most 6 miners and validators" in result.output
