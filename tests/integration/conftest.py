"""Fixtures shared by the devnet command tests."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from evmtensor.devtools.devnet_cli import devnet


@pytest.fixture
def run():
    """``run(*args)``: the ``evmtensor devnet`` group invoked in-process (click's runner)."""

    def _run(*args: str):
        return CliRunner().invoke(devnet, list(args), catch_exceptions=False)

    return _run
