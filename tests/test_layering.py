"""The runtime never loads the dev tools: a miner on another host reading a deployment file
needs no compiler and no Anvil.

Checked twice: statically (no runtime module names ``evmtensor.devtools`` or ``solcx`` in an
import, anywhere in the file) and dynamically (importing every runtime module in a fresh
interpreter loads neither).
"""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys

import pytest

from evmtensor.paths import REPO_ROOT

RUNTIME_PACKAGES = ("evmtensor", "miner", "validator", "oracle")
DEV_ONLY = ("evmtensor.devtools", "solcx", "solc", "brownie")


def _runtime_files():
    for package in RUNTIME_PACKAGES:
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            if "devtools" not in path.relative_to(REPO_ROOT).parts:
                yield path


def _imports(path):
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def _is_dev(module: str) -> bool:
    return any(module == d or module.startswith(d + ".") for d in DEV_ONLY)


@pytest.mark.parametrize("path", list(_runtime_files()), ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_runtime_module_does_not_import_dev_tools(path):
    offending = [m for m in _imports(path) if _is_dev(m)]
    assert not offending, f"{path.relative_to(REPO_ROOT)} imports {offending}"


def _runtime_modules() -> list[str]:
    names = []
    for package in RUNTIME_PACKAGES:
        names.append(package)
        module = __import__(package)
        for info in pkgutil.walk_packages(module.__path__, package + "."):
            if ".devtools" not in info.name and not info.name.endswith("__main__"):
                names.append(info.name)
    return names


def test_importing_every_runtime_module_loads_no_dev_tool():
    code = (
        "import importlib, sys\n"
        f"for name in {_runtime_modules()!r}: importlib.import_module(name)\n"
        f"print([m for m in sys.modules if m.split('.')[0] in {{'solcx', 'brownie'}} or m.startswith('evmtensor.devtools')])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_dev_tools_are_what_the_static_check_looks_for():
    """Guard the guard: the dev tools really do import the compiler (else the checks above pass
    vacuously after a rename)."""
    devtools = REPO_ROOT / "evmtensor" / "devtools"
    imported = {m for path in devtools.glob("*.py") for m in _imports(path)}
    assert "solcx" in imported and "evmtensor.devtools.anvil" in imported
