"""Helpers shared by the core-contract tests (TaoToken, registries, metagraph views)."""

from __future__ import annotations

from eth_account import Account

from evmtensor.chain.registration import sign_registration

TAO = 10**9
MAX_UINT = 2**256 - 1


def new_key():
    """A fresh random account (hotkeys need no ETH: they only sign)."""
    return Account.create()


def transact(send, fn_call, account):
    """Sends `fn_call` with a padded gas limit; a revert surfaces first, decoded, from an eth_call.

    The plain estimate is taken at the head block but the transaction runs one block later: when
    the head block already accrued emission, the estimate misses the accrual the mined
    transaction will do (~150k gas for registerSubnet with a few subnets), and the burn decay's
    exponentiation costs a little more per elapsed bit, so an unpadded estimate can run out of gas.
    """
    from evmtensor.chain.tx import call

    call(fn_call, sender=account.address)
    gas = min(fn_call.estimate_gas({"from": account.address}) * 2 + 1_000_000, 29_000_000)
    return send(fn_call, account, gas=gas)


def chain_deadline(w3, seconds: int = 3600) -> int:
    return w3.eth.get_block("latest")["timestamp"] + seconds


def registration_signature(w3, deployment, hotkey, netuid: int, coldkey: str, deadline: int, nonce=None) -> bytes:
    neurons = deployment.contract("NeuronRegistry")
    if nonce is None:
        nonce = neurons.functions.registrationNonce(hotkey.address).call()
    return sign_registration(hotkey, neurons.address, w3.eth.chain_id, netuid, coldkey, nonce, deadline)


def register_subnet(w3, deployment, send, coldkey, hotkey=None, max_lock=MAX_UINT):
    """Registers a subnet owned by `coldkey`; returns (netuid, hotkey, receipt)."""
    hotkey = hotkey or new_key()
    deadline = chain_deadline(w3)
    sig = registration_signature(w3, deployment, hotkey, 0, coldkey.address, deadline)
    subnets = deployment.contract("SubnetRegistry")
    receipt = transact(send, subnets.functions.registerSubnet(hotkey.address, max_lock, deadline, sig), coldkey)
    (event,) = events(subnets.events.SubnetRegistered, receipt)
    return event.args.netuid, hotkey, receipt


def register_neuron(w3, deployment, send, netuid: int, coldkey, hotkey=None, max_burn=MAX_UINT):
    """Registers `hotkey` (fresh if None) on `netuid` for `coldkey`; returns (uid, hotkey, receipt)."""
    hotkey = hotkey or new_key()
    deadline = chain_deadline(w3)
    sig = registration_signature(w3, deployment, hotkey, netuid, coldkey.address, deadline)
    neurons = deployment.contract("NeuronRegistry")
    receipt = transact(send, neurons.functions.registerNeuron(netuid, hotkey.address, max_burn, deadline, sig), coldkey)
    (event,) = events(neurons.events.NeuronRegistered, receipt)
    return event.args.uid, hotkey, receipt


def set_hyperparameters(deployment, send, netuid: int, owner, **changes):
    """Reads `netuid`'s hyperparameters, applies `changes` and writes them back as `owner`."""
    subnets = deployment.contract("SubnetRegistry")
    hp = subnets.functions.hyperparameters(netuid).call()
    names = [c["name"] for c in _hp_components(subnets)]
    values = dict(zip(names, hp))
    values.update(changes)
    return send(subnets.functions.setHyperparameters(netuid, tuple(values[n] for n in names)), owner)


def hyperparameters(deployment, netuid: int) -> dict:
    subnets = deployment.contract("SubnetRegistry")
    names = [c["name"] for c in _hp_components(subnets)]
    return dict(zip(names, subnets.functions.hyperparameters(netuid).call()))


def _hp_components(subnets):
    (fn,) = [f for f in subnets.abi if f.get("name") == "hyperparameters" and f["type"] == "function"]
    return fn["outputs"][0]["components"]


def revert_name(excinfo) -> str:
    return excinfo.value.name


def mine_blocks(w3, n: int) -> None:
    w3.provider.make_request("anvil_mine", [hex(n)])


CONTRACTS = ("TaoToken", "SubnetRegistry", "NeuronRegistry", "StakingPools", "Emission", "MetagraphViews")


def _abi_type(item) -> str:
    if item["type"].startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in item["components"]) + ")" + item["type"][5:]
    return item["type"]


