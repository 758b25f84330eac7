"""``evmtensor subnet``: create a subnet (the lock cost shown and confirmed), list and show subnets,
read and set (owner only, bounds checked before sending) hyperparameters.
"""

from __future__ import annotations

import click

from evmtensor.chain.actions import register_subnet_receipt, set_hyperparameters
from evmtensor.chain.subnets import (
    check_hyperparameters,
    field_name,
    hyperparameter_bounds,
    metagraph_rows,
    parse_hyperparameter,
    subnet_view,
    subnets,
)
from evmtensor.chain.views import Record
from evmtensor.cli.errors import CliGroup
from evmtensor.cli.metagraph import print_metagraph
from evmtensor.cli.options import (
    AMOUNT,
    chain_options,
    client_from,
    coldkey_account,
    json_option,
    wallet_options,
    yes_option,
)
from evmtensor.cli.render import confirm, fmt_price, fmt_units, print_json, print_pairs, print_table, receipt_json
from evmtensor.wallet import PasswordSource, Wallet

__all__ = ["subnet"]


@click.group("subnet", cls=CliGroup)
def subnet() -> None:
    """Subnets: create, list, show, hyperparameters (read and set)."""


def _header_json(view: Record) -> dict:
    return {"netuid": view["netuid"], "owner_coldkey": view["ownerColdkey"], "owner_hotkey": view["ownerHotkey"],
            "registered_at": view["registeredAt"], "lock_paid_rao": view["lockPaid"], "n": view["n"],
            "max_uids": view["hyperparameters"]["maxUids"], "tempo": view["hyperparameters"]["tempo"],
            "burn_rao": view["burn"], "tao_in_rao": view["taoIn"], "alpha_in": view["alphaIn"],
            "spot_price": view["spotPrice"], "moving_price": view["movingPrice"], "block": view["blockNumber"]}


@subnet.command("create")
@wallet_options("as the subnet's owner hotkey (UID 0)")
@click.option("--max-lock", type=AMOUNT, help="Most TAO to lock (default: the cost shown).")
@chain_options(required=False)
@yes_option
@json_option
def create(wallet_name, hotkey, wallet_path, password_file, max_lock, rpc_url, deployment_file, yes, as_json) -> None:
    """Register a new subnet owned by the wallet's coldkey, locking the current lock cost."""
    client = client_from(rpc_url, deployment_file)
    w = Wallet(wallet_name, wallet_path)
    cost = int(client.view("SubnetRegistry", "lockCost"))
    owner = w.coldkey_address()
    if not as_json:
        print_pairs("new subnet", [("owner coldkey", owner), ("owner hotkey", w.hotkey_address(hotkey)),
                                   ("lock cost", fmt_units(cost, "TAO")),
                                   ("max lock", fmt_units(max_lock or cost, "TAO"))])
    confirm(f"Lock {fmt_units(cost, 'TAO')} to create a subnet?", yes)
    passwords = PasswordSource(password_file=password_file)
    receipt = register_subnet_receipt(client, w.coldkey(passwords), w.hotkey(passwords, hotkey), max_lock or cost)
    (event,) = client.events(receipt, "SubnetRegistry", "SubnetRegistered")
    netuid, paid = event["args"]["netuid"], event["args"]["lockPaid"]
    if as_json:
        print_json(receipt_json(receipt, netuid=netuid, lock_paid_rao=paid))
    else:
        click.echo(f"registered subnet {netuid}, locked {fmt_units(paid, 'TAO')} (block {receipt['blockNumber']})")


@subnet.command("list")
@chain_options(required=False)
@json_option
def list_(rpc_url, deployment_file, as_json) -> None:
    """Every registered subnet: owner, UIDs, pool, price, burn, tempo."""
    client = client_from(rpc_url, deployment_file)
    data = [_header_json(v) for v in subnets(client)]
    if as_json:
        print_json(data)
        return
    print_table("subnets", ["netuid", "owner", "UIDs", "price", "moving price", "TAO in", "alpha in", "burn", "tempo"],
                [(d["netuid"], d["owner_coldkey"], f"{d['n']}/{d['max_uids']}", fmt_price(d["spot_price"]),
                  fmt_price(d["moving_price"]), fmt_units(d["tao_in_rao"]), fmt_units(d["alpha_in"]),
                  fmt_units(d["burn_rao"]), d["tempo"]) for d in data])


