"""A second EVM implementation: Hardhat's node (npm ``hardhat`` 2.x, its EDR engine), started once
per session from the repository's node_modules with a minimal config in a temporary folder.

Hardhat 3 (3.18) needs Node.js 22; this machine has Node 20, so the suite uses Hardhat 2.29,
which runs offline. Its default accounts come from the same test mnemonic as Anvil's (set here
explicitly), chain id 31337, hardfork osaka (solc 0.8.37's default target, as on Anvil).
Hardhat must be run with the project as its working directory (it refuses a non-local install,
HH12); the config keeps its sources, cache and artifacts in the temporary folder, so it compiles
nothing of ours.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time

import pytest
import requests
from web3 import Web3

from evmtensor.chain.client import ChainClient
from evmtensor.devtools.accounts import DEFAULT_MNEMONIC, dev_account
from evmtensor.devtools.anvil import free_port
from evmtensor.devtools.deploy import deploy_protocol
from evmtensor.paths import REPO_ROOT

GENESIS_TAO = 100_000 * 10**9
N_ACCOUNTS = 10
HARDHAT = REPO_ROOT / "node_modules" / ".bin" / "hardhat"

_CONFIG = """module.exports = {{
  paths: {{root: {root}, sources: {root} + "/sources", cache: {root} + "/cache", artifacts: {root} + "/artifacts"}},
  networks: {{hardhat: {{chainId: 31337, hardfork: "osaka",
    accounts: {{mnemonic: {mnemonic}, count: {count}}}}}}},
}};
"""


def _wait_ready(url: str, proc: subprocess.Popen, log, timeout: float = 60.0) -> None:
    w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 2}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"hardhat node exited {proc.returncode}: {log.read()[-2000:]}")
        try:
            if w3.eth.chain_id == 31337:
                return
        except requests.exceptions.RequestException:  # not listening (or not answering) yet
            time.sleep(0.2)
    raise RuntimeError("hardhat node did not answer within a minute")


@pytest.fixture(scope="session")
def hardhat_url(tmp_path_factory):
    if not HARDHAT.exists():
        pytest.fail("node_modules/.bin/hardhat is missing: run `npm ci` (scripts/bootstrap.sh does)")
    root = tmp_path_factory.mktemp("hardhat")
    config = root / "hardhat.config.js"
    config.write_text(_CONFIG.format(root=json.dumps(str(root)), mnemonic=json.dumps(DEFAULT_MNEMONIC),
                                     count=N_ACCOUNTS))
    port = free_port()
    with open(root / "node.log", "w+") as log:
        proc = subprocess.Popen([str(HARDHAT), "--config", str(config), "node", "--hostname", "127.0.0.1",
                                 "--port", str(port)], cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_ready(url, proc, log)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def hh_w3(hardhat_url) -> Web3:
    return Web3(Web3.HTTPProvider(hardhat_url, request_kwargs={"timeout": 60}))


@pytest.fixture(scope="session")
def hh_accounts():
    return [dev_account(i) for i in range(N_ACCOUNTS)]


@pytest.fixture(scope="session")
def hh_client(hh_w3, hh_accounts) -> ChainClient:
    """The devnet profile deployed on Hardhat, by the same code as on Anvil."""
    genesis = [(a.address, GENESIS_TAO) for a in hh_accounts]
    return ChainClient(hh_w3, deploy_protocol(hh_w3, hh_accounts[0], profile="devnet", genesis=genesis))
