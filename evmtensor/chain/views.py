"""Decode contract return values by their ABI: structs become :class:`Record` s named after the
ABI's components, so no caller keeps a hand-written field order that silently drifts when a
struct gains a field.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Record", "decode_outputs", "decode_value", "function_abi"]


class Record(dict):
    """A decoded struct: a dict of its fields that also reads them as attributes (``r.spotPrice``)."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def decode_value(abi_item: dict, value: Any) -> Any:
    """``value`` as web3 returns it for the ABI parameter ``abi_item``, structs as Records."""
    kind = abi_item["type"]
    if not kind.startswith("tuple"):
        return list(value) if kind.endswith("]") else value
    components = abi_item["components"]
    if kind == "tuple":
        return Record((c["name"], decode_value(c, v)) for c, v in zip(components, value, strict=True))
    element = {**abi_item, "type": kind[: kind.rindex("[")]}
    return [decode_value(element, v) for v in value]


def decode_outputs(outputs: list[dict], raw: Any) -> Any:
    """A function's decoded return: the one value, or a Record of several named outputs."""
    if len(outputs) == 1:
        return decode_value(outputs[0], raw)
    if all(o.get("name") for o in outputs):
        return Record((o["name"], decode_value(o, v)) for o, v in zip(outputs, raw, strict=True))
    return tuple(decode_value(o, v) for o, v in zip(outputs, raw, strict=True))


def function_abi(abi: list[dict], name: str, n_args: int | None = None) -> dict:
    """The ABI entry of function ``name`` (with ``n_args`` inputs, when overloaded)."""
    matches = [i for i in abi if i.get("type") == "function" and i.get("name") == name
               and (n_args is None or len(i["inputs"]) == n_args)]
    if len(matches) != 1:
        raise LookupError(f"{len(matches)} ABI functions named {name!r} with {n_args} inputs")
    return matches[0]
