"""``evmtensor wallet``: create, regenerate and list wallets; balances, an overview of a wallet's
stake and registrations; TAO transfers.

Passwords never come from the command line: ``--password-file``, ``$EVMTENSOR_PASSWORD`` /
``$EVMTENSOR_PASSWORD_FILE`` or a prompt (:class:`~evmtensor.wallet.passwords.PasswordSource`).
A fresh mnemonic is printed once, when the wallet is created; a mnemonic to regenerate from
comes from ``--mnemonic-file``, ``$EVMTENSOR_MNEMONIC`` or a hidden prompt.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from evmtensor.chain.actions import transfer_tao
from evmtensor.chain.metagraph import metagraph_loader
from evmtensor.chain.stake import positions
from evmtensor.cli.errors import CliGroup, CommandFailed
from evmtensor.cli.options import (
    ADDRESS,
    AMOUNT,
    chain_options,
    client_from,
    coldkey_account,
    json_option,
    wallet_options,
    yes_option,
)
from evmtensor.cli.render import confirm, fmt_units, print_json, print_pairs, print_table, receipt_json
from evmtensor.wallet import PasswordSource, Wallet, list_wallets
from evmtensor.wallet.errors import KeyNotFound, MnemonicInvalid

__all__ = ["wallet"]

MNEMONIC_ENV = "EVMTENSOR_MNEMONIC"


@click.group("wallet", cls=CliGroup)
def wallet() -> None:
    """Wallets: a coldkey (holds TAO, owns stake) and named hotkeys (sign as neurons)."""


def _read_mnemonic(path: Path | None) -> str:
    if path is not None:
        return path.read_text(encoding="utf-8").strip()
    if os.environ.get(MNEMONIC_ENV):
        return os.environ[MNEMONIC_ENV].strip()
    if sys.stdin is not None and sys.stdin.isatty():
        return click.prompt("Mnemonic", hide_input=True, err=True).strip()
    raise MnemonicInvalid(f"no mnemonic: pass --mnemonic-file, set {MNEMONIC_ENV}, or run in a terminal")


def _show_created(name: str, cold, hot, hotkey: str, as_json: bool) -> None:
    mnemonic = cold.mnemonic if cold else hot.mnemonic
    data = {"wallet": name, "coldkey": cold.address if cold else None, "hotkey_name": hotkey,
            "hotkey": hot.address if hot else None, "mnemonic": mnemonic}
    if as_json:
        print_json(data)
        return
    print_pairs(f"wallet {name}", [("coldkey", data["coldkey"]), (f"hotkey {hotkey}", data["hotkey"])])
    if mnemonic:
        click.echo(f"Mnemonic (shown once, write it down; it restores both keys):\n{mnemonic}")


@wallet.command("create")
@wallet_options("as a neuron")
@click.option("--n-words", type=click.Choice(["12", "15", "18", "21", "24"]), default="12", show_default=True)
@click.option("--hotkey-password/--no-hotkey-password", default=True, show_default=True,
              help="Encrypt the hotkey too (a server then needs the password).")
@json_option
def create(wallet_name, hotkey, wallet_path, password_file, n_words, hotkey_password, as_json) -> None:
    """Create a wallet: a coldkey and a first hotkey from one fresh mnemonic (shown once)."""
    w = Wallet(wallet_name, wallet_path)
    cold, hot = w.create(PasswordSource(password_file=password_file), hotkey=hotkey, words=int(n_words),
                         encrypt_hotkey=hotkey_password)
    _show_created(wallet_name, cold, hot, hotkey, as_json)


@wallet.command("new-hotkey")
@wallet_options("as a neuron")
@click.option("--hotkey-password/--no-hotkey-password", default=True, show_default=True)
@json_option
def new_hotkey(wallet_name, hotkey, wallet_path, password_file, hotkey_password, as_json) -> None:
    """Add a hotkey to an existing wallet, from its own fresh mnemonic (shown once)."""
    w = Wallet(wallet_name, wallet_path)
    w.coldkey_address()  # the wallet must exist
    hot = w.new_hotkey(hotkey, PasswordSource(password_file=password_file), encrypt=hotkey_password)
    _show_created(wallet_name, None, hot, hotkey, as_json)


@wallet.command("regen")
@wallet_options("as a neuron")
@click.option("--key", type=click.Choice(["both", "coldkey", "hotkey"]), default="both", show_default=True,
              help="Which keys to restore from the mnemonic.")
@click.option("--mnemonic-file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help=f"File holding the mnemonic (or set {MNEMONIC_ENV}; else a hidden prompt).")
@click.option("--hotkey-password/--no-hotkey-password", default=True, show_default=True)
@json_option
def regen(wallet_name, hotkey, wallet_path, password_file, key, mnemonic_file, hotkey_password, as_json) -> None:
    """Restore a wallet's keys from a mnemonic (never overwrites an existing key file)."""
    w, phrase = Wallet(wallet_name, wallet_path), _read_mnemonic(mnemonic_file)
    passwords = PasswordSource(password_file=password_file)
    cold = w.regenerate_coldkey(phrase, passwords) if key in ("both", "coldkey") else None
    hot = w.regenerate_hotkey(hotkey, phrase, passwords, encrypt=hotkey_password) if key in ("both", "hotkey") else None
    _show_created(wallet_name, cold, hot, hotkey, as_json)


def _hotkeys(w: Wallet) -> dict[str, str]:
    found = {}
    for name in w.hotkeys():
        try:
            found[name] = w.hotkey_address(name)
        except KeyNotFound:
            continue
    return found


