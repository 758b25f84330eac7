"""Wallet behaviour: creation, regeneration, loading, and the errors users meet."""

from __future__ import annotations

import json
import os
import stat

import pytest
from eth_account import Account

from evmtensor.wallet import (
    COLDKEY_PATH,
    KeyExists,
    KeyNotFound,
    KeystoreCorrupt,
    MnemonicInvalid,
    PasswordSource,
    PasswordUnavailable,
    Wallet,
    WalletError,
    WalletNotFound,
    WrongPassword,
    hotkey_path,
    list_wallets,
)
from evmtensor.wallet.keystore import STANDARD_KDF_N, kdf_n

# The well-known Hardhat/Anvil test mnemonic.
TEST_MNEMONIC = "test test test test test test test test test test test junk"
# Anvil's account #0 for the test mnemonic: the coldkey path is Ethereum's standard account 0.
ANVIL_ACCOUNT_0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"


def test_create_shows_a_fresh_mnemonic_once_and_keys_load(root, passwords):
    cold, hot = Wallet("bob", root).create(passwords, words=24)
    assert cold.mnemonic is not None and len(cold.mnemonic.split()) == 24
    assert cold.mnemonic not in repr(cold)
    loaded = Wallet("bob", root)
    assert loaded.coldkey(passwords).address == cold.address == loaded.coldkey_address()
    assert loaded.hotkey(passwords).address == hot.address == loaded.hotkey_address()
    assert cold.address != hot.address


def test_coldkey_is_standard_account_zero_of_the_mnemonic(wallet, passwords):
    assert COLDKEY_PATH == "m/44'/60'/0'/0/0"
    assert wallet.coldkey_address() == ANVIL_ACCOUNT_0


def test_hotkey_paths_are_distinct_per_name_and_from_the_coldkey():
    paths = {hotkey_path(n) for n in ("default", "miner1", "miner2", "validator")}
    assert len(paths) == 4 and COLDKEY_PATH not in paths
    assert all(p.startswith("m/44'/60'/1'/0/") for p in paths)


def test_regenerate_from_mnemonic_gives_the_same_keys(wallet, root, passwords):
    other = Wallet("restored", root)
    other.regenerate_coldkey(TEST_MNEMONIC, passwords)
    other.regenerate_hotkey("default", TEST_MNEMONIC, passwords)
    assert other.coldkey_address() == wallet.coldkey_address()
    assert other.hotkey_address() == wallet.hotkey_address()


def test_files_are_standard_v3_keystores_any_wallet_can_import(wallet, passwords):
    data = json.loads(wallet.coldkey_file.read_text())
    assert data["version"] == 3 and data["crypto"]["kdf"] == "scrypt"
    key = Account.decrypt(data, "correct horse")
    assert Account.from_key(key).address == wallet.coldkey_address()


def test_key_files_are_private(wallet):
    for path in (wallet.coldkey_file, wallet.hotkey_file("default")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(wallet.path.stat().st_mode) == 0o700


def test_creating_never_overwrites_an_existing_key(wallet, passwords):
    before = wallet.coldkey_file.read_bytes()
    with pytest.raises(KeyExists, match="coldkey.json"):
        wallet.create(passwords)
    with pytest.raises(KeyExists):
        wallet.regenerate_hotkey("default", TEST_MNEMONIC, passwords)
    assert wallet.coldkey_file.read_bytes() == before


def test_create_refuses_before_writing_anything_when_the_hotkey_exists(root, passwords):
    w = Wallet("half", root)
    w.new_hotkey("default", passwords)
    with pytest.raises(KeyExists):
        w.create(passwords)
    assert not w.coldkey_file.exists()


def test_wrong_password_names_the_key_and_file(wallet):
    with pytest.raises(WrongPassword) as info:
        wallet.coldkey(PasswordSource(password="nope"))
    assert "coldkey" in str(info.value) and str(wallet.coldkey_file) in str(info.value)


def test_missing_wallet_and_hotkey_are_clear(root, wallet, passwords):
    with pytest.raises(WalletNotFound, match="'ghost'"):
        Wallet("ghost", root).coldkey(passwords)
    with pytest.raises(KeyNotFound, match="'nope'.*hotkeys here: default"):
        wallet.hotkey(passwords, "nope")
    assert isinstance(KeyNotFound("x"), FileNotFoundError)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("not json", "not JSON"),
        ('{"hello": "world"}', "version"),
        ('[1, 2]', "not an object"),
        ('{"version": 3, "address": "00", "crypto": {}}', "lacks"),
    ],
)
def test_corrupt_or_foreign_files_are_refused(wallet, passwords, content, reason):
    path = wallet.hotkey_file("broken")
    path.write_text(content)
    with pytest.raises(KeystoreCorrupt, match=reason) as info:
        wallet.hotkey(passwords, "broken")
    assert str(path) in str(info.value)


def test_a_keystore_whose_address_was_edited_is_refused(wallet, passwords):
    data = json.loads(wallet.coldkey_file.read_text())
    data["address"] = "11" * 20
    wallet.coldkey_file.write_text(json.dumps(data))
    with pytest.raises(KeystoreCorrupt, match="address changed since it was created"):
        wallet.coldkey(passwords)
    with pytest.raises(KeystoreCorrupt, match="address changed"):
        wallet.coldkey_address()  # refused even where no password is asked
    del data["evmtensor"]["created"]  # a keystore from elsewhere: the decrypted key decides
    wallet.coldkey_file.write_text(json.dumps(data))
    with pytest.raises(KeystoreCorrupt, match="not its stated address"):
        wallet.coldkey(passwords)


