"""The one place where errors become a message on stderr and an exit code.

Every command raises; the command classes here turn what it raised into what a user reads (the
decoded revert name with a sentence, a wallet or config problem, an unreachable node) as a click
error: one line on stderr, exit code 1 (2 for usage errors, click's own). Never a traceback.
Use ``cls=CliCommand`` for a stand-alone command and ``cls=CliGroup`` for a group (it covers
its subcommands), so ``CliRunner`` tests and real processes behave the same.
"""

from __future__ import annotations

import logging

import click

from evmtensor.errors import ContractRevert, EvmTensorError

__all__ = ["CliCommand", "CliGroup", "CommandFailed"]

log = logging.getLogger(__name__)


class CommandFailed(click.ClickException):
    """A command failed for a reason the user can act on (exit code 1)."""

    exit_code = 1


def _message(exc: BaseException) -> str:
    if isinstance(exc, ContractRevert):
        return f"the chain refused the transaction: {exc}"
    return str(exc) or type(exc).__name__


class _TranslatesErrors:
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (EvmTensorError, OSError) as exc:
            log.debug("command failed", exc_info=True)
            raise CommandFailed(_message(exc)) from exc


class CliCommand(_TranslatesErrors, click.Command):
    """A click command whose project errors become clean CLI errors."""


class CliGroup(_TranslatesErrors, click.Group):
    """A click group whose subcommands' project errors become clean CLI errors."""
