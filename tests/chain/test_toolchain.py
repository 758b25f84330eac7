"""The toolchain under everything: the solc shim, compilation, Anvil and its persistence."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
import solcx
from web3 import Web3

from evmtensor.devtools.anvil import Anvil
from evmtensor.devtools.compiler import EIP170_LIMIT, CompileError, compile_contracts
from evmtensor.devtools.deploy import DEPLOY_ORDER
from evmtensor.paths import SOLC_SHIM

SOURCE = "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.28;\ncontract A { function f() external pure returns (uint256) { return 7; } }\n"


def test_shim_prints_a_native_version_that_py_solc_x_parses():
    out = subprocess.run([str(SOLC_SHIM), "--version"], capture_output=True, text=True, check=True).stdout
    assert "Version: 0.8.37+commit" in out and out.startswith("solc, the solidity compiler")
    assert str(solcx.wrapper.get_solc_version(SOLC_SHIM)).startswith("0.8.37")


def test_shim_combined_json_compiles_files(tmp_path):
    src = tmp_path / "A.sol"
    src.write_text(SOURCE)
    out = solcx.compile_files([src], output_values=["abi", "bin"], solc_binary=SOLC_SHIM, allow_paths=[str(tmp_path)])
    contract = out[f"{src}:A"]
    assert contract["abi"][0]["name"] == "f" and len(contract["bin"]) > 100


def test_shim_reports_compile_errors_with_nonzero_exit(tmp_path):
    src = tmp_path / "Bad.sol"
    src.write_text("pragma solidity ^0.8.28; contract B { function f( }")
    proc = subprocess.run([str(SOLC_SHIM), "--combined-json", "abi", str(src)], capture_output=True, text=True)
    assert proc.returncode == 1 and "ParserError" in proc.stderr


def test_compile_errors_are_named(tmp_path):
    (tmp_path / "Bad.sol").write_text("pragma solidity ^0.8.28; contract B { uint x = ; }")
    with pytest.raises(CompileError, match="Expected"):
        compile_contracts(tmp_path, force=True)


def test_every_protocol_contract_fits_eip170():
    artifacts = compile_contracts()
    for name in DEPLOY_ORDER:
        size = (len(artifacts[name]["deployedBytecode"]) - 2) // 2
        assert 0 < size <= EIP170_LIMIT, f"{name} runtime is {size} bytes"


def test_anvil_state_survives_a_restart(tmp_path):
    state = tmp_path / "state.json"
    with Anvil(state_file=state) as node:
        w3 = Web3(Web3.HTTPProvider(node.url))
        w3.provider.make_request("anvil_mine", ["0x5"])
        mined = w3.eth.block_number
    with Anvil(state_file=state) as node:
        assert Web3(Web3.HTTPProvider(node.url)).eth.block_number == mined


def test_anvil_survives_kill_minus_nine(tmp_path):
    state = tmp_path / "state.json"
    node = Anvil(state_file=state).start()
    w3 = Web3(Web3.HTTPProvider(node.url))
    w3.provider.make_request("anvil_mine", ["0x3"])
    mined = w3.eth.block_number
    time.sleep(1.5)  # --state-interval 1: one dump after the last block
    node.kill()
    with Anvil(state_file=state) as again:
        assert Web3(Web3.HTTPProvider(again.url)).eth.block_number == mined


def test_brownie_config_is_real():
    text = (Path(__file__).resolve().parents[2] / "brownie-config.yaml").read_text()
    assert "version: 0.8.37" in text and "contracts: contracts" in text
