"""Deploy EVMTensor's contracts and write the deployment file every component reads.

    python scripts/deploy.py                      # an Anvil of our own, state under .data/
    python scripts/deploy.py --rpc-url URL --deployer-key-file KEYFILE --out deployment.json

Re-running against the same chain reuses what is there (same sources, same profile).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eth_account import Account  # noqa: E402

from evmtensor.chain.anvil import DEFAULT_MNEMONIC, Anvil  # noqa: E402
from evmtensor.chain.connect import connect  # noqa: E402
from evmtensor.chain.deploy import ensure_deployed  # noqa: E402
from evmtensor.errors import EvmTensorError  # noqa: E402
from evmtensor.paths import data_dir  # noqa: E402

DEV_GENESIS_TAO = 100_000 * 10**9  # per development account, in rao


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rpc-url", help="JSON-RPC endpoint (default: start Anvil with persisted state)")
    p.add_argument("--data-dir", type=Path, default=None, help="state folder (default .data/ or $EVMTENSOR_DATA)")
    p.add_argument("--out", type=Path, default=None, help="deployment file (default <data-dir>/deployment.json)")
    p.add_argument("--profile", default="devnet", help="parameter profile: devnet or mainnet")
    p.add_argument("--deployer-key-file", type=Path, help="file holding the deployer's hex private key "
                   "(default: Anvil's first development account, which only makes sense on a devnet)")
    p.add_argument("--genesis", type=Path, help="JSON {address: tao} of genesis TAO (default: 100,000 TAO "
                   "to each of Anvil's 10 development accounts)")
    return p


def _deployer(args) -> Account:
    Account.enable_unaudited_hdwallet_features()
    if args.deployer_key_file:
        return Account.from_key(args.deployer_key_file.read_text().strip())
    return Account.from_mnemonic(DEFAULT_MNEMONIC, account_path="m/44'/60'/0'/0/0")


def _genesis(args) -> list[tuple[str, int]]:
    if args.genesis:
        return [(a, int(float(t) * 10**9)) for a, t in json.loads(args.genesis.read_text()).items()]
    return [
        (Account.from_mnemonic(DEFAULT_MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}").address, DEV_GENESIS_TAO)
        for i in range(10)
    ]


def deploy(args) -> dict:
    folder = args.data_dir or data_dir()
    out = args.out or folder / "deployment.json"
    deployer = _deployer(args)
    if args.rpc_url:
        w3 = connect(args.rpc_url)
        dep, reused = ensure_deployed(w3, deployer, out, profile=args.profile, genesis=_genesis(args))
    else:
        with Anvil(state_file=folder / "anvil-state.json") as node:
            w3 = connect(node.url)
            dep, reused = ensure_deployed(w3, deployer, out, profile=args.profile, genesis=_genesis(args))
    return {"deployment": str(out), "reused": reused, "chainId": dep.chain_id, "addresses": dep.addresses}


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=os.environ.get("LOGLEVEL", "WARNING"))
    args = _parser().parse_args(argv)
    try:
        print(json.dumps(deploy(args), indent=2))
    except EvmTensorError as exc:
        print(f"deploy failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
