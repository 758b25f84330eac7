"""Open a web3 connection to a JSON-RPC endpoint, failing early with a clear message."""

from __future__ import annotations

from web3 import Web3

from evmtensor.errors import ChainError

__all__ = ["connect"]


def connect(rpc_url: str, *, timeout: float = 60.0) -> Web3:
    """A connected :class:`Web3` for ``rpc_url``.

    Raises:
        ChainError: nothing answers JSON-RPC there.
    """
    w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": timeout}))
    if not w3.is_connected():
        raise ChainError(f"no JSON-RPC endpoint answers at {rpc_url}")
    return w3
