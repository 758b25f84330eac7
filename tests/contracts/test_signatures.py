"""Registration signatures against the real contracts: malleable twins and replays.

Digests and signatures are built here from the EIP-712 definition (eth_abi + keccak, signed with
eth_account's raw hash signing), not with the project's helpers, and the EVM's own ``ecrecover``
precompile says who a signature recovers to. So each refusal below is shown to come from the
one rule under test (low s, the nonce) and not from a malformed signature.
"""

from __future__ import annotations

import pytest
from eth_abi import encode
from eth_account import Account
from eth_utils import keccak, to_checksum_address

from chain_asserts import expect_revert

try:
    from .core_helpers import MAX_UINT, register_subnet, set_hyperparameters
except ImportError:
    from core_helpers import MAX_UINT, register_subnet, set_hyperparameters

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
ZERO = "0x" + "00" * 20
ECRECOVER = "0x0000000000000000000000000000000000000001"


@pytest.fixture
def neurons(client):
    return client.contract("NeuronRegistry")


def registration_digest(w3, verifying_contract: str, netuid: int, coldkey: str, nonce: int, deadline: int) -> bytes:
    domain = keccak(encode(
        ["bytes32", "bytes32", "bytes32", "uint256", "address"],
        [keccak(text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
         keccak(text="EVMTensor"), keccak(text="1"), w3.eth.chain_id, verifying_contract]))
    struct = keccak(encode(
        ["bytes32", "uint16", "address", "uint256", "uint256"],
        [keccak(text="Registration(uint16 netuid,address coldkey,uint256 nonce,uint256 deadline)"),
         netuid, coldkey, nonce, deadline]))
    return keccak(b"\x19\x01" + domain + struct)


def sign(key, digest: bytes) -> tuple[int, int, int]:
    """(v, r, s) with v in {27, 28}; eth_account always returns the low-s form."""
    signed = Account.unsafe_sign_hash(digest, key.key)
    return signed.v, signed.r, signed.s


def pack(v: int, r: int, s: int) -> bytes:
    return r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])


def ecrecover(w3, digest: bytes, v: int, r: int, s: int) -> str:
    """What the EVM's ecrecover precompile recovers (the zero address if nothing)."""
    out = w3.eth.call({"to": ECRECOVER, "data": digest + encode(["uint256"] * 3, [v, r, s])})
    return to_checksum_address(out[-20:]) if len(out) == 32 else ZERO


def chain_deadline(w3, seconds: int = 3600) -> int:
    return w3.eth.get_block("latest")["timestamp"] + seconds


def high_s_twin(v: int, r: int, s: int) -> tuple[int, int, int]:
    """The other valid encoding of the same signature: s -> n - s, v 27 <-> 28."""
    return 55 - v, r, SECP256K1_N - s


# ------------------------------------------------------------------ high-s twin


def test_high_s_twin_of_a_registration_signature_is_refused(w3, client, neurons, accounts, send):
    netuid = register_subnet(client, accounts[1])[0]
    hotkey, coldkey = Account.create(), accounts[2]
    deadline = chain_deadline(w3)
    digest = registration_digest(w3, neurons.address, netuid, coldkey.address, 0, deadline)
    assert digest == registration_digest(w3, neurons.address, netuid, coldkey.address,
                                         neurons.functions.registrationNonce(hotkey.address).call(), deadline)
    v, r, s = sign(hotkey, digest)
    assert s <= SECP256K1_N // 2
    tv, tr, ts = high_s_twin(v, r, s)
    assert ts > SECP256K1_N // 2 and {v, tv} == {27, 28}
    # The twin is a genuine signature by the hotkey: the EVM itself recovers the hotkey from it.
    assert ecrecover(w3, digest, tv, tr, ts) == ecrecover(w3, digest, v, r, s) == hotkey.address

    register = neurons.functions.registerNeuron
    with expect_revert("NeuronRegistryInvalidSignature", hotkey.address, ZERO):
        send(register(netuid, hotkey.address, MAX_UINT, deadline, pack(tv, tr, ts)), coldkey)
    # Nothing else was wrong with the call: the low-s original registers.
    send(register(netuid, hotkey.address, MAX_UINT, deadline, pack(v, r, s)), coldkey)
    assert neurons.functions.isRegistered(netuid, hotkey.address).call()


