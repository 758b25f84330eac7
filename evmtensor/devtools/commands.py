"""The development commands of the ``evmtensor`` CLI: ``deploy`` and ``devnet`` (they compile
contracts and run Anvil, so they live with the dev tools; :mod:`evmtensor.cli` loads them
only when one is invoked).

``evmtensor deploy``: deploy the contracts and write the deployment file every component reads.
Without ``--rpc-url`` it deploys to an Anvil of its own whose state is kept under the data
folder; with one, to any JSON-RPC endpoint. Re-running against the same chain reuses what is
there (same sources, same profile).

``evmtensor devnet ...``: the local devnet (:mod:`evmtensor.devtools.devnet_cli`).
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from eth_account import Account

from evmtensor.chain.connect import connect
from evmtensor.cli.errors import CliCommand
from evmtensor.devtools.accounts import dev_account
from evmtensor.devtools.anvil import Anvil
from evmtensor.devtools.deploy import ensure_deployed
from evmtensor.devtools.devnet_cli import devnet
from evmtensor.errors import ConfigError
from evmtensor.paths import data_dir
from evmtensor.units import RAO_PER_TAO, tao_to_rao

__all__ = ["deploy", "devnet"]

DEV_GENESIS_TAO = 100_000  # per development account


def _deployer(key_file: Path | None):
    if key_file is None:
        return dev_account(0)
    try:
        return Account.from_key(key_file.read_text().strip())
    except (ValueError, OSError) as exc:
        raise ConfigError(f"{key_file} does not hold a hex private key: {exc}") from exc


def _genesis(path: Path | None) -> list[tuple[str, int]]:
    if path is None:
        return [(dev_account(i).address, DEV_GENESIS_TAO * RAO_PER_TAO) for i in range(10)]
    try:
        return [(a, tao_to_rao(t)) for a, t in json.loads(path.read_text()).items()]
    except (ValueError, OSError, AttributeError, ArithmeticError) as exc:
        raise ConfigError(f"{path}: expected a JSON object {{address: tao}}: {exc}") from exc


@click.command("deploy", cls=CliCommand)
@click.option("--rpc-url", help="JSON-RPC endpoint (default: an Anvil of our own, state under the data folder).")
@click.option("--data-dir", "folder", type=click.Path(path_type=Path, file_okay=False),
              help="State folder (default .data/ or $EVMTENSOR_DATA).")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False),
              help="Deployment file (default <data-dir>/deployment.json).")
@click.option("--profile", default="devnet", show_default=True, help="Parameter profile: fast, devnet or mainnet.")
@click.option("--deployer-key-file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="File holding the deployer's hex private key (default: Anvil's first development "
                   "account, which only makes sense on a devnet).")
@click.option("--genesis", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="JSON {address: tao} of genesis TAO (default: 100,000 TAO to each of Anvil's 10 "
                   "development accounts).")
def deploy(rpc_url, folder, out, profile, deployer_key_file, genesis) -> None:
    """Deploy the protocol (or reuse a live deployment) and print where it is."""
    folder = folder or data_dir()
    out = out or folder / "deployment.json"
    deployer, alloc = _deployer(deployer_key_file), _genesis(genesis)
    if rpc_url:
        dep, reused = ensure_deployed(connect(rpc_url), deployer, out, profile=profile, genesis=alloc)
    else:
        with Anvil(state_file=folder / "anvil-state.json") as node:
            dep, reused = ensure_deployed(connect(node.url), deployer, out, profile=profile, genesis=alloc)
    click.echo(json.dumps({"deployment": str(out), "reused": reused, "chainId": dep.chain_id,
                           "addresses": dep.addresses}, indent=2))
