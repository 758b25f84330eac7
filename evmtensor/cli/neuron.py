"""``evmtensor neuron``: register a hotkey on a subnet (the burn shown and confirmed; a
``--max-burn`` guard so a burn that rises before the transaction lands reverts rather than
charging more) and serve its axon endpoint.
"""

from __future__ import annotations

import ipaddress

import click

from evmtensor.chain.actions import register_neuron_receipt, serve_axon
from evmtensor.chain.subnets import subnet_view
from evmtensor.cli.errors import CliGroup, CommandFailed
from evmtensor.cli.options import AMOUNT, chain_options, client_from, json_option, wallet_options, yes_option
from evmtensor.cli.render import confirm, fmt_units, print_json, print_pairs, receipt_json
from evmtensor.wallet import PasswordSource, Wallet

__all__ = ["neuron"]


@click.group("neuron", cls=CliGroup)
def neuron() -> None:
    """Neurons: register a hotkey on a subnet, serve its axon."""


@neuron.command("register")
@click.argument("netuid", type=click.IntRange(1, 65535))
@wallet_options("the registration (it is registered)")
@click.option("--max-burn", type=AMOUNT, help="Most TAO to burn (default: the burn shown).")
@chain_options(required=False)
@yes_option
@json_option
def register(netuid, wallet_name, hotkey, wallet_path, password_file, max_burn, rpc_url, deployment_file, yes,
             as_json) -> None:
    """Burn-register the wallet's hotkey on subnet NETUID, paid by its coldkey."""
    client = client_from(rpc_url, deployment_file)
    view = subnet_view(client, netuid)
    w = Wallet(wallet_name, wallet_path)
    cold, hot = w.coldkey_address(), w.hotkey_address(hotkey)
    burn = int(view["burn"])
    if client.call(client.contract("NeuronRegistry").functions.isRegistered(netuid, hot)):
        raise CommandFailed(f"hotkey {hot} is already registered on subnet {netuid}")
    if not as_json:
        print_pairs(f"register on subnet {netuid}", [
            ("coldkey", cold), ("hotkey", hot), ("burn", fmt_units(burn, "TAO")),
            ("max burn", fmt_units(max_burn or burn, "TAO")),
            ("UIDs", f"{view['n']}/{view['hyperparameters']['maxUids']}")])
    confirm(f"Burn {fmt_units(burn, 'TAO')} to register on subnet {netuid}?", yes)
    passwords = PasswordSource(password_file=password_file)
    receipt = register_neuron_receipt(client, netuid, w.coldkey(passwords), w.hotkey(passwords, hotkey),
                                      max_burn or burn)
    (event,) = client.events(receipt, "NeuronRegistry", "NeuronRegistered")
    args = event["args"]
    if as_json:
        print_json(receipt_json(receipt, netuid=netuid, uid=args["uid"], hotkey=hot, burn_rao=args["burn"],
                                replaced=args["replaced"]))
    else:
        click.echo(f"registered {hot} as UID {args['uid']} on subnet {netuid}, burned "
                   f"{fmt_units(args['burn'], 'TAO')} (block {receipt['blockNumber']})")


def _ip(ctx, param, value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an IPv4 or IPv6 address") from None


@neuron.command("serve")
@click.argument("netuid", type=click.IntRange(1, 65535))
@click.option("--ip", required=True, callback=_ip, help="Public IP of the axon.")
@click.option("--port", required=True, type=click.IntRange(1, 65535))
@click.option("--protocol", type=click.IntRange(0, 255), default=4, show_default=True)
@click.option("--version", "axon_version", type=click.IntRange(0, 2**32 - 1), default=1, show_default=True)
@wallet_options("the serve transaction (it pays the gas)")
@chain_options(required=False)
@json_option
def serve(netuid, ip, port, protocol, axon_version, wallet_name, hotkey, wallet_path, password_file, rpc_url,
          deployment_file, as_json) -> None:
    """Publish the hotkey's axon endpoint on subnet NETUID (sent by the hotkey)."""
    client = client_from(rpc_url, deployment_file)
    subnet_view(client, netuid)
    account = Wallet(wallet_name, wallet_path).hotkey(PasswordSource(password_file=password_file), hotkey)
    receipt = serve_axon(client, netuid, account, ip, port, protocol, axon_version)
    if as_json:
        print_json(receipt_json(receipt, netuid=netuid, hotkey=account.address, ip=ip, port=port))
    else:
        click.echo(f"serving {ip}:{port} for {account.address} on subnet {netuid} (block {receipt['blockNumber']})")
