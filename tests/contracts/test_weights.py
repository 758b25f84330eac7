"""Weights: signed rows posted by anyone; every on-chain check, its boundary, replay and batches.

Expected values are computed independently of the contract and of evmtensor.chain.weights where
it matters: the row hash from ``struct.pack``, signers from eth_account, limits by hand or with
``fractions.Fraction``.
"""

from __future__ import annotations

import struct
from fractions import Fraction

import pytest
from eth_account import Account
from eth_utils import keccak
from web3.logs import DISCARD

from chain_asserts import ANY, expect_revert
from evmtensor.chain.weights import (
    SignedWeights, WeightsRow, recover_weights_signer, set_weights, sign_weights, submit_weights,
)

try:
    from .core_helpers import deploy_with, events, protocol_address, register_neuron, register_subnet, send_as
    from .core_helpers import set_hyperparameters
except ImportError:
    from core_helpers import deploy_with, events, protocol_address, register_neuron, register_subnet, send_as
    from core_helpers import set_hyperparameters

ZERO = "0x" + "00" * 20
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def packed_hash(uids, values) -> bytes:
    return keccak(struct.pack(f">{len(uids)}H", *uids) + struct.pack(f">{len(values)}H", *values))


class Net:
    """A subnet (owner accounts[1], UID 0) with validators v[0..2] (UIDs 1-3) and miners (UIDs 4-5).
    v[0] and v[1] hold validator permits; v[2] does not."""

    def __init__(self, w3, client, accounts):
        self.w3, self.client, self.send, self.accounts = w3, client, client.send, accounts
        self.chain_id = client.deployment.chain_id
        self.netuid, self.owner_hotkey, _ = register_subnet(client, accounts[1])
        self.validators = [register_neuron(client, self.netuid, accounts[2])[1] for _ in range(3)]
        for _ in range(2):
            register_neuron(client, self.netuid, accounts[3])
        self.n = 6
        self.contract = client.contract("Weights")
        self.set_permits({1: True, 2: True})

    def set_permits(self, permits: dict[int, bool]) -> None:
        records = [(0, 0, 0, permits.get(uid, False)) for uid in range(self.n)]
        neurons = self.client.contract("NeuronRegistry")
        snapshot = self.w3.eth.block_number
        send_as(self.client, protocol_address(self.client, "settlement"),
                neurons.functions.recordEpoch(self.netuid, snapshot, 0, records))

    def hp(self, **changes):
        set_hyperparameters(self.client, self.send, self.netuid, self.accounts[1], **changes)

    def next_block(self) -> int:
        return self.w3.eth.block_number + 1

    def row(self, uids=(1, 4, 5), values=(100, 200, 300), *, nonce=1, version_key=0, deadline=None,
            netuid=None) -> WeightsRow:
        return WeightsRow(self.netuid if netuid is None else netuid, tuple(uids), tuple(values), version_key,
                          nonce, self.next_block() + 100 if deadline is None else deadline)

    def sign(self, hotkey, row) -> SignedWeights:
        return sign_weights(hotkey, self.contract.address, self.chain_id, row)

    def submit(self, signed) -> dict:
        return set_weights(self.client, signed, self.accounts[5])  # a relay account, not the validator

    def state(self, hotkey) -> dict:
        names = ("rowHash", "rowBlock", "nonce", "commitBlock", "revealed", "commitHash")
        address = getattr(hotkey, "address", hotkey)
        return dict(zip(names, self.contract.functions.weightsState(self.netuid, address).call()))

    def mine(self, n: int) -> None:
        if n > 0:
            self.w3.provider.make_request("anvil_mine", [hex(n)])


@pytest.fixture
def net(w3, client, accounts):
    return Net(w3, client, accounts)


def _set_events(net, receipt) -> list:
    return list(net.contract.events.WeightsSet().process_receipt(receipt, errors=DISCARD))


# ------------------------------------------------------------------ accepted rows


def test_set_weights_stores_row_hash_block_and_emits_row(net):
    v = net.validators[0]
    row = net.row(uids=(0, 1, 4, 5), values=(1, 65535, 0, 7), nonce=42)
    receipt = net.submit(net.sign(v, row))

    (ev,) = _set_events(net, receipt)
    assert (ev.args.netuid, ev.args.hotkey, ev.args.uid, ev.args.nonce, ev.args.versionKey) == (
        net.netuid, v.address, 1, 42, 0)
    assert ev.args.uids == bytes.fromhex("0000000100040005")
    assert ev.args.values == bytes.fromhex("0001ffff00000007")
    state = net.state(v)
    assert state["rowHash"] == packed_hash((0, 1, 4, 5), (1, 65535, 0, 7))
    assert (state["rowBlock"], state["nonce"]) == (receipt.blockNumber, 42)
    hashes, blocks = net.contract.functions.latestRows(net.netuid, [v.address, net.validators[1].address]).call()
    assert hashes == [state["rowHash"], b"\x00" * 32] and blocks == [receipt.blockNumber, 0]


