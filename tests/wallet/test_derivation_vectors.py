"""Known-answer vectors for key derivation: a silent change here would orphan every user's keys.

The reference below derives keys with nothing from our code or eth_account's HD wallet: BIP-39
seeds with ``hashlib.pbkdf2_hmac``, BIP-32 child keys with ``hmac`` and a few lines of
secp256k1 arithmetic, addresses with keccak. It is checked against published vectors (the
BIP-39 reference vector and the accounts every Hardhat/Anvil install prints for the test
mnemonic), then used to pin our coldkey and hotkey paths and addresses. The addresses are
also written out as literals so that a change in both the reference and the code still fails.
"""
from __future__ import annotations

import hashlib
import hmac

import pytest
from eth_utils import keccak, to_checksum_address

from evmtensor.wallet import Wallet
from evmtensor.wallet.mnemonic import COLDKEY_PATH, derive_private_key, hotkey_index, hotkey_path

# The well-known Hardhat/Anvil test mnemonic.
TEST_MNEMONIC = "test test test test test test test test test test test junk"

# ------------------------------------------------------------------ independent reference

_P = 2**256 - 2**32 - 977
_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_G = (0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
      0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8)
_HARDENED = 0x8000_0000


def _add(p, q):
    if p is None:
        return q
    if q is None:
        return p
    if p[0] == q[0] and (p[1] + q[1]) % _P == 0:
        return None
    if p == q:
        lam = 3 * p[0] * p[0] * pow(2 * p[1], -1, _P) % _P
    else:
        lam = (q[1] - p[1]) * pow(q[0] - p[0], -1, _P) % _P
    x = (lam * lam - p[0] - q[0]) % _P
    return x, (lam * (p[0] - x) - p[1]) % _P


def _point(k: int):
    result, addend = None, _G
    while k:
        if k & 1:
            result = _add(result, addend)
        addend = _add(addend, addend)
        k >>= 1
    return result


def _compressed(k: int) -> bytes:
    x, y = _point(k)
    return bytes([2 + (y & 1)]) + x.to_bytes(32, "big")


def ref_seed(mnemonic: str, passphrase: str = "") -> bytes:
    """BIP-39: PBKDF2-HMAC-SHA512(mnemonic, "mnemonic" + passphrase, 2048 rounds)."""
    return hashlib.pbkdf2_hmac("sha512", mnemonic.encode(), ("mnemonic" + passphrase).encode(), 2048)


def ref_private_key(seed: bytes, path: str) -> int:
    """BIP-32 private child derivation along ``path`` (``m/44'/60'/...``)."""
    digest = hmac.new(b"Bitcoin seed", seed, hashlib.sha512).digest()
    key, chain = int.from_bytes(digest[:32], "big"), digest[32:]
    for part in path.split("/")[1:]:
        index = int(part.rstrip("'")) + (_HARDENED if part.endswith("'") else 0)
        data = (b"\0" + key.to_bytes(32, "big")) if index >= _HARDENED else _compressed(key)
        digest = hmac.new(chain, data + index.to_bytes(4, "big"), hashlib.sha512).digest()
        key, chain = (int.from_bytes(digest[:32], "big") + key) % _N, digest[32:]
    return key


def ref_address(key: int) -> str:
    x, y = _point(key)
    return to_checksum_address(keccak(x.to_bytes(32, "big") + y.to_bytes(32, "big"))[-20:])


# ------------------------------------------------------------------ the reference against published vectors


def test_reference_seed_matches_the_bip39_vector():
    # The first vector of the BIP-39 reference implementation (python-mnemonic vectors.json).
    phrase = " ".join(["abandon"] * 11 + ["about"])
    assert ref_seed(phrase, "TREZOR").hex() == (
        "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf1"
        "41630c7a3c4ab7c81b2f001698e7463b04")