def test_unencrypted_hotkey_loads_without_a_password(root, passwords):
    w = Wallet("dev", root)
    created = w.new_hotkey("fast", passwords, encrypt=False)
    assert w.hotkey(PasswordSource(prompt=False), "fast").address == created.address


def test_password_from_file_and_environment(wallet, tmp_path, monkeypatch):
    secret = tmp_path / "pw"
    secret.write_text("correct horse\n")
    address = wallet.coldkey_address()
    assert wallet.coldkey(PasswordSource(password_file=secret)).address == address
    monkeypatch.setenv("EVMTENSOR_PASSWORD", "correct horse")
    assert wallet.coldkey(PasswordSource(prompt=False)).address == address


def test_no_password_source_is_a_clear_error(wallet):
    with pytest.raises(PasswordUnavailable, match="EVMTENSOR_PASSWORD"):
        wallet.coldkey(PasswordSource(prompt=False))


def test_invalid_mnemonic_and_names_are_refused(root, passwords):
    with pytest.raises(MnemonicInvalid):
        Wallet("x", root).regenerate_coldkey("test " * 11 + "test", passwords)
    with pytest.raises(WalletError):
        Wallet("../escape", root)


def test_wallet_root_defaults_to_env(monkeypatch, tmp_path, passwords):
    monkeypatch.setenv("EVMTENSOR_WALLET_PATH", str(tmp_path / "env-root"))
    Wallet("carol").create(passwords)
    assert list_wallets() == ["carol"]
    assert (tmp_path / "env-root" / "carol" / "coldkey.json").is_file()


def test_scrypt_cost_is_standard_unless_lowered(monkeypatch):
    monkeypatch.delenv("EVMTENSOR_KDF_N")
    assert kdf_n() == STANDARD_KDF_N == 262_144
    with pytest.raises(ValueError):
        kdf_n(1000)


def test_every_folder_the_wallet_creates_is_private_parents_included(tmp_path, passwords):
    old = os.umask(0o022)
    try:
        root = tmp_path / "a" / "b" / "wallets"
        w = Wallet("carol", root)
        w.create(passwords)
    finally:
        os.umask(old)
    for folder in (tmp_path / "a", tmp_path / "a" / "b", root, w.path, w.path / "hotkeys"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_an_existing_wallet_folder_open_to_others_is_tightened(wallet, passwords, caplog):
    os.chmod(wallet.path, 0o755)
    os.chmod(wallet.path / "hotkeys", 0o777)
    wallet.new_hotkey("second", passwords)
    assert stat.S_IMODE(wallet.path.stat().st_mode) == 0o700
    assert stat.S_IMODE((wallet.path / "hotkeys").stat().st_mode) == 0o700
    assert "making it 0700" in caplog.text


def _reencrypt(path, password: str, **kw) -> None:
    """Re-encrypt a key file in place with other scrypt parameters, keeping its metadata."""
    data = json.loads(path.read_text())
    key = Account.decrypt(data, password)
    fresh = Account.encrypt(key, password, kdf="scrypt", **kw)
    fresh["evmtensor"] = data["evmtensor"]
    path.write_text(json.dumps(fresh))


def test_a_key_reencrypted_with_other_parameters_is_refused(wallet, passwords):
    _reencrypt(wallet.hotkey_file("default"), "correct horse", iterations=2)
    for load in (lambda: wallet.hotkey(passwords), lambda: wallet.hotkey_address()):
        with pytest.raises(KeystoreCorrupt, match="kdfparams changed since it was created"):
            load()
    assert wallet.coldkey(passwords).address == wallet.coldkey_address()  # the other key is fine


def test_a_flipped_encrypted_flag_is_refused(root, passwords):
    w = Wallet("dev", root)
    w.new_hotkey("fast", passwords, encrypt=False)
    data = json.loads(w.hotkey_file("fast").read_text())
    data["evmtensor"]["encrypted"] = True
    w.hotkey_file("fast").write_text(json.dumps(data))
    with pytest.raises(KeystoreCorrupt, match="encrypted changed"):
        w.hotkey(passwords, "fast")


class _AnswersOnce:
    """A password source whose second question fails (a prompt interrupted, a typo twice)."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def get(self, what: str, *, new: bool = False) -> str:
        self.asked.append(what)
        if len(self.asked) > 1:
            raise PasswordUnavailable(f"the two passwords typed for {what} differ")
        return "first"


def test_create_asks_every_password_before_writing_anything(root):
    w = Wallet("erin", root)
    source = _AnswersOnce()
    with pytest.raises(PasswordUnavailable):
        w.create(source)  # type: ignore[arg-type]
    assert len(source.asked) == 2 and "coldkey" in source.asked[0] and "hotkey" in source.asked[1]
    assert not w.coldkey_file.exists() and not w.hotkey_file("default").exists()


def test_create_removes_the_coldkey_if_the_hotkey_cannot_be_written(root, passwords, monkeypatch):
    w = Wallet("fay", root)

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(w, "_write_hotkey", fail)
    with pytest.raises(OSError):
        w.create(passwords)
    assert not w.coldkey_file.exists()
