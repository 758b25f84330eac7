"""``python -m validator``: query a list of axons with the simple text task and print results.

Example::

    python -m validator --wallet-name bob --axon http://127.0.0.1:8091@0xMinerHotkey --text hi
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import click

from evmtensor.cli.errors import CliCommand, CommandFailed
from evmtensor.cli.options import hotkey_signer, wallet_options
from evmtensor.protocol import run_forever
from validator import parse_target, query_axons
from validator.build import build_validator, chain_metagraph
from validator.settings import ValidatorSettings


def _targets(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> list:
    try:
        return [parse_target(v) for v in values]
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


@click.command(cls=CliCommand, context_settings={"help_option_names": ["-h", "--help"]})
@wallet_options(signs="requests")
@click.option("--axon", "targets", multiple=True, callback=_targets,
              metavar="URL@HOTKEY",
              help="Axon to query: http://127.0.0.1:8091@0xabc… (repeatable).")
@click.option("--text", default="hello", show_default=True, help="The text to send.")
@click.option("--timeout", default=12.0, show_default=True,
              type=click.FloatRange(0, 3600, min_open=True), help="Seconds per query.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per axon.")
@click.option("--deployment", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Run the validator on --netuid of this deployment: rounds, weights and the "
                   "OpenAI-compatible gateway (VALIDATOR_* variables tune it).")
@click.option("--netuid", type=int, help="Subnet to validate (with --deployment).")
@click.option("--rpc-url", default="http://127.0.0.1:8545", show_default=True,
              help="JSON-RPC endpoint of the chain (with --deployment).")
@click.option("--gateway-port", default=8100, show_default=True, type=int,
              help="Port of the gateway (with --deployment; 0: any).")
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
def main(
    wallet_name: str, hotkey: str, wallet_path: Path | None, password_file: Path | None,
    targets: list, text: str, timeout: float, as_json: bool, deployment: Path | None,
    netuid: int | None, rpc_url: str, gateway_port: int, verbose: bool,
) -> None:
    """Query axons with the simple text task (exit 1 if none gave a verified answer), or run
    the validator on a subnet (--deployment, --netuid)."""
    if bool(targets) == (deployment is not None) or (deployment is not None and netuid is None):
        raise click.UsageError("give --axon (query once) or --deployment with --netuid (run)")
    level = logging.DEBUG if verbose else logging.INFO if deployment else logging.WARNING
    logging.basicConfig(level=level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    signer = hotkey_signer(wallet_name, hotkey, wallet_path, password_file)
    if deployment is not None:
        settings = ValidatorSettings.from_env(netuid=netuid)
        source = chain_metagraph(rpc_url, deployment, settings)
        run_forever(build_validator(signer, source, settings).app(), host="127.0.0.1",
                    port=gateway_port)
        return
    results = asyncio.run(query_axons(signer, targets, text, timeout))
    for r in results:
        text_out = r.response.text if r.response else None
        row = {"axon": r.target.url, "hotkey": r.target.hotkey, "ok": r.ok, "status": r.status,
               "ms": round(r.elapsed_ms, 2), "text": text_out,
               "error": str(r.error) if r.error else None}
        outcome = f"OK {text_out!r}" if r.ok else f"FAIL {r.error}"
        click.echo(json.dumps(row) if as_json else f"{r.target.url} {outcome} ({row['ms']} ms)")
    if not any(r.ok for r in results):
        raise CommandFailed(f"none of the {len(results)} axons gave a verified answer")


if __name__ == "__main__":
    main(prog_name="python -m validator")
