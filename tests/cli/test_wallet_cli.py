"""`evmtensor wallet ...` through click's runner: keys on disk, balances from the real chain, and
every failure a user meets (no wallet, wrong or missing password, short balance, no node)."""

from __future__ import annotations

from eth_account import Account

from evmtensor.wallet import PasswordSource, Wallet
from evmtensor.wallet.mnemonic import COLDKEY_PATH, hotkey_path

TEST_MNEMONIC = "test test test test test test test test test test test junk"
PASSWORD = "pw"  # tests/cli/conftest.py sets it as EVMTENSOR_PASSWORD


def test_create_shows_the_mnemonic_once_and_writes_both_keys(run, wallet_root):
    out = run.json("wallet", "create", "--wallet-name", "carol", "--hotkey", "miner", chain=False)
    mnemonic = out["mnemonic"]
    assert len(mnemonic.split()) == 12
    # The keys derive from the phrase shown (checked with eth_account, not our wallet code).
    assert out["coldkey"] == Account.from_mnemonic(mnemonic, account_path=COLDKEY_PATH).address
    assert out["hotkey"] == Account.from_mnemonic(mnemonic, account_path=hotkey_path("miner")).address
    w = Wallet("carol", wallet_root)
    assert w.coldkey_address() == out["coldkey"] and w.hotkey_address("miner") == out["hotkey"]
    assert mnemonic not in (w.coldkey_file.read_text() + w.hotkey_file("miner").read_text())
    listed = run.json("wallet", "list", chain=False)
    assert listed == [{"wallet": "carol", "coldkey": out["coldkey"], "hotkeys": {"miner": out["hotkey"]}}]
    # Never shown again: a second create refuses to overwrite, and list shows no phrase.
    again = run.fails("wallet", "create", "--wallet-name", "carol", "--hotkey", "miner", chain=False)
    assert "refusing to overwrite" in again and mnemonic not in again


def test_create_table_output_prints_the_mnemonic(run):
    result = run("wallet", "create", "--wallet-name", "dave", "--n-words", "24", chain=False)
    assert result.exit_code == 0
    assert "Mnemonic (shown once" in result.stdout
    assert len(result.stdout.split("write it down; it restores both keys):\n")[1].split()) == 24


def test_regen_restores_the_same_addresses(run, tmp_path, accounts):
    phrase = tmp_path / "phrase.txt"
    phrase.write_text(TEST_MNEMONIC + "\n")
    out = run.json("wallet", "regen", "--wallet-name", "restored", "--mnemonic-file", phrase, chain=False)
    assert out["coldkey"] == accounts[0].address and out["mnemonic"] is None
    hot = run.json("wallet", "regen", "--wallet-name", "restored", "--key", "hotkey", "--hotkey", "h2",
                   env={"EVMTENSOR_MNEMONIC": TEST_MNEMONIC}, chain=False)
    assert hot["coldkey"] is None
    assert hot["hotkey"] == Account.from_mnemonic(TEST_MNEMONIC, account_path=hotkey_path("h2")).address


def test_regen_rejects_a_bad_mnemonic(run, tmp_path):
    phrase = tmp_path / "phrase.txt"
    phrase.write_text("not a real phrase at all\n")
    err = run.fails("wallet", "regen", "--wallet-name", "x", "--mnemonic-file", phrase, chain=False)
    assert "mnemonic" in err.lower()


def test_passwords_come_from_a_file_never_the_command_line(run, tmp_path, wallet_root):
    secret = tmp_path / "pw.txt"
    secret.write_text("file-secret\n")
    run.json("wallet", "create", "--wallet-name", "erin", "--password-file", secret,
             env={"EVMTENSOR_PASSWORD": None}, chain=False)
    assert Wallet("erin", wallet_root).coldkey(PasswordSource(password="file-secret")).address
    result = run("wallet", "create", "--password", "x", chain=False)
    assert result.exit_code == 2 and "No such option" in result.stderr