# The accounts Hardhat and Anvil print for "test test ... junk" at m/44'/60'/0'/0/i.
ANVIL = [
    ("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
     0xAC0974BEC39A17E36BA4A6B4D238FF944BACB478CBED5EFCAE784D7BF4F2FF80),
    ("0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
     0x59C6995E998F97A5A0044966F0945389DC9E86DAE88C7A8412F4603B6B78690D),
    ("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
     0x5DE4111AFA1A4B94908F83103EB1F1706367C2E68CA870FC3FB9A804CDAB365A),
]


@pytest.mark.parametrize("i", range(len(ANVIL)))
def test_reference_derivation_matches_the_published_anvil_accounts(i):
    address, key = ANVIL[i]
    derived = ref_private_key(ref_seed(TEST_MNEMONIC), f"m/44'/60'/0'/0/{i}")
    assert derived == key
    assert ref_address(derived) == address


# ------------------------------------------------------------------ our paths and keys, pinned

# keccak256("evmtensor-hotkey:" + name), first 4 bytes big-endian, top bit cleared.
HOTKEY_INDEX = {"default": 921019796, "miner": 1973029219, "validator": 1414836205}
# Addresses of those hotkeys, and of the coldkey, under TEST_MNEMONIC.
HOTKEY_ADDRESS = {
    "default": "0xd0ff15568Ff11A65AcCC0F398880628aBbaA6AB5",
    "miner": "0xF6B9b768834391A75537d1a5B38DF600C9163aa2",
    "validator": "0xE16252144d122c2080b1564d11141dDCe74F338c",
}
COLDKEY_ADDRESS = ANVIL[0][0]


@pytest.mark.parametrize("name", sorted(HOTKEY_INDEX))
def test_hotkey_index_and_path_are_pinned(name):
    digest = keccak(b"evmtensor-hotkey:" + name.encode())
    assert int.from_bytes(digest[:4], "big") & 0x7FFF_FFFF == HOTKEY_INDEX[name]
    assert hotkey_index(name) == HOTKEY_INDEX[name]
    assert hotkey_path(name) == f"m/44'/60'/1'/0/{HOTKEY_INDEX[name]}"


def test_coldkey_path_and_key_are_pinned():
    assert COLDKEY_PATH == "m/44'/60'/0'/0/0"
    key = derive_private_key(TEST_MNEMONIC, COLDKEY_PATH)
    assert int.from_bytes(key, "big") == ANVIL[0][1]


@pytest.mark.parametrize("name", sorted(HOTKEY_INDEX))
def test_hotkey_keys_match_the_reference_and_the_pinned_addresses(name):
    path = f"m/44'/60'/1'/0/{HOTKEY_INDEX[name]}"
    expected = ref_private_key(ref_seed(TEST_MNEMONIC), path)
    assert int.from_bytes(derive_private_key(TEST_MNEMONIC, hotkey_path(name)), "big") == expected
    assert ref_address(expected) == HOTKEY_ADDRESS[name]


def test_a_passphrase_changes_every_key():
    # A BIP-39 passphrase is part of the seed: the same phrase with one gives other keys.
    with_pass = derive_private_key(TEST_MNEMONIC, COLDKEY_PATH, passphrase="TREZOR")
    assert int.from_bytes(with_pass, "big") == ref_private_key(ref_seed(TEST_MNEMONIC, "TREZOR"), COLDKEY_PATH)
    assert int.from_bytes(with_pass, "big") != ANVIL[0][1]


def test_a_wallet_created_from_the_mnemonic_holds_the_pinned_addresses(root, passwords):
    wallet = Wallet("vectors", root)
    cold, hot = wallet.create(passwords, mnemonic=TEST_MNEMONIC, hotkey="miner")
    assert cold.address == wallet.coldkey_address() == COLDKEY_ADDRESS
    assert hot.address == wallet.hotkey_address("miner") == HOTKEY_ADDRESS["miner"]
    wallet.regenerate_hotkey("validator", TEST_MNEMONIC, passwords)
    assert wallet.hotkey_address("validator") == HOTKEY_ADDRESS["validator"]