def test_replayed_row_is_a_no_op(net):
    v = net.validators[0]
    signed = net.sign(v, net.row())
    first = net.submit(signed)
    net.mine(5)  # past the rate limit: a replay must not pass as a new row
    assert net.client.call(net.contract.functions.setWeights(signed.as_tuple())) is False
    again = net.submit(signed)
    assert again.status == 1 and _set_events(net, again) == []
    batch = submit_weights(net.client, [signed, signed], net.accounts[5])
    assert _set_events(net, batch) == [] and events(net.contract.events.WeightsRejected, batch) == []
    assert net.state(v)["rowBlock"] == first.blockNumber


def test_relay_that_alters_a_weight_is_refused(net):
    v = net.validators[0]
    signed = net.sign(v, net.row(values=(100, 200, 300)))
    altered_row = WeightsRow(**{**signed.row.__dict__, "values": (100, 200, 301)})
    recovered = recover_weights_signer(net.contract.address, net.chain_id, altered_row, signed.signature)
    assert recovered != v.address
    with expect_revert("WeightsInvalidSignature", v.address, recovered):
        net.submit(SignedWeights(v.address, altered_row, signed.signature))


def test_malleable_and_malformed_signatures_are_refused(net):
    v = net.validators[0]
    signed = net.sign(v, net.row())
    r, s, vv = signed.signature[:32], int.from_bytes(signed.signature[32:64], "big"), signed.signature[64]
    high_s = r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - vv])  # the same signer, the other s
    for bad in (high_s, signed.signature[:64], signed.signature + b"\x00", signed.signature[:64] + b"\x1d"):
        with expect_revert("WeightsInvalidSignature", v.address, ZERO):
            net.submit(SignedWeights(v.address, signed.row, bad))


def test_another_hotkeys_signature_is_refused(net):
    v0, v1 = net.validators[:2]
    signed = net.sign(v1, net.row())
    with expect_revert("WeightsInvalidSignature", v0.address, v1.address):
        net.submit(SignedWeights(v0.address, signed.row, signed.signature))


def test_deadline_block_is_inclusive(net):
    v = net.validators[0]
    landing = net.next_block()
    with expect_revert("WeightsDeadlinePassed", landing - 1, landing):
        net.submit(net.sign(v, net.row(deadline=landing - 1)))
    receipt = net.submit(net.sign(v, net.row(deadline=net.next_block())))
    assert receipt.status == 1 and len(_set_events(net, receipt)) == 1


def test_nonce_must_increase(net):
    v = net.validators[0]
    net.submit(net.sign(v, net.row(nonce=10)))
    net.mine(5)
    with expect_revert("WeightsNonceUsed", net.netuid, v.address, 10, 10):
        net.submit(net.sign(v, net.row(values=(1, 2, 3), nonce=10)))
    with expect_revert("WeightsNonceUsed", net.netuid, v.address, 9, 10):
        net.submit(net.sign(v, net.row(nonce=9)))
    assert net.submit(net.sign(v, net.row(values=(1, 2, 3), nonce=11))).status == 1
    assert net.state(v)["nonce"] == 11


def test_unregistered_hotkey_and_unknown_subnet_are_refused(net):
    stranger = Account.create()
    with expect_revert("WeightsNotRegistered", net.netuid, stranger.address):
        net.submit(net.sign(stranger, net.row()))
    with expect_revert("WeightsSubnetNotFound", 99):
        net.submit(net.sign(net.validators[0], net.row(netuid=99)))


def test_validator_permit_required_except_self_weight_and_owner(net):
    v2 = net.validators[2]  # UID 3, no permit
    with expect_revert("WeightsNoValidatorPermit", net.netuid, v2.address, 3):
        net.submit(net.sign(v2, net.row()))
    with expect_revert("WeightsNoValidatorPermit", net.netuid, v2.address, 3):
        net.submit(net.sign(v2, net.row(uids=(4,), values=(1,))))  # one entry, not its own UID
    assert net.submit(net.sign(v2, net.row(uids=(3,), values=(65535,)))).status == 1  # self-weight
    assert net.submit(net.sign(net.owner_hotkey, net.row())).status == 1  # UID 0, no permit


