"""The chain client: reverts decoded by its own deployment's ABIs (no process-wide state),
struct views named by the ABI, chain-time deadlines, and the one EIP-712 home agreeing with the
contracts."""

from __future__ import annotations

import dataclasses

import pytest
from eth_account import Account
from eth_abi import encode
from eth_utils import keccak

from chain_asserts import expect_revert
from evmtensor.chain import ChainClient, Record
from evmtensor.chain.typed_data import domain, recover_typed, sign_typed, typed_digest
from evmtensor.errors import ContractRevert
from evmtensor.units import MAX_UINT256, RAO_PER_TAO


def _stake_into_nothing(client, account):
    fn = client.contract("StakingPools").functions.stake(999, account.address, RAO_PER_TAO, MAX_UINT256,
                                                          client.deadline())
    return client.send(fn, account)


def test_reverts_decode_by_the_clients_own_abis(client, accounts):
    with pytest.raises(ContractRevert) as named:
        _stake_into_nothing(client, accounts[2])
    assert named.value.name != "Unknown" and named.value.args_decoded

    # The same chain and addresses, but ABIs without error entries: nothing else in the process
    # (the session client above included) can lend this client its names.
    bare = dataclasses.replace(client.deployment, abis={
        name: [item for item in abi if item["type"] != "error"] for name, abi in client.deployment.abis.items()
    })
    with pytest.raises(ContractRevert) as unknown:
        _stake_into_nothing(ChainClient(client.w3, bare), accounts[2])
    assert unknown.value.name == "Unknown" and unknown.value.data == named.value.data


def test_expect_revert_checks_the_arguments(client, accounts):
    with pytest.raises(ContractRevert) as info:
        _stake_into_nothing(client, accounts[2])
    name, args = info.value.name, info.value.args_decoded
    with expect_revert(name, *args):
        _stake_into_nothing(client, accounts[2])
    with pytest.raises(AssertionError, match="expected args"):
        with expect_revert(name, *args[:-1], args[-1] + 1):
            _stake_into_nothing(client, accounts[2])


def test_views_decode_structs_by_abi_names(client):
    hp = client.view("SubnetRegistry", "defaultHyperparameters")
    assert isinstance(hp, Record)
    raw = client.contract("SubnetRegistry").functions.defaultHyperparameters().call()
    fn = next(i for i in client.deployment.abis["SubnetRegistry"] if i.get("name") == "defaultHyperparameters")
    names = [c["name"] for c in fn["outputs"][0]["components"]]
    assert list(hp) == names and list(hp.values()) == list(raw)
    assert hp.tempo == hp["tempo"] == raw[names.index("tempo")]


def test_deadline_follows_chain_time_when_it_is_ahead(client, w3):
    w3.provider.make_request("evm_increaseTime", [10_000_000])
    w3.provider.make_request("evm_mine", [])
    chain_now = w3.eth.get_block("latest")["timestamp"]
    assert client.deadline(60) == chain_now + 60


def test_typed_data_domain_matches_the_contract(client):
    """By hand from EIP-712's definition, not through the library the code uses."""
    registry = client.contract("NeuronRegistry")
    d = domain(client.deployment.chain_id, registry.address)
    type_hash = keccak(text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
    expected = keccak(encode(["bytes32", "bytes32", "bytes32", "uint256", "address"], [
        type_hash, keccak(text=d["name"]), keccak(text=d["version"]), d["chainId"], d["verifyingContract"]]))
    assert d["name"] == "EVMTensor" and d["version"] == "1"
    assert bytes(registry.functions.domainSeparator().call()) == expected


def test_typed_signature_round_trips_and_binds_the_message():
    signer = Account.create()
    message = {"netuid": 3, "coldkey": signer.address, "nonce": 7, "deadline": 99}
    sig = sign_typed(signer, "Registration", 31337, signer.address, message)
    assert recover_typed(sig, "Registration", 31337, signer.address, message) == signer.address
    other = {**message, "nonce": 8}
    assert recover_typed(sig, "Registration", 31337, signer.address, other) != signer.address
    assert typed_digest("Registration", 31337, signer.address, message) != typed_digest(
        "Registration", 31338, signer.address, message)
    with pytest.raises(KeyError, match="unknown signed type"):
        sign_typed(signer, "Nope", 1, signer.address, {})