def _error_table(deployment) -> dict:
    from eth_utils import keccak

    table = {}
    for name in CONTRACTS:
        for item in deployment.contract(name).abi:
            if item["type"] == "error":
                types = [_abi_type(i) for i in item["inputs"]]
                table[keccak(text=f"{item['name']}({','.join(types)})")[:4]] = (item["name"], types)
    return table


def _revert_data(exc):
    data = getattr(exc, "data", None)
    if isinstance(data, dict):
        data = data.get("data")
    if isinstance(data, str) and data.startswith("0x"):
        return bytes.fromhex(data[2:])
    return None


def send_as(w3, deployment, address: str, fn_call):
    """Sends `fn_call` from `address` impersonated on Anvil (a protocol contract, the settlement).

    Raises ContractRevert(name, args) decoded from any protocol contract's ABI on revert.
    """
    from eth_abi import decode

    from evmtensor.errors import ContractRevert

    w3.provider.make_request("anvil_impersonateAccount", [address])
    w3.provider.make_request("anvil_setBalance", [address, hex(10**20)])
    try:
        try:
            fn_call.call({"from": address})
        except Exception as exc:  # noqa: BLE001 - re-raised as a decoded revert below
            data = _revert_data(exc)
            if data is None or len(data) < 4:
                raise
            name, types = _error_table(deployment).get(data[:4], ("Unknown", []))
            raise ContractRevert(name, tuple(decode(types, data[4:]))) from exc
        tx_hash = fn_call.transact({"from": address, "gas": 20_000_000})
        receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
        assert receipt.status == 1
        return receipt
    finally:
        w3.provider.make_request("anvil_stopImpersonatingAccount", [address])


def protocol_address(deployment, field: str) -> str:
    from web3 import Web3

    addresses = deployment.contract("TaoToken").functions.protocolAddresses().call()
    fields = ("tao", "subnets", "neurons", "pools", "emission", "settlement")
    return Web3.to_checksum_address(addresses[fields.index(field)])


def events(event, receipt) -> list:
    """The decoded logs of `event` (e.g. contract.events.Transfer) in `receipt`, others ignored."""
    from web3.logs import DISCARD

    return list(event().process_receipt(receipt, errors=DISCARD))


GENESIS_TAO = 1_000_000 * TAO


def deploy_with(w3, accounts, overrides: dict):
    """Deploys a fresh devnet protocol with `overrides`, funding `accounts` with TAO at genesis."""
    from evmtensor.chain.deploy import deploy_protocol

    return deploy_protocol(
        w3, accounts[0], profile="devnet", overrides=overrides, genesis=[(a.address, GENESIS_TAO) for a in accounts]
    )


def balance(deployment, address: str) -> int:
    return deployment.contract("TaoToken").functions.balanceOf(address).call()


def drain_tao(deployment, send, account, sink, keep: int = 0) -> None:
    """Moves all but `keep` of `account`'s TAO to `sink` (to test uncovered costs)."""
    amount = balance(deployment, account.address) - keep
    if amount > 0:
        send(deployment.contract("TaoToken").functions.transfer(sink.address, amount), account)


WAD = 10**18


def mul_wad_up(a: int, b: int) -> int:
    p = a * b
    return 0 if p == 0 else (p - 1) // WAD + 1


def pow_wad_up(x: int, n: int) -> int:
    """Mirror of BurnPrice._powWadUp (squaring, each product rounded up)."""
    r = WAD
    while n:
        if n & 1:
            r = mul_wad_up(r, x)
        n >>= 1
        if n:
            x = mul_wad_up(x, x)
    return r


def burn_after(burn: int, elapsed: int, decay: int, lo: int, hi: int) -> int:
    """Mirror of BurnPrice.decayedUp."""
    return min(max(mul_wad_up(burn, pow_wad_up(decay, elapsed)), lo), hi)


def fund_eth(w3, address: str, wei: int = 10**20) -> None:
    w3.provider.make_request("anvil_setBalance", [address, hex(wei)])


def revert_args(excinfo) -> list:
    """The decoded arguments of a ContractRevert, addresses checksummed."""
    from web3 import Web3

    err = excinfo.value
    args = getattr(err, "args_decoded", None)
    if args is None:
        args = err.args[1]
    return [Web3.to_checksum_address(a) if isinstance(a, str) and len(a) == 42 and a.startswith("0x") else a for a in args]