def test_no_password_available_is_a_clear_error(run):
    err = run.fails("wallet", "create", "--wallet-name", "frank", env={"EVMTENSOR_PASSWORD": None}, chain=False)
    assert "no password for new coldkey of wallet 'frank'" in err and "--password-file" in err


def test_balance_matches_the_chain(run, alice, client, accounts, w3):
    (row,) = run.json("wallet", "balance", "--wallet-name", "alice")
    free = client.call(client.contract("TaoToken").functions.balanceOf(accounts[0].address))
    assert row == {"address": accounts[0].address, "free_rao": free, "staked_rao": 0, "total_rao": free,
                   "gas_wei": w3.eth.get_balance(accounts[0].address)}
    rows = run.json("wallet", "balance", "--address", accounts[3].address.lower(), "--address", accounts[4].address)
    assert [r["address"] for r in rows] == [accounts[3].address, accounts[4].address]
    table = run("wallet", "balance", "--wallet-name", "alice")
    assert table.exit_code == 0 and "TAO" in table.stdout


def test_no_wallet_is_a_clear_error(run, anvil):
    err = run.fails("wallet", "balance", "--wallet-name", "nobody")
    assert "wallet 'nobody' not found" in err


def test_transfer_moves_exactly_the_amount(run, alice, client, accounts):
    tao = client.contract("TaoToken").functions
    before = (client.call(tao.balanceOf(accounts[0].address)), client.call(tao.balanceOf(accounts[5].address)))
    out = run.json("wallet", "transfer", "--wallet-name", "alice", "--dest", accounts[5].address,
                   "--amount", "1.000000001", "--yes")
    assert out["amount_rao"] == 1_000_000_001
    after = (client.call(tao.balanceOf(accounts[0].address)), client.call(tao.balanceOf(accounts[5].address)))
    assert after == (before[0] - 1_000_000_001, before[1] + 1_000_000_001)


def test_transfer_asks_and_a_no_sends_nothing(run, alice, client, accounts):
    tao = client.contract("TaoToken").functions
    before = client.call(tao.balanceOf(accounts[5].address))
    result = run("wallet", "transfer", "--wallet-name", "alice", "--dest", accounts[5].address, "--amount", "2",
                 input="n\n")
    assert result.exit_code == 1 and "Send 2 TAO" in result.stderr and "Aborted" in result.stderr
    assert client.call(tao.balanceOf(accounts[5].address)) == before


def test_transfer_errors(run, alice, bob, accounts):
    wrong = run.fails("wallet", "transfer", "--wallet-name", "alice", "--dest", accounts[5].address,
                      "--amount", "1", "--yes", env={"EVMTENSOR_PASSWORD": "not-" + PASSWORD})
    assert "password" in wrong.lower() and "coldkey" in wrong
    short = run.fails("wallet", "transfer", "--wallet-name", "bob", "--dest", accounts[5].address,
                      "--amount", "1", "--yes")
    assert f"the balance of {bob.coldkey_address()} is 0 TAO, less than 1 TAO" in short
    bad = run("wallet", "transfer", "--wallet-name", "alice", "--dest", "0x1234", "--amount", "1", "--yes")
    assert bad.exit_code == 2 and "is not an address" in bad.stderr
    negative = run("wallet", "transfer", "--wallet-name", "alice", "--dest", accounts[5].address, "--amount", "-1")
    assert negative.exit_code == 2 and "must be positive" in negative.stderr


def test_unreachable_rpc(run, alice, dep_file):
    err = run.fails("wallet", "balance", "--wallet-name", "alice", "--rpc-url", "http://127.0.0.1:9",
                    "--deployment", dep_file, chain=False)
    assert err.strip() == "Error: no JSON-RPC endpoint answers at http://127.0.0.1:9"


def test_missing_deployment_file(run, anvil, alice, tmp_path):
    err = run.fails("wallet", "balance", "--wallet-name", "alice", "--rpc-url", anvil.url, chain=False)
    assert "no deployment file at" in err and str(tmp_path / "data" / "devnet" / "deployment.json") in err
