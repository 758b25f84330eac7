"""Options shared by every command (the `evmtensor` group, the miner and the validator): one
definition of each flag and one way to turn flags into a signer or a chain client.

``--rpc-url`` and ``--deployment`` also read ``EVMTENSOR_RPC_URL`` / ``EVMTENSOR_DEPLOYMENT``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from evmtensor.chain.client import ChainClient
from evmtensor.paths import data_dir
from evmtensor.protocol.crypto import Signer
from evmtensor.wallet.passwords import PasswordSource
from evmtensor.wallet.wallet import Wallet

__all__ = [
    "chain_options",
    "client_from",
    "hotkey_signer",
    "json_option",
    "verbose_option",
    "wallet_options",
    "yes_option",
]

DEFAULT_RPC_URL = "http://127.0.0.1:8545"


def _stack(options: list[Callable]) -> Callable:
    def apply(command: Callable) -> Callable:
        for option in reversed(options):
            command = option(command)
        return command

    return apply


def wallet_options(signs: str) -> Callable:
    """``--wallet-name``, ``--hotkey``, ``--wallet-path``, ``--password-file``; ``signs`` says
    what the hotkey signs (for the help text)."""
    return _stack([
        click.option("--wallet-name", default="default", show_default=True, help="Wallet to use."),
        click.option("--hotkey", default="default", show_default=True, help=f"Hotkey that signs {signs}."),
        click.option("--wallet-path", type=click.Path(path_type=Path), envvar="EVMTENSOR_WALLET_PATH",
                     help="Wallet root (default ~/.evmtensor/wallets)."),
        click.option("--password-file", type=click.Path(path_type=Path, dir_okay=False),
                     help="File whose first line is the hotkey password; or set "
                          "EVMTENSOR_PASSWORD / EVMTENSOR_PASSWORD_FILE."),
    ])


def chain_options(required: bool = True) -> Callable:
    """``--rpc-url`` and ``--deployment`` (the deployment file every component reads)."""
    return _stack([
        click.option("--rpc-url", default=DEFAULT_RPC_URL, show_default=True, envvar="EVMTENSOR_RPC_URL",
                     help="JSON-RPC endpoint of the chain."),
        click.option("--deployment", "deployment_file", type=click.Path(path_type=Path, dir_okay=False),
                     envvar="EVMTENSOR_DEPLOYMENT", required=required,
                     help="Deployment file (chain id, addresses, ABIs); default <data>/devnet/deployment.json."
                     if not required else "Deployment file (chain id, addresses, ABIs)."),
    ])


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
yes_option = click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
verbose_option = click.option("-v", "--verbose", is_flag=True, help="Debug logging.")


def hotkey_signer(wallet: str, hotkey: str, root: Path | None, password_file: Path | None) -> Signer:
    """The signer for ``wallet``'s ``hotkey`` (a WalletError reaches the CLI's error handler)."""
    account = Wallet(wallet, root).hotkey(PasswordSource(password_file=password_file), hotkey)
    return Signer.from_account(account)


def client_from(rpc_url: str, deployment_file: Path | None) -> ChainClient:
    """A checked client for the deployment file (default: the devnet's) at ``rpc_url``."""
    path = deployment_file or data_dir() / "devnet" / "deployment.json"
    return ChainClient.connect(rpc_url, path)
