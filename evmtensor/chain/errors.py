"""Decode reverts into named exceptions.

Every custom error of every compiled contract is indexed by its 4-byte selector, so a revert
from any protocol contract (including one reached through a cross-contract call) surfaces as
``ContractRevert("PoolLimitPriceExceeded", (limit, price))`` rather than a hex blob.
"""

from __future__ import annotations

import json
from functools import lru_cache

from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils import function_signature_to_4byte_selector
from web3.exceptions import ContractCustomError, ContractLogicError, ContractPanicError

from evmtensor.errors import ContractRevert

__all__ = ["decode_revert", "revert_from_exception", "error_selectors"]

_ERROR_STRING = bytes.fromhex("08c379a0")  # Error(string)
_PANIC = bytes.fromhex("4e487b71")  # Panic(uint256)


def _abi_type(item: dict) -> str:
    """Canonical ABI type of one input, expanding tuples."""
    kind = item["type"]
    if kind.startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in item["components"])
        return f"({inner}){kind[len('tuple'):]}"
    return kind


@lru_cache(maxsize=8)
def _selector_table(abis_json: str) -> dict[bytes, tuple[str, list[str]]]:
    table: dict[bytes, tuple[str, list[str]]] = {}
    for abi in json.loads(abis_json):
        for item in abi:
            if item.get("type") != "error":
                continue
            types = [_abi_type(i) for i in item["inputs"]]
            selector = function_signature_to_4byte_selector(f"{item['name']}({','.join(types)})")
            table[selector] = (item["name"], types)
    return table


def error_selectors(abis: list[list[dict]]) -> dict[bytes, tuple[str, list[str]]]:
    """``{selector: (name, arg types)}`` for every custom error in ``abis``."""
    return _selector_table(json.dumps(abis, sort_keys=True))


def decode_revert(data: bytes | str | None, abis: list[list[dict]]) -> ContractRevert:
    """Turn raw revert data into a :class:`ContractRevert` named after the error."""
    if isinstance(data, str):
        data = bytes.fromhex(data.removeprefix("0x")) if data else b""
    data = data or b""
    hex_data = "0x" + data.hex()
    selector, payload = data[:4], data[4:]
    try:
        if selector == _ERROR_STRING:
            return ContractRevert("Error", abi_decode(["string"], payload), data=hex_data)
        if selector == _PANIC:
            return ContractRevert("Panic", abi_decode(["uint256"], payload), data=hex_data)
        known = error_selectors(abis).get(selector)
        if known:
            name, types = known
            return ContractRevert(name, abi_decode(types, payload), data=hex_data)
    except DecodingError:
        pass
    return ContractRevert("Unknown", (hex_data,), data=hex_data)


def revert_from_exception(exc: Exception, abis: list[list[dict]]) -> ContractRevert | None:
    """The decoded revert inside a web3 exception, or None if it is not a revert."""
    if isinstance(exc, ContractCustomError):
        return decode_revert(exc.data if isinstance(exc.data, str) else exc.message, abis)
    if isinstance(exc, ContractPanicError):
        return decode_revert(exc.data, abis)
    if isinstance(exc, ContractLogicError):
        if isinstance(exc.data, str) and exc.data.startswith("0x"):
            return decode_revert(exc.data, abis)
        return ContractRevert("Error", (exc.message,))
    return None
