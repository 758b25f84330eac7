"""The ``evmtensor`` command line: one click group, shared options (:mod:`.options`), one place
that turns errors into stderr and an exit code (:mod:`.errors`).

    evmtensor deploy [--rpc-url URL] [--profile devnet|mainnet] ...
    evmtensor devnet up|status|logs|down|mine|snapshot|revert [--data-dir DIR] [--port PORT]
    evmtensor yuma run FILE | explain FILE|NETUID --epoch K --uid U
    evmtensor wallet create|new-hotkey|regen|list|overview|balance|transfer
    evmtensor subnet create|list|show|hyperparameters|set
    evmtensor neuron register|serve
    evmtensor metagraph NETUID
    evmtensor stake add|remove|move|transfer|list
    evmtensor weights set|commit|reveal|check NETUID --uids ... --weights ...

Every chain command takes ``--rpc-url`` and ``--deployment`` (default: the devnet's deployment
in the data folder) and ``--json``; transactions show a preview and ask unless ``--yes``.

Commands are loaded when invoked: the development ones (deploy, devnet) live in
:mod:`evmtensor.devtools.commands`, so importing the CLI, or running a runtime command on a host
with no compiler and no Anvil, never loads the dev tools.
"""

from __future__ import annotations

import importlib
import logging

import click

from evmtensor.cli.errors import CliGroup
from evmtensor.cli.options import verbose_option

__all__ = ["cli", "main"]

#: command name -> "module:attribute" of its click command.
COMMANDS = {
    "deploy": "evmtensor.devtools.commands:deploy",
    "devnet": "evmtensor.devtools.commands:devnet",
    "metagraph": "evmtensor.cli.metagraph:metagraph",
    "neuron": "evmtensor.cli.neuron:neuron",
    "stake": "evmtensor.cli.stake:stake",
    "subnet": "evmtensor.cli.subnet:subnet",
    "wallet": "evmtensor.cli.wallet:wallet",
    "weights": "evmtensor.cli.weights:weights",
    "yuma": "evmtensor.cli.yuma:yuma",
}


class _LazyGroup(CliGroup):
    """A group whose subcommands are imported only when listed or invoked."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return super().get_command(ctx, name)
        module, attribute = COMMANDS[name].split(":")
        return getattr(importlib.import_module(module), attribute)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@verbose_option
def cli(verbose: bool) -> None:
    """EVMTensor: Bittensor's incentive network on an EVM chain."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def main() -> None:
    """The console script ``evmtensor``."""
    cli(prog_name="evmtensor")
