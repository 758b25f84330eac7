"""``python -m miner``: serve the simple text task from a wallet hotkey.

Example::

    EVMTENSOR_PASSWORD_FILE=~/.pw python -m miner --wallet-name alice --hotkey default \\
        --port 8091 --allow 0xValidatorHotkey
"""

from __future__ import annotations

import logging
from pathlib import Path

import click

from evmtensor.protocol import run_forever
from evmtensor.cli.errors import CliCommand
from evmtensor.cli.options import hotkey_signer, wallet_options
from evmtensor.errors import EvmTensorError
from evmtensor.protocol.registry import Registry
from miner import build_axon, chain_registry_for, load_registry

log = logging.getLogger("miner")


@click.command(cls=CliCommand, context_settings={"help_option_names": ["-h", "--help"]})
@wallet_options(signs="responses")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8091, show_default=True, type=click.IntRange(0, 65535),
              help="Port to bind (0: any).")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Where the replay-protection log lives (default ~/.evmtensor/miner/<wallet>).")
@click.option("--allow", multiple=True, metavar="HOTKEY",
              help="A validator hotkey allowed to call (repeatable).")
@click.option("--registry-file", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help='JSON [{"hotkey","uid","stake","validator_permit"}] of allowed callers.')
@click.option("--deployment", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Deployment file: admit the callers registered on --netuid on that chain.")
@click.option("--netuid", type=int, help="Subnet whose registered neurons may call (with --deployment).")
@click.option("--rpc-url", default="http://127.0.0.1:8545", show_default=True,
              help="JSON-RPC endpoint of the chain (with --deployment).")
@click.option("--model", "model", metavar="PATH|smollm2",
              help="Serve a model (a folder or .gguf file; smollm2: the packaged SmolLM2) on the "
                   "generate and text tasks, batched; without it the text task echoes. "
                   "MINER_* variables tune it (MINER_MAX_BATCH, MINER_EMBEDDINGS, ...).")
@click.option("--announce", "announce_host", metavar="HOST",
              help="With --deployment and a fixed --port: register the hotkey if it is not "
                   "(the wallet's coldkey pays the burn) and serve HOST:PORT on chain.")
@click.option("--validators-only", is_flag=True, default=None,
              help="With --model: answer only callers holding a validator permit (bittensor's "
                   "force_validator_permit; MINER_VALIDATORS_ONLY), so that a registered copier "
                   "cannot relay the validators' queries here.")
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
def main(
    wallet_name: str, hotkey: str, wallet_path: Path | None, password_file: Path | None,
    host: str, port: int, data_dir: Path | None, allow: tuple[str, ...],
    registry_file: Path | None, deployment: Path | None, netuid: int | None, rpc_url: str,
    model: str | None, announce_host: str | None, validators_only: bool | None, verbose: bool,
) -> None:
    """Start an axon serving the simple text task, signed by the wallet's hotkey."""
    if validators_only and model is None:
        raise click.UsageError("--validators-only needs --model (the echo miner has no gate)")
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    signer = hotkey_signer(wallet_name, hotkey, wallet_path, password_file)
    registry = _registry(allow, registry_file, deployment, netuid, rpc_url)
    folder = data_dir or Path.home() / ".evmtensor" / "miner" / wallet_name
    log.info("miner hotkey %s on %s:%s", signer.address, host, port)
    if announce_host is not None:
        if deployment is None or netuid is None or port == 0:
            raise click.UsageError("--announce needs --deployment, --netuid and a fixed --port")
        from miner.onchain import announce_wallet

        announce_wallet(rpc_url, deployment, netuid, wallet_name, hotkey, wallet_path,
                        password_file, announce_host, port)
    if model is None:
        app = build_axon(signer, registry, folder).app()
    else:  # imported here: the echo miner starts without numpy and the model stack
        from miner.service import build_model_miner
        from miner.settings import MinerSettings

        overrides = {} if validators_only is None else {"validators_only": True}
        settings = MinerSettings.from_env(model=None if model == "smollm2" else Path(model), **overrides)
        app = build_model_miner(signer, registry, folder, settings).app()
    run_forever(app, host=host, port=port)


def _registry(allow, registry_file, deployment, netuid, rpc_url) -> Registry:
    if deployment is not None:
        if netuid is None or allow or registry_file is not None:
            raise click.UsageError("--deployment needs --netuid and excludes --allow/--registry-file")
        try:
            return chain_registry_for(deployment, rpc_url, netuid)
        except EvmTensorError as exc:
            raise click.ClickException(str(exc)) from exc
    try:
        registry = load_registry(allow, registry_file)
    except (ValueError, TypeError) as exc:
        raise click.BadParameter(f"cannot use the allowed callers: {exc}") from exc
    if not allow and registry_file is None:
        log.warning("no --allow, --registry-file or --deployment: every caller will get 403")
    return registry


if __name__ == "__main__":
    main(prog_name="python -m miner")
