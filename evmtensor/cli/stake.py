"""``evmtensor stake``: add, remove, move and transfer stake, each with a preview (amount, price,
slippage, min out, fee) and a confirmation unless ``--yes``; ``list`` a coldkey's positions.

The limit price sent comes from ``--limit-price`` or ``--tolerance`` (see
:mod:`evmtensor.chain.stake`). A preview beyond its limit is not offered for confirmation.
"""

from __future__ import annotations

import click

from evmtensor.chain import actions
from evmtensor.chain.stake import StakePreview, positions, preview_move, preview_stake, preview_unstake
from evmtensor.cli.errors import REVERT_HINTS, CliGroup, CommandFailed
from evmtensor.cli.options import (
    ADDRESS,
    AMOUNT,
    chain_options,
    client_from,
    coldkey_account,
    json_option,
    price_limit_options,
    wallet_options,
    yes_option,
)
from evmtensor.cli.render import confirm, fmt_price, fmt_units, print_json, print_pairs, print_table, receipt_json
from evmtensor.wallet import Wallet

__all__ = ["stake"]

_NETUID = click.IntRange(1, 65535)


@click.group("stake", cls=CliGroup)
def stake() -> None:
    """Stake: add (TAO -> alpha), remove (alpha -> TAO), move, transfer, list."""


def _hotkey(wallet_name, hotkey, wallet_path, address) -> str:
    return address or Wallet(wallet_name, wallet_path).hotkey_address(hotkey)


def _show(p: StakePreview, unit_in: str, unit_out: str) -> None:
    what = "price ratio" if p.kind == "move" and p.destination_netuid != p.netuid else "price"
    pairs = [("amount", fmt_units(p.amount_in, unit_in)), ("fee", fmt_units(p.fee, unit_in)),
             ("expected out", fmt_units(p.amount_out, unit_out)), ("min out", fmt_units(p.min_out, unit_out)),
             (f"{what} now", fmt_price(p.price_before)), (f"{what} after", fmt_price(p.price_after)),
             ("limit", fmt_price(p.limit_price)), ("slippage", f"{p.slippage * 100:.4f}%")]
    if p.tao_moved:
        pairs.insert(2, ("TAO between pools", fmt_units(p.tao_moved, "TAO")))
    print_pairs(f"{p.kind} preview (block {p.block})", pairs)
    if not p.within_limit:
        click.echo("the price after would be beyond the limit", err=True)


def _execute(preview: StakePreview, yes: bool, as_json: bool, units: tuple[str, str], send) -> None:
    """Show, confirm (unless --yes), send, report. A preview beyond its limit is not offered for
    confirmation: without --yes it stops here with the error the chain would give; with --yes it
    is sent and the chain judges (the pool may have moved since the preview)."""
    if not as_json:
        _show(preview, *units)
    if not preview.within_limit and not yes:
        name = "PoolLimitPriceExceeded"
        raise CommandFailed(f"nothing sent: the chain would refuse it with {name}({preview.price_after}, "
                            f"{preview.limit_price}): {REVERT_HINTS[name]}")
    confirm("Send?", yes)
    receipt = send()
    if as_json:
        print_json(receipt_json(receipt, preview=preview.to_json()))
    else:
        click.echo(f"done in block {receipt['blockNumber']} ({receipt_json(receipt)['tx_hash']})")


@stake.command("add")
@click.argument("netuid", type=_NETUID)
@click.option("--amount", required=True, type=AMOUNT, help="TAO to stake.")
@click.option("--hotkey-address", type=ADDRESS, help="Hotkey to stake to (default: the wallet's --hotkey).")
@price_limit_options("the pool price")
@wallet_options("as a neuron")
@chain_options(required=False)
@yes_option
@json_option
def add(netuid, amount, hotkey_address, tolerance, limit_price, wallet_name, hotkey, wallet_path, password_file,
        rpc_url, deployment_file, yes, as_json) -> None:
    """Stake TAO to a hotkey on subnet NETUID (buys alpha)."""
    client = client_from(rpc_url, deployment_file)
    target = _hotkey(wallet_name, hotkey, wallet_path, hotkey_address)
    preview = preview_stake(client, netuid, amount, limit_price=limit_price, tolerance=tolerance)
    _execute(preview, yes, as_json, ("TAO", "alpha"), lambda: actions.stake(
        client, netuid, coldkey_account(wallet_name, wallet_path, password_file), target, amount, preview.limit_price))


def _alpha(client, coldkey: str, hotkey: str, netuid: int, amount: int | None, everything: bool) -> int:
    if everything == (amount is not None):
        raise click.UsageError("give either --amount or --all")
    if amount is not None:
        return amount
    held = client.call(client.contract("StakingPools").functions.stakeOf(coldkey, hotkey, netuid))
    if not held:
        raise CommandFailed(f"{coldkey} has no stake on hotkey {hotkey} in subnet {netuid}")
    return int(held)


