"""Command line: ``python -m oracle.yuma run|explain FILE ...``.

Bad input never produces a traceback: ``YumaInputError`` becomes ``error: <field>: <message>``
on stderr and exit code 2 (click's own usage errors also exit 2).
"""
from __future__ import annotations

import json
import sys
from typing import Optional

import click

from .encoding import epoch_hash
from .errors import YumaInputError
from .explain import explain as _explain
from .inputs import YumaMode
from .replay import Replay, replay_file

__all__ = ["main", "result_json"]

_mode = click.option("--mode", type=click.Choice([m.value for m in YumaMode]), default=None,
                     help="exact (default; subtensor's fixed point) or float (float64 research mode).")
_sim = click.option("--sim", is_flag=True, help="FILE is in the yuma_vectors/sim format.")
_quirks = click.option("--quirks/--no-quirks", default=True, show_default=True,
                       help="With --sim: reproduce the simulation's quirks (float mode).")


def _matrix(m, cast) -> list:
    return [[cast(x) for x in row] for row in m.to_dense().tolist()]


def result_json(replay: Replay) -> dict:
    """The ``{"epochs": [...]}`` document printed by ``run``."""
    epochs = []
    for k, (inp, res) in enumerate(zip(replay.inputs, replay.results)):
        entry = {
            "epoch": k,
            "consensus": res.consensus.tolist(), "incentive": res.incentive.tolist(),
            "dividends": res.dividends.tolist(), "validator_trust": res.validator_trust.tolist(),
            "bonds": _matrix(res.bonds, float),
            "server_emission": list(res.server_emission), "validator_emission": list(res.validator_emission),
            "u16": {**{key: [int(x) for x in val] for key, val in res.u16.items()},
                    "bonds": _matrix(res.bonds_u16, int)},
        }
        if res.mode is YumaMode.EXACT:
            entry["epoch_hash"] = "0x" + epoch_hash(inp, res).hex()
        epochs.append(entry)
    return {"epochs": epochs}


def _fail(exc: YumaInputError) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(2)


@click.group()
def main() -> None:
    """Yuma Consensus engine (subtensor parity)."""


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@_mode
@_sim
@_quirks
def run(file: str, mode: Optional[str], sim: bool, quirks: bool) -> None:
    """Replay the epoch sequence in FILE and print every epoch's outputs as JSON."""
    try:
        replay = replay_file(file, mode and YumaMode(mode), sim, quirks)
        click.echo(json.dumps(result_json(replay)))
    except YumaInputError as exc:
        _fail(exc)


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--epoch", "epoch", type=int, required=True, help="Epoch index in FILE (0-based).")
@click.option("--uid", type=int, required=True, help="The UID to explain.")
@_mode
@_sim
@_quirks
def explain(file: str, epoch: int, uid: int, mode: Optional[str], sim: bool, quirks: bool) -> None:
    """Explain in words why UID got what it got in EPOCH."""
    try:
        replay = replay_file(file, mode and YumaMode(mode), sim, quirks)
        if not 0 <= epoch < len(replay.results):
            raise YumaInputError("--epoch", f"must be in [0, {len(replay.results)})")
        click.echo(_explain(replay.inputs[epoch], replay.results[epoch], uid))
    except YumaInputError as exc:
        _fail(exc)
