"""Every module of the miner and validator packages has a docstring and an `__all__` that
resolves."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import miner
import validator

MODULES = sorted(f"{pkg.__name__}.{m.name}" for pkg in (miner, validator)
                 for m in pkgutil.iter_modules(pkg.__path__) if m.name != "__main__")


@pytest.mark.parametrize("name", MODULES)
def test_all_is_explicit_and_resolves(name: str):
    module = importlib.import_module(name)
    assert module.__doc__, f"{name} has no module docstring"
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names missing members: {missing}"


def test_settings_read_the_environment():
    from evmtensor.errors import ConfigError
    from miner.settings import MinerSettings
    from validator.settings import ValidatorSettings

    s = ValidatorSettings.from_env({"VALIDATOR_ROUND_INTERVAL_S": "6", "VALIDATOR_SEED": "4"})
    assert s.round_interval_s == 6.0 and s.seed == 4
    assert MinerSettings.from_env({"MINER_MAX_BATCH": "16"}, device="cpu").max_batch == 16
    with pytest.raises(ConfigError, match="MINER_MAX_BATCH"):
        MinerSettings.from_env({"MINER_MAX_BATCH": "0"})
    m = MinerSettings.from_env({"MINER_THREADS": "3", "MINER_VALIDATORS_ONLY": "true"})
    assert (m.threads, m.validators_only) == (3, True)
    assert MinerSettings.from_env({}).threads is None  # the backend's default: cores less one
    with pytest.raises(ConfigError, match="MINER_THREADS"):
        MinerSettings.from_env({"MINER_THREADS": "0"})
