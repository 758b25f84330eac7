"""scripts/deploy.py: deploys to an Anvil it starts (state persisted), reuses on re-run,
deploys to any RPC URL, and refuses bad input with a message, not a traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from evmtensor.devtools.anvil import Anvil
from evmtensor.chain import ChainClient, load_deployment
from evmtensor.devtools.compiler import compile_contracts
from evmtensor.devtools.deploy import deploy_protocol, load_profile
from evmtensor.errors import ConfigError, DeploymentError
from evmtensor.paths import REPO_ROOT

SCRIPT = [sys.executable, str(REPO_ROOT / "scripts" / "deploy.py")]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*SCRIPT, *args], capture_output=True, text=True, timeout=300)


def test_deploys_to_own_anvil_then_reuses_after_restart(tmp_path):
    first = _run("--data-dir", str(tmp_path))
    assert first.returncode == 0, first.stderr
    out = json.loads(first.stdout)
    assert out["reused"] is False and set(out["addresses"]) >= {"TaoToken", "StakingPools"}
    second = json.loads(_run("--data-dir", str(tmp_path)).stdout)
    assert second["reused"] is True and second["addresses"] == out["addresses"]
    written = json.loads((tmp_path / "deployment.json").read_text())
    assert written["chainId"] == 31337 and written["deployBlock"] >= 1 and "abis" in written


def test_deploys_to_a_given_rpc_url_and_out_file(tmp_path):
    with Anvil() as node:
        result = _run("--rpc-url", node.url, "--out", str(tmp_path / "d.json"))
        assert result.returncode == 0, result.stderr
        client = ChainClient.connect(node.url, tmp_path / "d.json")
        assert client.view("TaoToken", "decimals") == 9


def test_unreachable_rpc_is_a_clear_error(tmp_path):
    result = _run("--rpc-url", "http://127.0.0.1:9", "--out", str(tmp_path / "d.json"))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and "Error: no JSON-RPC endpoint answers" in result.stderr


def test_deployment_file_for_another_chain_is_refused(tmp_path, anvil, deployment):
    path = tmp_path / "d.json"
    deployment.save(path)
    raw = json.loads(path.read_text())
    raw["chainId"] = 1
    path.write_text(json.dumps(raw))
    with pytest.raises(DeploymentError, match="chain 1"):
        ChainClient.connect(anvil.url, path)


def test_deployment_with_no_code_on_the_chain_is_refused(tmp_path, anvil, deployment):
    path = tmp_path / "d.json"
    deployment.save(path)
    raw = json.loads(path.read_text())
    raw["addresses"]["StakingPools"] = "0x" + "11" * 20
    path.write_text(json.dumps(raw))
    with pytest.raises(DeploymentError, match=r"no code .*\['StakingPools'\]"):
        ChainClient.connect(anvil.url, path)


def test_corrupt_deployment_file_is_a_deployment_error(tmp_path):
    path = tmp_path / "d.json"
    path.write_text("{not json")
    with pytest.raises(DeploymentError, match="corrupt"):
        load_deployment(path)
    with pytest.raises(DeploymentError, match="no deployment file"):
        load_deployment(tmp_path / "missing.json")


def test_unknown_profile_field_is_refused(w3, accounts):
    with pytest.raises(ConfigError, match="unknown \\['noSuchField'\\]"):
        deploy_protocol(w3, accounts[0], overrides={"StakingPools": {"noSuchField": 1}})


def test_unknown_profile_is_refused(w3, accounts):
    with pytest.raises(ConfigError, match="unknown profile"):
        deploy_protocol(w3, accounts[0], profile="nope")


def test_both_profiles_deploy_the_same_code_with_different_parameters(w3, accounts):
    devnet = deploy_protocol(w3, accounts[0], profile="devnet")
    mainnet = deploy_protocol(w3, accounts[0], profile="mainnet")
    def metadata(code: bytes) -> bytes:
        """solc's CBOR trailer (length in the last two bytes): it hashes the source and settings."""
        return code[-(int.from_bytes(code[-2:], "big") + 2):]

    artifacts = compile_contracts()
    for name in ("SubnetRegistry", "StakingPools", "Emission", "NeuronRegistry"):
        built = metadata(bytes.fromhex(artifacts[name]["deployedBytecode"][2:]))
        assert len(built) > 40
        assert metadata(bytes(w3.eth.get_code(devnet.addresses[name]))) == built, name
        assert metadata(bytes(w3.eth.get_code(mainnet.addresses[name]))) == built, name
    tempo = {p: ChainClient(w3, d).view("SubnetRegistry", "defaultHyperparameters").tempo
             for p, d in (("devnet", devnet), ("mainnet", mainnet))}
    assert tempo["mainnet"] == 360 and tempo["devnet"] < 360


def test_nested_struct_params_are_ordered_by_the_abi():
    from evmtensor.devtools.deploy import _as_tuple

    inner = {"name": "limits", "type": "tuple", "components": [{"name": "lo", "type": "uint8"}, {"name": "hi", "type": "uint8"}]}
    outer = {"name": "params", "type": "tuple", "components": [{"name": "tempo", "type": "uint16"}, inner]}
    assert _as_tuple("X", outer, {"limits": {"hi": 9, "lo": 1}, "tempo": 10}) == (10, (1, 9))
    with pytest.raises(ConfigError, match=r"X.limits params: unknown \['mid'\], missing \['hi'\]"):
        _as_tuple("X", outer, {"tempo": 10, "limits": {"lo": 1, "mid": 2}})


def test_overrides_merge_into_nested_params_field_by_field(w3, accounts):
    dep = deploy_protocol(w3, accounts[0], overrides={"SubnetRegistry": {"defaults": {"tempo": 77}}})
    defaults = ChainClient(w3, dep).view("SubnetRegistry", "defaultHyperparameters")
    profile = load_profile("devnet", "SubnetRegistry")["defaults"]
    assert defaults.tempo == 77 and defaults.maxUids == profile["maxUids"]
