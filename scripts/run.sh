#!/usr/bin/env bash
# The run command: installs what is missing, then starts (or resumes) the local devnet.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec .venv/bin/evmtensor devnet up "$@"
