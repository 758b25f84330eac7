"""One way to assert a revert: by the custom error's name and its decoded arguments.

    with expect_revert("PoolLimitPriceExceeded", limit, price):
        send(...)

Addresses among the arguments are compared checksummed; ``ANY`` matches any one argument.
Asserting the arguments too catches a check that reverts for the wrong reason (a boundary
moved, the wrong value compared) that a name-only assertion lets through.
"""

from __future__ import annotations

from contextlib import contextmanager
from unittest.mock import ANY

import pytest
from web3 import Web3

from evmtensor.errors import ContractRevert

__all__ = ["ANY", "expect_revert", "normalised_args"]


def normalised_args(args) -> tuple:
    """Decoded revert arguments with addresses checksummed (eth_abi returns lower case)."""
    return tuple(
        Web3.to_checksum_address(a) if isinstance(a, str) and len(a) == 42 and a.startswith("0x") else a
        for a in args
    )


@contextmanager
def expect_revert(name: str, *args):
    """Expect the block to raise ``ContractRevert(name, args)``; with no ``args`` given the
    error must take none. Yields the pytest ExceptionInfo."""
    with pytest.raises(ContractRevert) as info:
        yield info
    assert info.value.name == name, f"expected {name}, got {info.value}"
    expected = normalised_args(args)
    assert normalised_args(info.value.args_decoded) == expected, (
        f"{name}: expected args {expected}, got {normalised_args(info.value.args_decoded)}"
    )
