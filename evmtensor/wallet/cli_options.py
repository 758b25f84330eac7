"""Click options shared by every command that signs with a wallet hotkey (miner, validator,
and later the CLI): one definition of the flags, one way to turn them into a signer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from evmtensor.protocol.crypto import Signer
from evmtensor.wallet.errors import WalletError
from evmtensor.wallet.passwords import PasswordSource
from evmtensor.wallet.wallet import Wallet

__all__ = ["hotkey_signer", "wallet_options"]


def wallet_options(signs: str) -> Callable:
    """``--wallet-name``, ``--hotkey``, ``--wallet-path``, ``--password-file``; ``signs`` says
    what the hotkey signs (for the help text)."""
    options = [
        click.option("--wallet-name", default="default", show_default=True, help="Wallet to use."),
        click.option("--hotkey", default="default", show_default=True, help=f"Hotkey that signs {signs}."),
        click.option("--wallet-path", type=click.Path(path_type=Path), envvar="EVMTENSOR_WALLET_PATH",
                     help="Wallet root (default ~/.evmtensor/wallets)."),
        click.option("--password-file", type=click.Path(path_type=Path, dir_okay=False),
                     help="File whose first line is the hotkey password; or set "
                          "EVMTENSOR_PASSWORD / EVMTENSOR_PASSWORD_FILE."),
    ]

    def apply(command: Callable) -> Callable:
        for option in reversed(options):
            command = option(command)
        return command

    return apply


def hotkey_signer(wallet: str, hotkey: str, root: Path | None, password_file: Path | None) -> Signer:
    """The signer for ``wallet``'s ``hotkey``; a wallet problem becomes a clean CLI error."""
    try:
        account = Wallet(wallet, root).hotkey(PasswordSource(password_file=password_file), hotkey)
    except WalletError as exc:
        raise click.ClickException(str(exc)) from exc
    return Signer.from_account(account)
