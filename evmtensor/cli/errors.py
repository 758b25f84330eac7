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
from web3 import Web3

from evmtensor.errors import ContractRevert, EvmTensorError

__all__ = ["REVERT_HINTS", "CliCommand", "CliGroup", "CommandFailed"]

log = logging.getLogger(__name__)


class CommandFailed(click.ClickException):
    """A command failed for a reason the user can act on (exit code 1)."""

    exit_code = 1


#: revert name -> what it means for the person at the keyboard, and what to do about it.
REVERT_HINTS = {
    "PoolLimitPriceExceeded": "the price would move past your limit; raise --tolerance or --limit-price, "
                              "or send a smaller amount",
    "PoolStakeBelowMinimum": "the amount is below the minimum stake",
    "PoolInsufficientStake": "you do not have that much stake there (see `evmtensor stake list`)",
    "PoolInsufficientLiquidity": "the pool does not hold enough to pay that out; send a smaller amount",
    "PoolZeroOutput": "the amount is too small to buy anything",
    "PoolZeroAmount": "the amount must be positive",
    "PoolNotFound": "that subnet has no pool (see `evmtensor subnet list`)",
    "PoolUnknownHotkey": "that hotkey was never registered on any subnet",
    "PoolDeadlineExpired": "the transaction's deadline passed before it was mined; try again",
    "TaoInsufficientBalance": "the balance does not cover the amount (see `evmtensor wallet balance`)",
    "TaoZeroAddress": "the destination is the zero address",
    "SubnetNotFound": "there is no such subnet (see `evmtensor subnet list`)",
    "SubnetNotOwner": "only the subnet's owner coldkey may do that",
    "SubnetHyperparameterOutOfBounds": "that value is outside the hyperparameter's bounds "
                                       "(see `evmtensor subnet hyperparameters`)",
    "SubnetLockAboveLimit": "the lock cost rose above your limit; check the cost and try again",
    "SubnetLockNotCovered": "the balance does not cover the subnet lock cost",
    "SubnetRegistrationRateLimited": "subnet registration is rate limited; wait for the block named",
    "SubnetLimitAllImmune": "the subnet limit is reached and every subnet is still immune",
    "NeuronRegistrySubnetNotFound": "there is no such subnet (see `evmtensor subnet list`)",
    "NeuronRegistryAlreadyRegistered": "that hotkey is already registered on this subnet",
    "NeuronRegistryNotRegistered": "that hotkey is not registered on this subnet",
    "NeuronRegistryHotkeyOwnedByOther": "that hotkey belongs to another coldkey",
    "NeuronRegistryBurnAboveLimit": "the burn rose above your limit; check the burn and try again",
    "NeuronRegistryBurnNotCovered": "the balance does not cover the registration burn",
    "NeuronRegistrySubnetFullOfImmune": "the subnet is full and every UID is still immune",
    "NeuronRegistryRegistrationClosed": "registration on this subnet is closed (maxUids is 0)",
    "NeuronRegistryServingRateLimited": "the axon was served too recently; wait for the block named",
    "NeuronRegistryAxonInvalidPort": "the port must be between 1 and 65535",
    "NeuronRegistryAxonInvalidIp": "that IP address cannot be served",
    "NeuronRegistryInvalidSignature": "the hotkey signature does not match the hotkey",
    "NeuronRegistryDeadlineExpired": "the signature's deadline passed; try again",
}


def _revert_text(exc: ContractRevert) -> str:
    """``Name(arg, ...)`` with addresses checksummed, as a user copies them elsewhere."""
    args = [Web3.to_checksum_address(a) if isinstance(a, str) and Web3.is_address(a) else a
            for a in exc.args_decoded]
    return f"{exc.name}({', '.join(repr(a) for a in args)})"


def _message(exc: BaseException) -> str:
    if isinstance(exc, ContractRevert):
        hint = REVERT_HINTS.get(exc.name)
        return f"the chain refused the transaction: {_revert_text(exc)}" + (f": {hint}" if hint else "")
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