@stake.command("remove")
@click.argument("netuid", type=_NETUID)
@click.option("--amount", type=AMOUNT, help="Alpha to unstake.")
@click.option("--all", "everything", is_flag=True, help="Unstake the whole position.")
@click.option("--hotkey-address", type=ADDRESS, help="Hotkey to unstake from (default: the wallet's --hotkey).")
@price_limit_options("the pool price")
@wallet_options("as a neuron")
@chain_options(required=False)
@yes_option
@json_option
def remove(netuid, amount, everything, hotkey_address, tolerance, limit_price, wallet_name, hotkey, wallet_path,
           password_file, rpc_url, deployment_file, yes, as_json) -> None:
    """Unstake alpha from a hotkey on subnet NETUID (sells it for TAO)."""
    client = client_from(rpc_url, deployment_file)
    target = _hotkey(wallet_name, hotkey, wallet_path, hotkey_address)
    cold = Wallet(wallet_name, wallet_path).coldkey_address()
    alpha = _alpha(client, cold, target, netuid, amount, everything)
    preview = preview_unstake(client, netuid, alpha, limit_price=limit_price, tolerance=tolerance)
    _execute(preview, yes, as_json, ("alpha", "TAO"), lambda: actions.unstake(
        client, netuid, coldkey_account(wallet_name, wallet_path, password_file), target, alpha, preview.limit_price))


def _move_options(command):
    for option in reversed([
        click.option("--origin-netuid", required=True, type=_NETUID),
        click.option("--dest-netuid", required=True, type=_NETUID),
        click.option("--amount", type=AMOUNT, help="Alpha to move."),
        click.option("--all", "everything", is_flag=True, help="Move the whole position."),
        price_limit_options("price(origin)/price(destination)"),
        wallet_options("as a neuron"),
        chain_options(required=False), yes_option, json_option,
    ]):
        command = option(command)
    return command


@stake.command("move")
@click.option("--from", "origin_hotkey", type=ADDRESS, help="Hotkey the stake is on (default: the wallet's --hotkey).")
@click.option("--to", "dest_hotkey", required=True, type=ADDRESS, help="Hotkey to move it to.")
@_move_options
def move(origin_hotkey, dest_hotkey, origin_netuid, dest_netuid, amount, everything, tolerance, limit_price,
         wallet_name, hotkey, wallet_path, password_file, rpc_url, deployment_file, yes, as_json) -> None:
    """Move the coldkey's stake to another hotkey and/or subnet."""
    client = client_from(rpc_url, deployment_file)
    origin = _hotkey(wallet_name, hotkey, wallet_path, origin_hotkey)
    cold = Wallet(wallet_name, wallet_path).coldkey_address()
    alpha = _alpha(client, cold, origin, origin_netuid, amount, everything)
    preview = preview_move(client, origin_netuid, dest_netuid, alpha, limit_price=limit_price, tolerance=tolerance)
    _execute(preview, yes, as_json, ("alpha", "alpha"), lambda: actions.move_stake(
        client, coldkey_account(wallet_name, wallet_path, password_file), origin, dest_hotkey, origin_netuid,
        dest_netuid, alpha, preview.limit_price))


@stake.command("transfer")
@click.option("--dest", "dest_coldkey", required=True, type=ADDRESS, help="Coldkey that receives the stake.")
@click.option("--hotkey-address", type=ADDRESS, help="Hotkey the stake is on (default: the wallet's --hotkey).")
@_move_options
def transfer(dest_coldkey, hotkey_address, origin_netuid, dest_netuid, amount, everything, tolerance, limit_price,
             wallet_name, hotkey, wallet_path, password_file, rpc_url, deployment_file, yes, as_json) -> None:
    """Give the coldkey's stake on a hotkey to another coldkey (same hotkey, maybe another subnet)."""
    client = client_from(rpc_url, deployment_file)
    target = _hotkey(wallet_name, hotkey, wallet_path, hotkey_address)
    cold = Wallet(wallet_name, wallet_path).coldkey_address()
    alpha = _alpha(client, cold, target, origin_netuid, amount, everything)
    preview = preview_move(client, origin_netuid, dest_netuid, alpha, limit_price=limit_price, tolerance=tolerance)
    _execute(preview, yes, as_json, ("alpha", "alpha"), lambda: actions.transfer_stake(
        client, coldkey_account(wallet_name, wallet_path, password_file), dest_coldkey, target, origin_netuid,
        dest_netuid, alpha, preview.limit_price))


@stake.command("list")
@click.option("--address", type=ADDRESS, help="Coldkey to list (default: the wallet's).")
@wallet_options("as a neuron")
@chain_options(required=False)
@json_option
def list_(address, wallet_name, hotkey, wallet_path, password_file, rpc_url, deployment_file, as_json) -> None:
    """Every stake position of a coldkey: subnet, hotkey, alpha and its value at the spot price."""
    client = client_from(rpc_url, deployment_file)
    cold = address or Wallet(wallet_name, wallet_path).coldkey_address()
    held = positions(client, cold)
    if as_json:
        print_json([{"netuid": p.netuid, "hotkey": p.hotkey, "alpha": p.alpha, "price": p.price,
                     "tao_value_rao": p.tao_value} for p in held])
        return
    print_table(f"stake of {cold}", ["netuid", "hotkey", "alpha", "price", "value"],
                [(p.netuid, p.hotkey, fmt_units(p.alpha), fmt_price(p.price), fmt_units(p.tao_value, "TAO"))
                 for p in held])
