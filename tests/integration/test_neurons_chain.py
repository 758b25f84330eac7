"""Neurons on a real Anvil chain: a miner registers and serves itself through the chain client,
the validator reads the subnet from MetagraphViews, queries the miner (which admits only
registered callers), scores it and signs weights under the subnet's on-chain rules."""

from __future__ import annotations

import asyncio
import json

import pytest
from click.testing import CliRunner
from eth_account import Account

from evmtensor.chain.weights import recover_weights_signer
from evmtensor.chain import actions
from evmtensor.chain.metagraph import chain_registry
from evmtensor.paths import REPO_ROOT
from evmtensor.protocol import ServerThread, Signer
from evmtensor.wallet import PasswordSource, Wallet
from miner.__main__ import main as miner_main
from miner.backend import TransformersBackend
from miner.embedding import MiniLMEmbedder
from miner.onchain import MinerSetupError, announce
from miner.service import MinerService
from miner.tiny import build_tiny_gpt2
from neuron_helpers import one_torch_thread, wait_ready
from validator.metagraph import ChainMetagraph
from validator.neuron import Validator
from validator.scoring import TextGenerationTask
from validator.settings import ValidatorSettings
from validator.weights import U16_MAX, MemoryWeightsSink

DEVNET = json.loads((REPO_ROOT / "contracts/profiles/devnet/SubnetRegistry.json").read_text())


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    with one_torch_thread():
        yield


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory):
    return build_tiny_gpt2(tmp_path_factory.mktemp("tiny"))


def test_a_coldkey_that_cannot_pay_gets_a_clear_error(client, accounts):
    netuid = actions.register_subnet(client, accounts[1], accounts[7])
    burn = int(client.view("NeuronRegistry", "burnPrice", netuid))
    broke = Account.create()
    with pytest.raises(MinerSetupError) as caught:
        announce(client, netuid, broke, accounts[4], "127.0.0.1", 9000)
    assert f"coldkey {broke.address} holds 0 TAO" in str(caught.value)
    assert f"burns {burn / 1e9:.9f}".rstrip("0").rstrip(".") in str(caught.value)
    assert not client.view("NeuronRegistry", "isRegistered", netuid, accounts[4].address)


def test_miner_announces_itself_and_the_validator_scores_it_from_chain(
        client, accounts, tiny_folder, tmp_path):
    owner_hot, miner_cold, miner_hot, validator_cold, validator_hot = (
        accounts[7], accounts[2], accounts[4], accounts[3], accounts[5])
    netuid = actions.register_subnet(client, accounts[1], owner_hot)
    validator_uid = actions.register_neuron(client, netuid, validator_cold, validator_hot)

    service = MinerService(Signer.from_account(miner_hot), chain_registry(client, netuid),
                           TransformersBackend(tiny_folder, device="cpu"), data_dir=None)
    server = ServerThread([service.app()])  # bound: the port is known before it serves
    miner_uid = announce(client, netuid, miner_cold, miner_hot, "127.0.0.1", server.ports[0])
    assert announce(client, netuid, miner_cold, miner_hot, "127.0.0.1", server.ports[0]) == miner_uid
    server.start()
    try:
        wait_ready(server.url)
        mg = ChainMetagraph(client, netuid).load()
        by_uid = {n.uid: n for n in mg.neurons}
        assert by_uid[miner_uid].hotkey == miner_hot.address
        assert by_uid[miner_uid].url == server.url
        assert by_uid[validator_uid].url is None  # registered, not serving
        hyper = DEVNET["defaults"]
        assert mg.rules.min_allowed_weights == hyper["minAllowedWeights"]
        assert mg.rules.rate_limit_blocks == hyper["weightsRateLimit"]
        assert mg.rules.version_key == hyper["weightsVersionKey"]
        assert mg.chain_id == client.w3.eth.chain_id

        embedder = MiniLMEmbedder()
        task = TextGenerationTask(TransformersBackend(tiny_folder, device="cpu"), embedder,
                                  max_tokens=8)
        sink = MemoryWeightsSink()
        validator = Validator(Signer.from_account(validator_hot), ChainMetagraph(client, netuid),
                              [task], sink, ValidatorSettings(data_dir=tmp_path, timeout_s=5,
                                                              netuid=netuid))

        async def scenario():
            await validator.open()
            try:
                report = await validator.run_round()
                return report, validator.set_weights()
            finally:
                await validator.close()

        report, signed = asyncio.run(scenario())
    finally:
        server.stop()
    assert report.uids == [miner_uid] and report.rewards[0] == pytest.approx(1.0, abs=1e-5)
    weights_contract = client.deployment.address("Weights")  # the contract that verifies the row
    assert recover_weights_signer(weights_contract, client.deployment.chain_id, signed.row,
                                  signed.signature) == validator_hot.address
    assert signed.row.netuid == netuid and signed.row.deadline_block > report.block
    assert dict(zip(signed.row.uids, signed.row.values))[miner_uid] == U16_MAX
    assert sink.submitted == [signed]


def test_miner_cli_announce_with_a_coldkey_that_cannot_pay(client, accounts, anvil, tmp_path,
                                                            monkeypatch):
    for key, value in {"EVMTENSOR_KDF_N": "16", "EVMTENSOR_PASSWORD": "pw",
                       "EVMTENSOR_WALLET_PATH": str(tmp_path / "w")}.items():
        monkeypatch.setenv(key, value)
    coldkey, _ = Wallet("poor").create(PasswordSource())
    netuid = actions.register_subnet(client, accounts[1], accounts[7])
    dep_file = tmp_path / "deployment.json"
    client.deployment.save(dep_file)
    result = CliRunner().invoke(miner_main, [
        "--wallet-name", "poor", "--port", "18999", "--deployment", str(dep_file),
        "--netuid", str(netuid), "--rpc-url", anvil.url, "--announce", "127.0.0.1"])
    assert result.exit_code != 0
    assert f"coldkey {coldkey.address} holds 0 TAO" in result.output
