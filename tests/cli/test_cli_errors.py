"""Every chain command fails the same clean way when the node is down or the wallet is missing:
one ``Error:`` line on stderr, exit code 1, no traceback, nothing sent."""

from __future__ import annotations

from dataclasses import replace

import pytest

A = "0x" + "11" * 20
W = ["--wallet-name", "nobody"]

CHAIN_COMMANDS = [
    ["wallet", "balance", *W],
    ["wallet", "overview", *W],
    ["wallet", "transfer", "--dest", A, "--amount", "1", "--yes", *W],
    ["subnet", "create", "--yes", *W],
    ["subnet", "list"],
    ["subnet", "show", "1"],
    ["subnet", "hyperparameters", "1"],
    ["subnet", "set", "1", "tempo=5", "--yes", *W],
    ["neuron", "register", "1", "--yes", *W],
    ["neuron", "serve", "1", "--ip", "10.0.0.1", "--port", "1", *W],
    ["metagraph", "1"],
    ["stake", "add", "1", "--amount", "1", "--yes", *W],
    ["stake", "remove", "1", "--all", "--yes", *W],
    ["stake", "move", "--origin-netuid", "1", "--dest-netuid", "1", "--to", A, "--all", "--yes", *W],
    ["stake", "transfer", "--dest", A, "--origin-netuid", "1", "--dest-netuid", "1", "--all", "--yes", *W],
    ["stake", "list", *W],
]
WALLET_COMMANDS = [c for c in CHAIN_COMMANDS if "nobody" in c]


@pytest.mark.parametrize("command", CHAIN_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_unreachable_rpc_is_one_clean_line(run, dep_file, command):
    err = run.fails(*command, "--rpc-url", "http://127.0.0.1:9", "--deployment", dep_file, chain=False)
    assert err.strip() == "Error: no JSON-RPC endpoint answers at http://127.0.0.1:9"


@pytest.mark.parametrize("command", WALLET_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_missing_wallet_is_named(run, command, w3, netuid):
    assert netuid == 1  # the subnet the commands name exists: only the wallet is missing
    block = w3.eth.block_number
    err = run.fails(*command)
    assert "wallet 'nobody' not found" in err
    assert w3.eth.block_number == block


def test_a_deployment_for_another_chain_is_refused(run, deployment, tmp_path, anvil):
    other = tmp_path / "other.json"
    replace(deployment, chain_id=deployment.chain_id + 1).save(other)
    err = run.fails("subnet", "list", "--rpc-url", anvil.url, "--deployment", other, chain=False)
    assert f"the deployment is for chain {deployment.chain_id + 1}, the endpoint is chain {deployment.chain_id}" in err


def test_table_outputs_render(run, netuid, alice, wallet_root):
    """The human forms of the commands not covered elsewhere print their tables."""
    made = run("wallet", "new-hotkey", "--wallet-name", "alice", "--hotkey", "validator", chain=False)
    assert made.exit_code == 0 and "Mnemonic (shown once" in made.stdout
    listed = run("wallet", "list", chain=False)
    assert listed.exit_code == 0 and "hotkey validator" in listed.stdout and alice.coldkey_address() in listed.stdout
    overview = run("wallet", "overview", "--wallet-name", "alice")
    assert overview.exit_code == 0 and "registrations" in overview.stdout and alice.hotkey_address() in overview.stdout
    changed = run("subnet", "set", netuid, "tempo=77", "--wallet-name", "alice", "--yes")
    assert changed.exit_code == 0 and "tempo" in changed.stdout and "77" in changed.stdout
    nowallet = run.fails("wallet", "new-hotkey", "--wallet-name", "nobody", chain=False)
    assert "wallet 'nobody' not found" in nowallet
