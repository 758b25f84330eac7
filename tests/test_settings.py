"""The settings pattern: environment variables by prefix, required values failing at start-up
with the variable's name, types coerced, tests building settings without touching os.environ."""

from __future__ import annotations

from typing import ClassVar

import pytest

from evmtensor.errors import ConfigError
from evmtensor.settings import ServiceSettings, get_settings


class _Relay(ServiceSettings):
    ENV_PREFIX: ClassVar[str] = "RELAY_"
    rpc_url: str
    port: int = 8600
    netuids: list[int] = [1]
    debug: bool = False


def test_values_come_from_prefixed_variables_and_are_typed():
    s = _Relay.from_env({"RELAY_RPC_URL": "http://x", "RELAY_PORT": "9000", "RELAY_NETUIDS": "[2, 3]",
                         "RELAY_DEBUG": "true", "OTHER_PORT": "1"})
    assert (s.rpc_url, s.port, s.netuids, s.debug) == ("http://x", 9000, [2, 3], True)


def test_a_missing_required_value_names_the_variable():
    with pytest.raises(ConfigError, match="RELAY_RPC_URL: Field required"):
        _Relay.from_env({})


def test_a_bad_value_names_the_variable():
    with pytest.raises(ConfigError, match="RELAY_PORT: .*integer"):
        _Relay.from_env({"RELAY_RPC_URL": "u", "RELAY_PORT": "eighty"})


def test_overrides_win_and_settings_are_frozen():
    s = _Relay.from_env({"RELAY_RPC_URL": "env"}, rpc_url="override")
    assert s.rpc_url == "override"
    with pytest.raises(ValueError):
        s.port = 1  # type: ignore[misc]


def test_get_settings_reads_the_environment_once(monkeypatch):
    monkeypatch.setenv("RELAY_RPC_URL", "first")
    get_settings.cache_clear()
    try:
        assert get_settings(_Relay).rpc_url == "first"
        monkeypatch.setenv("RELAY_RPC_URL", "second")
        assert get_settings(_Relay).rpc_url == "first"
    finally:
        get_settings.cache_clear()