def test_permit_lost_at_the_next_epoch_record_is_enforced(net):
    v0 = net.validators[0]
    net.set_permits({2: True})  # v0 (UID 1) loses its permit
    with expect_revert("WeightsNoValidatorPermit", net.netuid, v0.address, 1):
        net.submit(net.sign(v0, net.row()))


def test_version_key_boundary(net):
    net.hp(weightsVersionKey=5)
    v = net.validators[0]
    with expect_revert("WeightsVersionKeyTooLow", net.netuid, 4, 5):
        net.submit(net.sign(v, net.row(version_key=4)))
    assert net.submit(net.sign(v, net.row(version_key=5))).status == 1


def test_rate_limit_boundary(net):
    net.hp(weightsRateLimit=3)
    v = net.validators[0]
    first = net.submit(net.sign(v, net.row(nonce=1))).blockNumber
    for nonce in (2, 3):  # land at first + 1, first + 2
        with expect_revert("WeightsRateLimited", net.netuid, v.address, first, first + 3):
            net.submit(net.sign(v, net.row(nonce=nonce)))
        net.mine(1)
    assert net.next_block() == first + 3
    assert net.submit(net.sign(v, net.row(nonce=4))).blockNumber == first + 3


def test_min_allowed_weights_boundary_and_cap_at_n(net):
    v = net.validators[0]
    net.hp(minAllowedWeights=3)
    with expect_revert("WeightsTooFew", 2, 3):
        net.submit(net.sign(v, net.row(uids=(4, 5), values=(1, 1))))
    net.submit(net.sign(v, net.row(uids=(1, 4, 5), values=(1, 1, 1), nonce=2)))
    net.hp(minAllowedWeights=200, weightsRateLimit=0)  # capped at N = 6
    with expect_revert("WeightsTooFew", 5, 6):
        net.submit(net.sign(v, net.row(uids=(0, 1, 2, 3, 4), values=(1,) * 5, nonce=3)))
    assert net.submit(net.sign(v, net.row(uids=tuple(range(6)), values=(1,) * 6, nonce=4))).status == 1
    assert net.submit(net.sign(net.validators[2], net.row(uids=(3,), values=(9,)))).status == 1  # self-weight exempt


def test_uids_in_range_boundary(net):
    v = net.validators[0]
    with expect_revert("WeightsUidOutOfRange", 1, 6, 6):
        net.submit(net.sign(v, net.row(uids=(1, 6), values=(1, 1))))
    assert net.submit(net.sign(v, net.row(uids=(1, 5), values=(1, 1)))).status == 1


@pytest.mark.parametrize("uids, expected", [((1, 1), (1, 1, 1)), ((1, 4, 2), (2, 2, 4)), ((5, 4), (1, 4, 5))])
def test_uids_sorted_and_unique(net, uids, expected):
    with expect_revert("WeightsUidsNotAscending", *expected):
        net.submit(net.sign(net.validators[0], net.row(uids=uids, values=(1,) * len(uids))))


def test_malformed_rows(net):
    v = net.validators[0]
    row = net.row()
    base = net.sign(v, row).as_tuple()
    for uids, values in ((b"\x00\x01\x00", b"\x00\x01\x00"), (b"\x00\x01\x00\x04", b"\x00\x01")):
        r = WeightsRow(row.netuid, (), (), 0, 1, row.deadline_block)
        signed_tuple = _sign_raw(net, v, r, uids, values, base)
        with expect_revert("WeightsMalformedRow", len(uids), len(values)):
            net.client.call(net.contract.functions.setWeights(signed_tuple))


def _sign_raw(net, hotkey, row, uids: bytes, values: bytes, base) -> tuple:
    """A signature over raw packed fields (rows the Python helpers refuse to build)."""
    from eth_account.messages import encode_typed_data

    from evmtensor.chain.weights import weights_typed_data

    data = weights_typed_data(net.contract.address, net.chain_id, row)
    data["message"].update(uids=uids, values=values)
    sig = hotkey.sign_message(encode_typed_data(full_message=data)).signature
    return (hotkey.address, row.netuid, uids, values, 0, row.nonce, row.deadline_block, bytes(sig))


def test_commit_reveal_subnet_refuses_direct_rows(net):
    net.hp(commitRevealEnabled=True)
    with expect_revert("WeightsCommitRevealEnabled", net.netuid):
        net.submit(net.sign(net.validators[0], net.row()))


