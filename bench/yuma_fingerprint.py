"""Fingerprint of Yuma's exact mode: the canonical encoding of every shared vector epoch (exact
mode, chain semantics) and of large random epochs, hashed with sha256, so two machines can
compare that they compute the same bytes (what validators sign).

    python bench/yuma_fingerprint.py [--vectors DIR]

Prints one line per case and a final ``fingerprint <hex>`` line; equal lines on two machines
mean bit-identical epochs there. (sha256 rather than keccak so that it runs where eth_utils is
not installed; the bytes hashed are the same ones ``epoch_hash`` hashes.)
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path


from bench_yuma import make_inputs
from oracle.yuma import encode_epoch, run_epoch
from oracle.yuma.replay import replay_file


def _digest(pairs) -> str:
    h = hashlib.sha256()
    for inputs, result in pairs:
        h.update(encode_epoch(inputs, result))
    return h.hexdigest()


def cases(vectors: Path):
    for path in sorted((vectors / "subtensor_tests").glob("*.json")):
        replay = replay_file(str(path), mode="exact")
        yield f"subtensor/{path.stem}", _digest(zip(replay.inputs, replay.results))
    for path in sorted((vectors / "sim").glob("case*.json")):
        replay = replay_file(str(path), mode="exact", sim=True, quirks=False)
        yield f"sim/{path.stem}", _digest(zip(replay.inputs, replay.results))
    for n, v, density, liquid in ((1024, 128, 1.0, False), (4096, 256, 0.1, True)):
        inputs = make_inputs(n, v, density, seed=11, liquid=liquid)
        yield f"random/n{n}_v{v}_d{density}_liquid{liquid}", _digest([(inputs, run_epoch(inputs, "exact"))])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    default = Path(__file__).resolve().parents[1] / "tests" / "data" / "yuma_vectors"
    parser.add_argument("--vectors", type=Path, default=default)
    args = parser.parse_args()
    total = hashlib.sha256()
    for name, digest in cases(args.vectors):
        print(f"{name} {digest}")
        total.update(digest.encode())
    print(f"fingerprint {total.hexdigest()}")


if __name__ == "__main__":
    main()
