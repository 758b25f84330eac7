"""Options shared by every command (the `evmtensor` group, the miner and the validator): one
definition of each flag and one way to turn flags into a signer or a chain client.

``--rpc-url`` and ``--deployment`` also read ``EVMTENSOR_RPC_URL`` / ``EVMTENSOR_DEPLOYMENT``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click
from eth_account.signers.local import LocalAccount
from web3 import Web3

from evmtensor.chain.client import ChainClient
from evmtensor.paths import data_dir
from evmtensor.protocol.crypto import Signer
from evmtensor.units import PRICE_SCALE, RAO_PER_TAO
from evmtensor.wallet.passwords import PasswordSource
from evmtensor.wallet.wallet import Wallet

__all__ = [
    "ADDRESS",
    "AMOUNT",
    "chain_options",
    "coldkey_account",
    "client_from",
    "hotkey_signer",
    "json_option",
    "price_limit_options",
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


def coldkey_account(wallet: str, root: Path | None, password_file: Path | None) -> LocalAccount:
    """``wallet``'s decrypted coldkey (password from the file, the environment or a prompt)."""
    return Wallet(wallet, root).coldkey(PasswordSource(password_file=password_file))


class _Address(click.ParamType):
    """An EVM address, returned checksummed."""

    name = "address"

    def convert(self, value, param, ctx):
        if isinstance(value, str) and Web3.is_address(value):
            return Web3.to_checksum_address(value)
        self.fail(f"{value!r} is not an address (0x and 40 hex digits)", param, ctx)


class _Amount(click.ParamType):
    """A decimal amount of TAO or alpha (9 decimals), returned in base units."""

    name = "amount"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        try:
            amount = Decimal(str(value)) * RAO_PER_TAO
        except InvalidOperation:
            self.fail(f"{value!r} is not a number", param, ctx)
        if amount <= 0 or amount != amount.to_integral_value():
            self.fail(f"{value!r} must be positive with at most 9 decimals", param, ctx)
        return int(amount)


ADDRESS = _Address()
AMOUNT = _Amount()


def _price(ctx, param, value):
    if value is None:
        return None
    try:
        price = Decimal(value) * PRICE_SCALE
    except InvalidOperation:
        raise click.BadParameter(f"{value!r} is not a number") from None
    if price < 0:
        raise click.BadParameter("a price cannot be negative")
    return int(price)


def price_limit_options(what: str) -> Callable:
    """``--tolerance`` (a fraction of the current price) and ``--limit-price`` (TAO per alpha,
    overrides it); ``what`` says which price the limit bounds (for the help text)."""
    return _stack([
        click.option("--tolerance", type=click.FloatRange(0, 1, max_open=True), default=0.05, show_default=True,
                     help=f"How far {what} may move before the transaction reverts (0.05 = 5%)."),
        click.option("--limit-price", callback=_price, metavar="PRICE",
                     help=f"Absolute limit on {what} (TAO per alpha); overrides --tolerance."),
    ])
