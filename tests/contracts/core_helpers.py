"""Helpers shared by the core-contract tests (TaoToken, registries, metagraph views)."""

from __future__ import annotations

from eth_account import Account

from evmtensor.chain.actions import register_neuron_receipt, register_subnet_receipt

TAO = 10**9
MAX_UINT = 2**256 - 1


def new_key():
    """A fresh random account (hotkeys need no ETH: they only sign)."""
    return Account.create()


def register_subnet(client, coldkey, hotkey=None, max_lock=MAX_UINT):
    """Registers a subnet owned by `coldkey`; returns (netuid, hotkey, receipt)."""
    hotkey = hotkey or new_key()
    receipt = register_subnet_receipt(client, coldkey, hotkey, max_lock)
    (event,) = events(client.contract("SubnetRegistry").events.SubnetRegistered, receipt)
    return event.args.netuid, hotkey, receipt


def register_neuron(client, netuid: int, coldkey, hotkey=None, max_burn=MAX_UINT):
    """Registers `hotkey` (fresh if None) on `netuid` for `coldkey`; returns (uid, hotkey, receipt)."""
    hotkey = hotkey or new_key()
    receipt = register_neuron_receipt(client, netuid, coldkey, hotkey, max_burn)
    (event,) = events(client.contract("NeuronRegistry").events.NeuronRegistered, receipt)
    return event.args.uid, hotkey, receipt


def set_hyperparameters(client, send, netuid: int, owner, **changes):
    """Reads `netuid`'s hyperparameters, applies `changes` and writes them back as `owner`."""
    subnets = client.contract("SubnetRegistry")
    hp = subnets.functions.hyperparameters(netuid).call()
    names = [c["name"] for c in _hp_components(subnets)]
    values = dict(zip(names, hp))
    values.update(changes)
    return send(subnets.functions.setHyperparameters(netuid, tuple(values[n] for n in names)), owner)


def hyperparameters(client, netuid: int) -> dict:
    subnets = client.contract("SubnetRegistry")
    names = [c["name"] for c in _hp_components(subnets)]
    return dict(zip(names, subnets.functions.hyperparameters(netuid).call()))


def _hp_components(subnets):
    (fn,) = [f for f in subnets.abi if f.get("name") == "hyperparameters" and f["type"] == "function"]
    return fn["outputs"][0]["components"]


def mine_blocks(w3, n: int) -> None:
    w3.provider.make_request("anvil_mine", [hex(n)])


CONTRACTS = ("TaoToken", "SubnetRegistry", "NeuronRegistry", "StakingPools", "Emission", "MetagraphViews")


def send_as(client, address: str, fn_call):
    """Sends `fn_call` from `address` impersonated on Anvil (a protocol contract, the settlement).

    A revert surfaces first, as a ContractRevert, from an eth_call.
    """
    w3 = client.w3
    w3.provider.make_request("anvil_impersonateAccount", [address])
    w3.provider.make_request("anvil_setBalance", [address, hex(10**20)])
    try:
        client.call(fn_call, sender=address)
        receipt = w3.eth.wait_for_transaction_receipt(fn_call.transact({"from": address, "gas": 25_000_000}))
        assert receipt.status == 1
        return receipt
    finally:
        w3.provider.make_request("anvil_stopImpersonatingAccount", [address])


def protocol_address(client, field: str) -> str:
    from web3 import Web3

    addresses = client.contract("TaoToken").functions.protocolAddresses().call()
    fields = ("tao", "subnets", "neurons", "pools", "emission", "settlement")
    return Web3.to_checksum_address(addresses[fields.index(field)])


def events(event, receipt) -> list:
    """The decoded logs of `event` (e.g. contract.events.Transfer) in `receipt`, others ignored."""
    from web3.logs import DISCARD

    return list(event().process_receipt(receipt, errors=DISCARD))


GENESIS_TAO = 1_000_000 * TAO


def deploy_with(w3, accounts, overrides: dict):
    """A client on a fresh devnet protocol deployed with `overrides`, `accounts` funded at genesis."""
    from evmtensor.chain.client import ChainClient
    from evmtensor.devtools.deploy import deploy_protocol

    dep = deploy_protocol(
        w3, accounts[0], profile="devnet", overrides=overrides, genesis=[(a.address, GENESIS_TAO) for a in accounts]
    )
    return ChainClient(w3, dep)


def balance(client, address: str) -> int:
    return client.contract("TaoToken").functions.balanceOf(address).call()


def drain_tao(client, send, account, sink, keep: int = 0) -> None:
    """Moves all but `keep` of `account`'s TAO to `sink` (to test uncovered costs)."""
    amount = balance(client, account.address) - keep
    if amount > 0:
        send(client.contract("TaoToken").functions.transfer(sink.address, amount), account)


def fund_eth(w3, address: str, wei: int = 10**20) -> None:
    w3.provider.make_request("anvil_setBalance", [address, hex(wei)])


def revert_args(excinfo) -> list:
    """The decoded arguments of a ContractRevert, addresses checksummed."""
    from chain_asserts import normalised_args

    return list(normalised_args(excinfo.value.args_decoded))