@wallet.command("list")
@click.option("--wallet-path", type=click.Path(path_type=Path), envvar="EVMTENSOR_WALLET_PATH")
@json_option
def list_(wallet_path, as_json) -> None:
    """Every wallet under the wallet root, with its coldkey and hotkeys (no password needed)."""
    data = []
    for name in list_wallets(wallet_path):
        w = Wallet(name, wallet_path)
        data.append({"wallet": name, "coldkey": w.coldkey_address(), "hotkeys": _hotkeys(w)})
    if as_json:
        print_json(data)
        return
    rows = [r for d in data for r in [(d["wallet"], "coldkey", d["coldkey"]),
                                      *(("", f"hotkey {n}", a) for n, a in d["hotkeys"].items())]]
    print_table("wallets", ["wallet", "key", "address"], rows)


def _balances(client, address: str) -> dict:
    tao = client.call(client.contract("TaoToken").functions.balanceOf(address))
    held = positions(client, address)
    staked = sum(p.tao_value for p in held)
    return {"address": address, "free_rao": int(tao), "staked_rao": staked, "total_rao": int(tao) + staked,
            "gas_wei": int(client.w3.eth.get_balance(address))}


@wallet.command("balance")
@wallet_options("as a neuron")
@click.option("--address", "addresses", type=ADDRESS, multiple=True, help="Addresses to show instead of the wallet's coldkey.")
@chain_options(required=False)
@json_option
def balance(wallet_name, hotkey, wallet_path, password_file, addresses, rpc_url, deployment_file, as_json) -> None:
    """Free TAO, staked value (at spot prices) and gas balance of the coldkey (or --address)."""
    client = client_from(rpc_url, deployment_file)
    targets = list(addresses) or [Wallet(wallet_name, wallet_path).coldkey_address()]
    data = [_balances(client, a) for a in targets]
    if as_json:
        print_json(data)
        return
    print_table("balances", ["address", "free", "staked", "total", "gas (ETH)"],
                [(d["address"], fmt_units(d["free_rao"], "TAO"), fmt_units(d["staked_rao"], "TAO"),
                  fmt_units(d["total_rao"], "TAO"), f"{d['gas_wei'] / 10**18:.6f}") for d in data])


@wallet.command("overview")
@wallet_options("as a neuron")
@chain_options(required=False)
@json_option
def overview(wallet_name, hotkey, wallet_path, password_file, rpc_url, deployment_file, as_json) -> None:
    """A wallet's balance, its hotkeys' registrations (netuid, UID) and its stake positions."""
    client = client_from(rpc_url, deployment_file)
    w = Wallet(wallet_name, wallet_path)
    cold, hot = w.coldkey_address(), _hotkeys(w)
    registrations, block = [], client.block_number()
    for netuid in client.view("SubnetRegistry", "activeNetuids", block=block):
        for neuron in metagraph_loader(client, netuid)(block):
            names = [n for n, a in hot.items() if a == neuron.hotkey]
            if names:
                registrations.append({"netuid": int(netuid), "uid": neuron.uid, "hotkey_name": names[0],
                                      "hotkey": neuron.hotkey})
    held = positions(client, cold, list(hot.values()))
    data = {**_balances(client, cold), "wallet": wallet_name, "hotkeys": hot, "registrations": registrations,
            "stake": [{"netuid": p.netuid, "hotkey": p.hotkey, "alpha": p.alpha, "tao_value_rao": p.tao_value}
                      for p in held]}
    if as_json:
        print_json(data)
        return
    print_pairs(f"wallet {wallet_name}", [("coldkey", cold), ("free", fmt_units(data["free_rao"], "TAO")),
                                          ("staked", fmt_units(data["staked_rao"], "TAO"))])
    print_table("registrations", ["netuid", "uid", "hotkey name", "hotkey"],
                [(r["netuid"], r["uid"], r["hotkey_name"], r["hotkey"]) for r in registrations])
    print_table("stake", ["netuid", "hotkey", "alpha", "value"],
                [(p.netuid, p.hotkey, fmt_units(p.alpha), fmt_units(p.tao_value, "TAO")) for p in held])


@wallet.command("transfer")
@wallet_options("as a neuron")
@click.option("--dest", required=True, type=ADDRESS, help="Receiving address.")
@click.option("--amount", required=True, type=AMOUNT, help="TAO to send.")
@chain_options(required=False)
@yes_option
@json_option
def transfer(wallet_name, hotkey, wallet_path, password_file, dest, amount, rpc_url, deployment_file, yes,
             as_json) -> None:
    """Send TAO from the wallet's coldkey to another address."""
    client = client_from(rpc_url, deployment_file)
    sender = Wallet(wallet_name, wallet_path).coldkey_address()
    free = client.call(client.contract("TaoToken").functions.balanceOf(sender))
    if amount > free:
        raise CommandFailed(f"the balance of {sender} is {fmt_units(free, 'TAO')}, less than "
                            f"{fmt_units(amount, 'TAO')}")
    if not as_json:
        print_pairs("transfer", [("from", sender), ("to", dest), ("amount", fmt_units(amount, "TAO")),
                                 ("balance after", fmt_units(free - amount, "TAO"))])
    confirm(f"Send {fmt_units(amount, 'TAO')} to {dest}?", yes)
    receipt = transfer_tao(client, coldkey_account(wallet_name, wallet_path, password_file), dest, amount)
    result = receipt_json(receipt, sender=sender, dest=dest, amount_rao=amount)
    print_json(result) if as_json else click.echo(f"sent in block {result['block']} ({result['tx_hash']})")
