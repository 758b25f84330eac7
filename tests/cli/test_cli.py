"""The `evmtensor` group: commands load lazily, errors become one line on stderr with a non-zero
exit (never a traceback), and the console script is installed."""

from __future__ import annotations

import shutil
import subprocess
import sys

import click
import pytest

from click.testing import CliRunner

from evmtensor.cli import cli
from evmtensor.cli.errors import CliCommand
from evmtensor.errors import ConfigError, ContractRevert
from evmtensor.paths import REPO_ROOT


def test_help_lists_every_command():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in ("deploy", "devnet", "yuma"):
        assert name in result.output


@pytest.mark.parametrize("exc, code, message", [
    (ContractRevert("PoolLimitPriceExceeded", (5, 6)), 1, "Error: the chain refused the transaction: "
                                                          "PoolLimitPriceExceeded(5, 6)"),
    (ConfigError("bad profile"), 1, "Error: bad profile"),
    (PermissionError("cannot write /x"), 1, "Error: cannot write /x"),
    (click.BadParameter("no such hotkey"), 2, "Invalid value: no such hotkey"),
])
def test_errors_become_a_message_and_an_exit_code(exc, code, message):
    @click.command(cls=CliCommand)
    def failing():
        raise exc

    result = CliRunner().invoke(failing, [])
    assert result.exit_code == code and result.exception is None or isinstance(result.exception, SystemExit)
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_group_covers_its_subcommands():
    result = CliRunner().invoke(cli, ["yuma", "explain", "/nonexistent.json", "--epoch", "0", "--uid", "0"])
    assert result.exit_code != 0 and "Traceback" not in result.stderr


def test_unreachable_rpc_is_one_line_on_stderr(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "evmtensor", "deploy", "--rpc-url", "http://127.0.0.1:9", "--out", str(tmp_path / "d.json")],
        capture_output=True, text=True, timeout=120, cwd=REPO_ROOT,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: no JSON-RPC endpoint answers at http://127.0.0.1:9"


def test_usage_errors_exit_2(tmp_path):
    missing = tmp_path / "nope.json"
    result = subprocess.run([sys.executable, "-m", "evmtensor", "yuma", "run", str(missing)],
                            capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    assert result.returncode == 2 and "Traceback" not in result.stderr and "nope.json" in result.stderr


def test_console_script_is_installed():
    script = shutil.which("evmtensor", path=str(REPO_ROOT / ".venv" / "bin"))
    assert script, "the evmtensor console script is missing from .venv/bin"
    assert subprocess.run([script, "--help"], capture_output=True, timeout=60).returncode == 0
