"""Shared fixtures: one Anvil chain per test session, the protocol deployed once, and an
``evm_snapshot``/``evm_revert`` around every test so tests never see each other's state.

Fixtures that touch the chain are lazy: a test that uses none of them starts no Anvil.
"""

from __future__ import annotations

import re
import subprocess
import time

import pytest
from web3 import Web3

import fuzz  # noqa: F401  (registers and loads the hypothesis profile)
from evmtensor.chain.client import ChainClient
from evmtensor.devtools.accounts import dev_account
from evmtensor.devtools.anvil import Anvil
from evmtensor.devtools.deploy import deploy_protocol

GENESIS_TAO = 100_000 * 10**9  # rao per development account
N_ACCOUNTS = 10


@pytest.fixture(scope="session")
def anvil():
    with Anvil(accounts=N_ACCOUNTS) as node:
        yield node


@pytest.fixture(scope="session")
def w3(anvil) -> Web3:
    return Web3(Web3.HTTPProvider(anvil.url, request_kwargs={"timeout": 60}))


@pytest.fixture(scope="session")
def accounts():
    """Anvil's funded development accounts as local signers (index 0 deploys)."""
    return [dev_account(i) for i in range(N_ACCOUNTS)]


@pytest.fixture(scope="session")
def deployment(w3, accounts):
    """The devnet profile deployed once; every account holds ``GENESIS_TAO``."""
    genesis = [(a.address, GENESIS_TAO) for a in accounts]
    dep = deploy_protocol(w3, accounts[0], profile="devnet", genesis=genesis)
    w3.provider.make_request("evm_mine", [])
    return dep


@pytest.fixture(scope="session")
def client(w3, deployment) -> ChainClient:
    """The chain client on the session's deployment (decodes reverts by its ABIs)."""
    return ChainClient(w3, deployment)


@pytest.fixture(autouse=True)
def _chain_isolation(request):
    """Revert the chain after each test that touched it."""
    if "w3" not in request.fixturenames:
        yield
        return
    w3 = request.getfixturevalue("w3")
    if "deployment" in request.fixturenames:
        request.getfixturevalue("deployment")  # deploy before the snapshot, once
    snap = w3.provider.make_request("evm_snapshot", [])["result"]
    yield
    w3.provider.make_request("evm_revert", [snap])


@pytest.fixture
def send(client):
    """``send(fn_call, account, value=0) -> receipt``; reverts raise ContractRevert."""
    return client.send


@pytest.fixture
def mine(w3):
    """``mine(n)``: mine ``n`` empty blocks at once."""

    def _do(n: int = 1) -> None:
        w3.provider.make_request("anvil_mine", [hex(n)])

    return _do


@pytest.fixture
def wait_for_port():
    """``wait_for_port(proc) -> int``: the port a server process logs as ``listening on
    127.0.0.1:PORT`` on stderr (fails if it exits or takes over 60 s)."""

    def _wait(proc: subprocess.Popen) -> int:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            match = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
            if match:
                return int(match.group(1))
            if not line and proc.poll() is not None:
                break
        raise AssertionError("the server process did not start")

    return _wait


# `brownie test` runs tests/brownie with brownie's own plugin and fixtures (its pytest.ini);
# under plain pytest that folder is driven by tests/chain/test_brownie.py instead.
collect_ignore = ["brownie"]
