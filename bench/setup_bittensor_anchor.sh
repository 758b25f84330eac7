#!/usr/bin/env bash
# Create bench/.venv-bittensor with bittensor==10.5.0, the last release that ships
# bt.Axon / bt.Dendrite / bt.Synapse. Idempotent: does nothing if it is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=bench/.venv-bittensor
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import importlib.metadata as m; assert m.version("bittensor") == "10.5.0"' 2>/dev/null; then
    echo "bittensor anchor venv ready: $VENV"
    exit 0
fi
python3.11 -m venv "$VENV"
"$VENV/bin/pip" install --quiet bittensor==10.5.0
echo "bittensor anchor venv ready: $VENV"
