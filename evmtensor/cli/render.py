"""How commands print: a rich table (or key/value panel) for people, JSON with ``--json`` for
programs, and the one confirmation step before a transaction.

JSON keeps exact integers in base units (rao, alpha base units, 1e18-scaled prices) so a script
never loses precision; tables show decimals.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import click
from hexbytes import HexBytes
from rich.console import Console
from rich.table import Table

from evmtensor.units import PRICE_SCALE, RAO_PER_TAO

__all__ = ["confirm", "console", "fmt_fraction", "fmt_price", "fmt_units", "print_json", "print_pairs",
           "print_table", "receipt_json"]


def console(stderr: bool = False) -> Console:
    """A console on the current stdout (click's runner swaps it). Piped output is never folded
    to a terminal width (a table's rows stay one line each, whatever $COLUMNS says)."""
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else 400
    return Console(file=stream, width=width, soft_wrap=False, highlight=False)


def _default(value: Any):
    if isinstance(value, (bytes, HexBytes)):
        return "0x" + bytes(value).hex()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, tuple)):
        return list(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=1, default=_default))


def fmt_units(amount: int | None, symbol: str = "") -> str:
    """Base units (9 decimals) as a decimal string, trailing zeros trimmed."""
    if amount is None:
        return "-"
    text = f"{Decimal(int(amount)) / RAO_PER_TAO:,.9f}".rstrip("0").rstrip(".")
    return f"{text} {symbol}".strip()


def fmt_price(price: int | None) -> str:
    """A 1e18-scaled price as a decimal with 9 places."""
    return "-" if price is None else f"{Decimal(int(price)) / PRICE_SCALE:.9f}"


def fmt_fraction(value: float | None, digits: int = 4) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("-" if v is None else str(v) for v in row))
    console().print(table)


def print_pairs(title: str, pairs: Iterable[tuple[str, Any]]) -> None:
    table = Table(title=title, show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for key, value in pairs:
        table.add_row(key, "-" if value is None else str(value))
    console().print(table)


def confirm(question: str, yes: bool) -> None:
    """Ask ``question`` unless ``--yes``; a "no" (or no terminal answer) aborts with exit 1."""
    if not yes:
        click.confirm(question, abort=True, err=True)


def receipt_json(receipt: dict, **extra: Any) -> dict:
    return {"tx_hash": "0x" + bytes(receipt["transactionHash"]).hex(), "block": receipt["blockNumber"],
            "gas_used": receipt["gasUsed"], **extra}
