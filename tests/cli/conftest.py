"""Fixtures for the chain commands of the CLI: the session deployment written to a file, a
wallet whose coldkey is development account 0 (it holds genesis TAO and gas), a subnet it
owns, and ``run(*args)`` invoking the real click group with ``--rpc-url``/``--deployment``.

Every wallet uses a cheap scrypt cost (EVMTENSOR_KDF_N=16) and the password "pw" from
EVMTENSOR_PASSWORD unless a test says otherwise.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from evmtensor.chain import actions
from evmtensor.cli import cli
from evmtensor.wallet import PasswordSource, Wallet

TEST_MNEMONIC = "test test test test test test test test test test test junk"
PASSWORD = "pw"


@pytest.fixture(autouse=True)
def cli_env(monkeypatch, tmp_path):
    monkeypatch.setenv("EVMTENSOR_KDF_N", "16")
    monkeypatch.setenv("EVMTENSOR_PASSWORD", PASSWORD)
    monkeypatch.setenv("EVMTENSOR_WALLET_PATH", str(tmp_path / "wallets"))
    monkeypatch.setenv("EVMTENSOR_DATA", str(tmp_path / "data"))
    for name in ("EVMTENSOR_PASSWORD_FILE", "EVMTENSOR_RPC_URL", "EVMTENSOR_DEPLOYMENT", "EVMTENSOR_MNEMONIC"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def wallet_root(tmp_path):
    return tmp_path / "wallets"


@pytest.fixture
def dep_file(deployment, tmp_path):
    path = tmp_path / "deployment.json"
    deployment.save(path)
    return path


@pytest.fixture
def chain_args(anvil, dep_file):
    return ["--rpc-url", anvil.url, "--deployment", str(dep_file)]


class Run:
    """``run("stake", "add", ...)``: invoke the CLI, appending the chain options to commands
    that talk to the chain; ``run.json(...)`` parses stdout of a ``--json`` run that succeeded."""

    def __init__(self, chain_args):
        self.chain_args = chain_args

    def __call__(self, *args, input=None, chain=True, env=None):
        argv = [str(a) for a in args] + (self.chain_args if chain else [])
        result = CliRunner().invoke(cli, argv, input=input, env=env)
        assert "Traceback" not in result.output, result.output
        if result.exit_code not in (0, 1, 2) or (result.exception and not isinstance(result.exception, SystemExit)):
            raise AssertionError(f"{argv}: exit {result.exit_code}, {result.exception!r}\n{result.output}")
        return result

    def json(self, *args, **kwargs):
        result = self(*args, "--json", **kwargs)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    def fails(self, *args, **kwargs) -> str:
        """Run a command that must fail with exit 1 and one ``Error:`` message; returns stderr."""
        result = self(*args, **kwargs)
        assert result.exit_code == 1, result.output
        assert "Error:" in result.stderr or "Aborted" in result.stderr, result.output
        return result.stderr


@pytest.fixture
def run(chain_args):
    return Run(chain_args)


@pytest.fixture
def alice(wallet_root, accounts, w3):
    """Wallet "alice": coldkey = development account 0, hotkey "default" funded with gas."""
    w = Wallet("alice", wallet_root)
    w.create(PasswordSource(password=PASSWORD), mnemonic=TEST_MNEMONIC)
    assert w.coldkey_address() == accounts[0].address
    w3.provider.make_request("anvil_setBalance", [w.hotkey_address(), hex(10**20)])
    return w


@pytest.fixture
def bob(wallet_root, w3):
    """Wallet "bob": a fresh coldkey with gas but no TAO, and a hotkey with gas."""
    w = Wallet("bob", wallet_root)
    w.create(PasswordSource(password=PASSWORD))
    for address in (w.coldkey_address(), w.hotkey_address()):
        w3.provider.make_request("anvil_setBalance", [address, hex(10**20)])
    return w


@pytest.fixture
def netuid(client, alice):
    """A subnet owned by alice's coldkey, with alice's hotkey as UID 0."""
    passwords = PasswordSource(password=PASSWORD)
    return actions.register_subnet(client, alice.coldkey(passwords), alice.hotkey(passwords))
