"""The relay's settings, read from ``RELAY_*`` environment variables in one place.

Required: ``RELAY_RPC_URL``, ``RELAY_DEPLOYMENT`` (deployment JSON), ``RELAY_DB`` (SQLite file),
``RELAY_SUBMITTER_KEY`` (hex private key of the account that pays gas; never logged). A missing
or malformed value raises :class:`~evmtensor.errors.ConfigError` at start-up naming it.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import Field, SecretStr

from evmtensor.settings import ServiceSettings

__all__ = ["RelaySettings"]


class RelaySettings(ServiceSettings):
    """Every knob of the relay (environment ``RELAY_<NAME>``, upper case)."""

    ENV_PREFIX: ClassVar[str] = "RELAY_"
    rpc_url: str = Field(min_length=1)
    deployment: Path
    db: Path
    submitter_key: SecretStr
    host: str = "127.0.0.1"
    port: int = Field(8800, ge=0, le=65535)
    #: Largest accepted request body (bytes); a 256-UID row is about 2.5 KB of JSON, a 256-UID
    #: attestation up to ~0.5 MB (its bonds bytes in hex when every validator bonds every UID).
    max_body_bytes: int = Field(1_048_576, ge=1024)
    #: Read API calls (each reads the chain) running at once, in all and from one client address;
    #: beyond either a read gets 429 RelayBusy at once.
    read_concurrency: int = Field(8, ge=1, le=256)
    read_concurrency_per_client: int = Field(2, ge=1, le=256)
    #: Rows per transaction (256-UID rows cost ~70k gas each).
    batch_size: int = Field(32, ge=1, le=512)
    #: How long the oldest queued message waits for others to share its transaction.
    batch_delay_s: float = Field(0.2, ge=0)
    #: Worker poll interval when idle.
    poll_interval_s: float = Field(0.1, gt=0)
    #: Attempts before a message whose transaction keeps failing is marked failed.
    max_attempts: int = Field(5, ge=1)
    #: Seconds a broadcast transaction may stay unmined before it is broadcast again.
    resend_after_s: float = Field(30.0, gt=0)