def test_max_weight_limit_boundary(w3, accounts):
    limit = 21845  # one third
    net = Net(w3, deploy_with(w3, accounts, {"Weights": {"maxWeightLimit": limit}}), accounts)
    net.hp(weightsRateLimit=0)
    v = net.validators[0]
    ok, too_much = (21845, 21845, 21845), (21846, 21845, 21845)
    assert Fraction(max(ok), sum(ok)) <= Fraction(limit, 65535) < Fraction(max(too_much), sum(too_much))
    assert net.submit(net.sign(v, net.row(values=ok, nonce=1))).status == 1
    with expect_revert("WeightsMaxWeightExceeded", 0, 21846, sum(too_much), limit):
        net.submit(net.sign(v, net.row(values=too_much, nonce=2)))
    assert net.submit(net.sign(v, net.row(values=(0, 0, 0), nonce=3))).status == 1  # all zero: no share
    assert net.submit(net.sign(net.validators[2], net.row(uids=(3,), values=(5,)))).status == 1  # self-weight


# ------------------------------------------------------------------ batches and the relay's check


def test_batch_applies_good_rows_and_logs_the_bad_one(net):
    v0, v1, v2 = net.validators
    good0, good1 = net.sign(v0, net.row()), net.sign(v1, net.row(uids=(0, 4), values=(1, 2)))
    bad = net.sign(v2, net.row())  # no permit
    receipt = submit_weights(net.client, [good0, bad, good1], net.accounts[5])

    assert [(e.args.hotkey, e.args.uid) for e in _set_events(net, receipt)] == [(v0.address, 1), (v1.address, 2)]
    (rejected,) = events(net.contract.events.WeightsRejected, receipt)
    assert (rejected.args.netuid, rejected.args.hotkey, rejected.args.nonce) == (net.netuid, v2.address, 1)
    reason = net.client.decode_revert(rejected.args.reason)
    assert (reason.name, reason.args_decoded[2]) == ("WeightsNoValidatorPermit", 3)
    assert net.state(v2)["rowHash"] == b"\x00" * 32


def test_batch_across_subnets(net, client, accounts):
    other, owner_hotkey, _ = register_subnet(client, accounts[4])
    rows = [net.sign(net.validators[0], net.row()),
            net.sign(owner_hotkey, net.row(uids=(0,), values=(1,), netuid=other))]
    receipt = submit_weights(net.client, rows, net.accounts[5])
    assert [(e.args.netuid, e.args.uid) for e in _set_events(net, receipt)] == [(net.netuid, 1), (other, 0)]


def test_check_weights_previews_the_outcome(net):
    v = net.validators[0]
    good = net.sign(v, net.row())
    assert net.contract.functions.checkWeights(good.as_tuple()).call() == b""
    net.submit(good)
    reason = net.client.decode_revert(net.contract.functions.checkWeights(good.as_tuple()).call())
    assert (reason.name, reason.args_decoded) == ("WeightsNonceUsed", (net.netuid, ANY, 1, 1))


# ------------------------------------------------------------------ the Python side's hashing


def test_fast_digests_match_eth_account_and_the_contract(net):
    from eth_account.messages import encode_typed_data

    from evmtensor.chain.weights import (
        CommitMessage, commit_digest, commit_typed_data, recover_digest_signer, weights_digest, weights_typed_data,
    )

    def eip712_hash(typed) -> bytes:
        m = encode_typed_data(full_message=typed)
        return keccak(b"\x19" + m.version + m.header + m.body)

    row = net.row(uids=(0, 3, 4), values=(65535, 0, 17), nonce=2**64 - 1, version_key=9)
    contract, chain_id = net.contract.address, net.chain_id
    assert weights_digest(contract, chain_id, row) == eip712_hash(weights_typed_data(contract, chain_id, row))
    commit = CommitMessage(net.netuid, b"\x42" * 32, 3, 99)
    assert commit_digest(contract, chain_id, commit) == eip712_hash(commit_typed_data(contract, chain_id, commit))
    m = encode_typed_data(full_message=weights_typed_data(contract, chain_id, row))
    assert m.header == net.contract.functions.domainSeparator().call()

    v = net.validators[0]
    signed = net.sign(v, row)
    assert recover_digest_signer(weights_digest(contract, chain_id, row), signed.signature) == v.address
    s = int.from_bytes(signed.signature[32:64], "big")
    high_s = signed.signature[:32] + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - signed.signature[64]])
    with pytest.raises(ValueError, match="high s"):
        recover_digest_signer(weights_digest(contract, chain_id, row), high_s)
