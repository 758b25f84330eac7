"""Every Anvil the project starts keeps its old block states in a folder of its own, removed
when it stops or is killed; nothing piles up in ~/.foundry/anvil/tmp (long runs filled a disk)."""

from __future__ import annotations

import os
from pathlib import Path

from web3 import Web3

from evmtensor.devtools.anvil import Anvil

FOUNDRY_TMP = Path.home() / ".foundry" / "anvil" / "tmp"


def _entries() -> set[str]:
    return set(os.listdir(FOUNDRY_TMP)) if FOUNDRY_TMP.is_dir() else set()


def _churn(node: Anvil, blocks: int = 300) -> None:
    """Enough blocks that Anvil moves old states out of memory into its cache folder."""
    w3 = Web3(Web3.HTTPProvider(node.url))
    w3.provider.make_request("anvil_mine", [hex(blocks)])


def test_stopped_and_killed_anvils_leave_no_state_behind():
    before = _entries()
    stopped = Anvil()
    with stopped:
        cache = Path(stopped._cache_dir)
        assert cache.is_dir() and "--cache-path" in stopped.command()
        _churn(stopped)
    assert not cache.exists()

    killed = Anvil().start()
    cache = Path(killed._cache_dir)
    _churn(killed)
    killed.kill()
    assert not cache.exists()
    assert _entries() == before
