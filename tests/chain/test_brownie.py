"""`brownie compile` and `brownie test` work in this repository (brownie-config.yaml is real)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from evmtensor.paths import REPO_ROOT

pytestmark = pytest.mark.slow


def _brownie(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PATH"] = f"{REPO_ROOT / 'node_modules' / '.bin'}{os.pathsep}{env['PATH']}"
    brownie = Path(sys.executable).parent / "brownie"
    return subprocess.run([str(brownie), *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)


def test_brownie_compiles_and_runs_its_tests():
    if not (Path.home() / ".solcx" / "solc-v0.8.37").exists():
        pytest.fail("scripts/bootstrap.sh links the solc shim into ~/.solcx; run it first")
    compiled = _brownie("compile")
    assert compiled.returncode == 0, compiled.stdout[-2000:] + compiled.stderr[-2000:]
    assert "Project has been compiled" in compiled.stdout
    tested = _brownie("test")
    assert tested.returncode == 0, tested.stdout[-3000:] + tested.stderr[-2000:]
    assert "1 passed" in tested.stdout