@subnet.command("show")
@click.argument("netuid", type=click.IntRange(0, 65535))
@chain_options(required=False)
@json_option
def show(netuid, rpc_url, deployment_file, as_json) -> None:
    """Subnet NETUID's header (owner, pool, burn) and its metagraph."""
    client = client_from(rpc_url, deployment_file)
    block = client.block_number()
    view = subnet_view(client, netuid, block)
    rows = metagraph_rows(client, netuid, block=block)
    if as_json:
        print_json({**_header_json(view), "neurons": rows})
        return
    d = _header_json(view)
    print_pairs(f"subnet {netuid}", [
        ("owner coldkey", d["owner_coldkey"]), ("owner hotkey", d["owner_hotkey"]),
        ("registered at block", d["registered_at"]), ("lock paid", fmt_units(d["lock_paid_rao"], "TAO")),
        ("price", f"{fmt_price(d['spot_price'])} TAO/alpha"), ("moving price", fmt_price(d["moving_price"])),
        ("pool", f"{fmt_units(d['tao_in_rao'], 'TAO')} / {fmt_units(d['alpha_in'], 'alpha')}"),
        ("registration burn", fmt_units(d["burn_rao"], "TAO")), ("tempo", d["tempo"])])
    print_metagraph(netuid, view, rows)


def _bounds(client, netuid: int, hp: Record):
    view = subnet_view(client, netuid)
    return hyperparameter_bounds(client.view("SubnetRegistry", "params"), hp, int(view["n"])), int(view["n"])


@subnet.command("hyperparameters")
@click.argument("netuid", type=click.IntRange(0, 65535))
@chain_options(required=False)
@json_option
def hyperparameters(netuid, rpc_url, deployment_file, as_json) -> None:
    """Subnet NETUID's hyperparameters with the range an owner may set each to."""
    client = client_from(rpc_url, deployment_file)
    subnet_view(client, netuid)
    hp = client.view("SubnetRegistry", "hyperparameters", netuid)
    bounds, _ = _bounds(client, netuid, hp)
    data = {name: {"value": value, "min": bounds[name].low, "max": bounds[name].high} for name, value in hp.items()}
    if as_json:
        print_json(data)
        return
    print_table(f"hyperparameters of subnet {netuid}", ["name", "value", "min", "max"],
                [(n, d["value"], d["min"], d["max"]) for n, d in data.items()])


def _changes(current: Record, assignments: tuple[str, ...]) -> dict:
    changes = {}
    for item in assignments:
        if "=" not in item:
            raise click.BadParameter(f"{item!r}: write NAME=VALUE (e.g. tempo=100)", param_hint="CHANGES")
        name, text = item.split("=", 1)
        field = field_name(name, current)
        changes[field] = parse_hyperparameter(current[field], text)
    return changes


@subnet.command("set")
@click.argument("netuid", type=click.IntRange(0, 65535))
@click.argument("changes", nargs=-1, required=True)
@wallet_options("as a neuron")
@chain_options(required=False)
@yes_option
@json_option
def set_(netuid, changes, wallet_name, hotkey, wallet_path, password_file, rpc_url, deployment_file, yes,
         as_json) -> None:
    """Set hyperparameters of subnet NETUID (owner only): CHANGES are NAME=VALUE pairs, names as
    `subnet hyperparameters` shows them (camelCase or snake_case). Bounds are checked first."""
    client = client_from(rpc_url, deployment_file)
    subnet_view(client, netuid)
    current = client.view("SubnetRegistry", "hyperparameters", netuid)
    proposed = Record({**current, **_changes(current, changes)})
    _, n_uids = _bounds(client, netuid, proposed)
    check_hyperparameters(client.view("SubnetRegistry", "params"), proposed, n_uids)
    diff = [(name, current[name], proposed[name]) for name in current if current[name] != proposed[name]]
    if not as_json:
        print_table(f"changes to subnet {netuid}", ["name", "now", "new"], diff)
    confirm(f"Set {len(diff)} hyperparameter(s) of subnet {netuid}?", yes)
    receipt = set_hyperparameters(client, coldkey_account(wallet_name, wallet_path, password_file), netuid, proposed)
    if as_json:
        print_json(receipt_json(receipt, netuid=netuid, changed={n: new for n, _, new in diff}))
    else:
        click.echo(f"set in block {receipt['blockNumber']}")
