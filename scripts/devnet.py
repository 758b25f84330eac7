"""Run the local EVMTensor devnet: Anvil (state kept under the data folder), the protocol
deployed, subnet 1 with validators and miners registered, and its state printed as emission
accrues. Ctrl-C stops it; running it again resumes the same chain."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evmtensor.devnet import DevnetConfig, run  # noqa: E402
from evmtensor.errors import EvmTensorError  # noqa: E402
from evmtensor.paths import data_dir  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data-dir", type=Path, default=None, help="state folder (default .data/devnet)")
    p.add_argument("--port", type=int, default=8545, help="Anvil's JSON-RPC port on 127.0.0.1")
    p.add_argument("--profile", default="devnet", help="parameter profile (devnet or mainnet)")
    p.add_argument("--miners", type=int, default=3)
    p.add_argument("--validators", type=int, default=2)
    p.add_argument("--once", action="store_true", help="print the subnet once and exit")
    args = p.parse_args(argv)
    logging.basicConfig(level=os.environ.get("LOGLEVEL", "WARNING"))
    cfg = DevnetConfig(args.data_dir or data_dir() / "devnet", args.port, args.profile, args.miners, args.validators)
    try:
        run(cfg, once=args.once)
    except EvmTensorError as exc:
        print(f"devnet failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
