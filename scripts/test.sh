#!/usr/bin/env bash
# The test command: installs what is missing, then runs the whole suite (real Anvil chains,
# real uvicorn servers). Extra arguments go to pytest, e.g. scripts/test.sh tests/oracle -x
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec .venv/bin/python -m pytest -n 2 --dist loadfile --durations=15 "$@"
