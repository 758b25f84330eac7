"""Where a keystore password comes from: an explicit value, a file, the environment or a prompt.

Resolution order (first that answers wins):

1. ``password=`` given in code;
2. ``password_file=`` (or ``$EVMTENSOR_PASSWORD_FILE``): the file's first line, for servers;
3. ``$EVMTENSOR_PASSWORD``;
4. an interactive prompt (``getpass``), only when stdin is a terminal; new passwords are typed
   twice.

Otherwise `PasswordUnavailable` names the options. Passwords are never logged.
"""

from __future__ import annotations

import getpass
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from evmtensor.wallet.errors import PasswordUnavailable

__all__ = ["PASSWORD_ENV", "PASSWORD_FILE_ENV", "PasswordSource"]

PASSWORD_ENV = "EVMTENSOR_PASSWORD"
PASSWORD_FILE_ENV = "EVMTENSOR_PASSWORD_FILE"


@dataclass(frozen=True, repr=False)
class PasswordSource:
    """Answers "what is the password for X?" without the caller caring where it comes from."""

    password: str | None = None
    password_file: Path | None = None
    prompt: bool = True

    def __repr__(self) -> str:  # never show the secret
        return f"PasswordSource(file={self.password_file}, prompt={self.prompt})"

    def get(self, what: str, *, new: bool = False) -> str:
        """The password for `what` (e.g. "coldkey of wallet 'alice'"); `new` asks twice."""
        if self.password is not None:
            return self.password
        path = self.password_file or _env_path(PASSWORD_FILE_ENV)
        if path is not None:
            return _read_password_file(path)
        env = os.environ.get(PASSWORD_ENV)
        if env is not None:
            return env
        if self.prompt and sys.stdin is not None and sys.stdin.isatty():
            return _prompt(what, new=new)
        raise PasswordUnavailable(
            f"no password for {what}: pass --password-file, set {PASSWORD_FILE_ENV} or "
            f"{PASSWORD_ENV}, or run in a terminal to be prompted"
        )


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value).expanduser() if value else None


def _read_password_file(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise PasswordUnavailable(f"cannot read password file {path}: {exc.strerror}") from exc
    return lines[0] if lines else ""


def _prompt(what: str, *, new: bool) -> str:
    first = getpass.getpass(f"Password for {what}: ")
    if new and getpass.getpass("Repeat password: ") != first:
        raise PasswordUnavailable(f"the two passwords typed for {what} differ")
    return first