def test_high_s_twin_of_a_subnet_owner_signature_is_refused(w3, client, neurons, accounts, send):
    subnets = client.contract("SubnetRegistry")
    hotkey, coldkey = Account.create(), accounts[3]
    deadline = chain_deadline(w3)
    digest = registration_digest(w3, neurons.address, 0, coldkey.address, 0, deadline)  # netuid 0: a new subnet
    v, r, s = sign(hotkey, digest)
    tv, tr, ts = high_s_twin(v, r, s)
    assert ecrecover(w3, digest, tv, tr, ts) == hotkey.address
    with expect_revert("NeuronRegistryInvalidSignature", hotkey.address, ZERO):
        send(subnets.functions.registerSubnet(hotkey.address, MAX_UINT, deadline, pack(tv, tr, ts)), coldkey)
    send(subnets.functions.registerSubnet(hotkey.address, MAX_UINT, deadline, pack(v, r, s)), coldkey)
    assert neurons.functions.hotkeyOwner(hotkey.address).call() == coldkey.address


# ------------------------------------------------------------------ replay


def test_replayed_registration_signature_is_refused_for_the_nonce(w3, client, neurons, accounts, send, mine):
    """A hotkey registers, is replaced (so it is no longer registered), and its old signature
    is sent again by the same coldkey before the deadline: only the nonce stands in the way."""
    owner, coldkey = accounts[1], accounts[2]
    netuid = register_subnet(client, owner)[0]
    set_hyperparameters(client, send, netuid, owner, maxUids=2, maxValidators=1, minAllowedWeights=1,
                        immunityPeriod=0)
    register = neurons.functions.registerNeuron
    hotkey = Account.create()
    deadline = chain_deadline(w3)
    digest0 = registration_digest(w3, neurons.address, netuid, coldkey.address, 0, deadline)
    old = sign(hotkey, digest0)
    send(register(netuid, hotkey.address, MAX_UINT, deadline, pack(*old)), coldkey)
    assert neurons.functions.registrationNonce(hotkey.address).call() == 1

    # Another hotkey takes the only non-owner UID: the first is evicted.
    other = Account.create()
    other_deadline = chain_deadline(w3)
    mine(1)
    other_sig = sign(other, registration_digest(w3, neurons.address, netuid, coldkey.address, 0, other_deadline))
    send(register(netuid, other.address, MAX_UINT, other_deadline, pack(*other_sig)), coldkey)
    assert not neurons.functions.isRegistered(netuid, hotkey.address).call()
    assert neurons.functions.hotkeyOwner(hotkey.address).call() == coldkey.address
    assert w3.eth.get_block("latest")["timestamp"] < deadline

    # The contract now checks the old signature against nonce 1; it recovers to some other key.
    digest1 = registration_digest(w3, neurons.address, netuid, coldkey.address, 1, deadline)
    stranger = ecrecover(w3, digest1, *old)
    assert stranger not in (hotkey.address, ZERO)
    with expect_revert("NeuronRegistryInvalidSignature", hotkey.address, stranger):
        send(register(netuid, hotkey.address, MAX_UINT, deadline, pack(*old)), coldkey)
    assert neurons.functions.registrationNonce(hotkey.address).call() == 1

    # The same call with a fresh signature over nonce 1 goes through: nothing but the nonce stopped it.
    send(register(netuid, hotkey.address, MAX_UINT, deadline, pack(*sign(hotkey, digest1))), coldkey)
    assert neurons.functions.isRegistered(netuid, hotkey.address).call()
    assert neurons.functions.registrationNonce(hotkey.address).call() == 2
