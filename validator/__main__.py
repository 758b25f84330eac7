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

from evmtensor.chain.client import ChainClient
from evmtensor.cli.errors import CliCommand, CommandFailed
from evmtensor.cli.options import wallet_options
from evmtensor.protocol import Signer, run_forever
from evmtensor.wallet.passwords import PasswordSource
from evmtensor.wallet.wallet import Wallet
from oracle.epoch.job import schedule
from oracle.relay.client import RelayClient
from validator import parse_target, query_axons
from validator.build import build_validator, chain_metagraph, epoch_job, weights_sink
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
@click.option("--relay-url", default=None, metavar="URL",
              help="Relay for weights and epoch attestations (with --deployment; default "
                   "VALIDATOR_RELAY_URL; none: weights to a file, no attestations).")
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
def main(
    wallet_name: str, hotkey: str, wallet_path: Path | None, password_file: Path | None,
    targets: list, text: str, timeout: float, as_json: bool, deployment: Path | None,
    netuid: int | None, rpc_url: str, gateway_port: int, relay_url: str | None, verbose: bool,
) -> None:
    """Query axons with the simple text task (exit 1 if none gave a verified answer), or run
    the validator on a subnet (--deployment, --netuid)."""
    if bool(targets) == (deployment is not None) or (deployment is not None and netuid is None):
        raise click.UsageError("give --axon (query once) or --deployment with --netuid (run)")
    level = logging.DEBUG if verbose else logging.INFO if deployment else logging.WARNING
    logging.basicConfig(level=level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    account = Wallet(wallet_name, wallet_path).hotkey(PasswordSource(password_file=password_file), hotkey)
    signer = Signer.from_account(account)
    if deployment is not None:
        settings = ValidatorSettings.from_env(
            netuid=netuid, **({"relay_url": relay_url} if relay_url else {}))
        client = ChainClient.connect(rpc_url, deployment)
        relay = RelayClient(settings.relay_url) if settings.relay_url else None
        scheduler = schedule([epoch_job(client, settings, account, relay)],
                             settings.epoch_interval_s) if relay else None
        try:
            validator = build_validator(signer, chain_metagraph(client, settings), settings,
                                        weights_sink(settings, relay))
            run_forever(validator.app(), host="127.0.0.1", port=gateway_port)
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)
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
