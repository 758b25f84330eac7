"""``evmtensor metagraph NETUID``: the table btcli users know, read from MetagraphViews at one block.

Columns: UID, hotkey, coldkey, stake (alpha), trust, consensus, incentive, dividends, emission
(alpha in the last epoch), validator permit, axon, last update (block). Trust and consensus
show "-" while the chain does not keep them.
"""

from __future__ import annotations

import click

from evmtensor.chain.subnets import metagraph_rows, subnet_view
from evmtensor.cli.errors import CliCommand
from evmtensor.cli.options import chain_options, client_from, json_option
from evmtensor.cli.render import fmt_fraction, fmt_price, fmt_units, print_json, print_table

__all__ = ["metagraph", "print_metagraph"]

_SORT_KEYS = ("uid", "stake", "incentive", "dividends", "emission", "last_update")


def _short(address: str | None, wide: bool) -> str | None:
    if address is None or wide:
        return address
    return f"{address[:8]}…{address[-4:]}"


def print_metagraph(netuid: int, header, rows: list[dict], *, wide: bool = False) -> None:
    """Print ``rows`` (from :func:`~evmtensor.chain.subnets.metagraph_rows`) as a table."""
    title = (f"subnet {netuid}: {len(rows)}/{header['hyperparameters']['maxUids']} UIDs at block "
             f"{header['blockNumber']}, price {fmt_price(header['spotPrice'])} TAO/alpha")
    columns = ["UID", "hotkey", "coldkey", "stake", "trust", "consensus", "incentive", "dividends",
               "emission", "permit", "axon", "last update"]
    print_table(title, columns, [
        (r["uid"], _short(r["hotkey"], wide), _short(r["coldkey"], wide), fmt_units(r["stake"]),
         fmt_fraction(r["trust"]), fmt_fraction(r["consensus"]), fmt_fraction(r["incentive"]),
         fmt_fraction(r["dividends"]), fmt_units(r["emission"]), "*" if r["validator_permit"] else "",
         r["axon"], r["last_update"])
        for r in rows
    ])


@click.command("metagraph", cls=CliCommand)
@click.argument("netuid", type=click.IntRange(0, 65535))
@click.option("--sort", "sort_by", type=click.Choice(_SORT_KEYS), default="uid", show_default=True)
@click.option("--wide", is_flag=True, help="Full addresses.")
@chain_options(required=False)
@json_option
def metagraph(netuid, sort_by, wide, rpc_url, deployment_file, as_json) -> None:
    """The neurons of subnet NETUID: stake, Yuma outputs, permits, axons."""
    client = client_from(rpc_url, deployment_file)
    block = client.block_number()
    header = subnet_view(client, netuid, block)
    rows = metagraph_rows(client, netuid, block=block)
    rows.sort(key=lambda r: r[sort_by] or 0, reverse=sort_by != "uid")
    if as_json:
        print_json({"netuid": netuid, "block": block, "neurons": rows})
        return
    print_metagraph(netuid, header, rows, wide=wide)
