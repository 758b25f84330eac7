"""NeuronRegistry's epoch records (spec 2.8's "last incentive, dividends, emission and permits"):
packed several UIDs a storage word, valid from the snapshot on, and the slim `validatorInfo` view."""

import pytest

from evmtensor.errors import ContractRevert

try:
    from .core_helpers import events, new_key, protocol_address, register_neuron, register_subnet, send_as
except ImportError:
    from core_helpers import events, new_key, protocol_address, register_neuron, register_subnet, send_as


@pytest.fixture
def neurons(client):
    return client.contract("NeuronRegistry")


@pytest.fixture
def subnet(w3, client, accounts, send):
    """A subnet owned by accounts[1]; returns its netuid."""
    return register_subnet(client, accounts[1])[0]


def test_record_epoch_and_last_update(w3, client, neurons, subnet, accounts, send):
    register_neuron(client, subnet, accounts[2])
    settlement = protocol_address(client, "settlement")
    snapshot = w3.eth.block_number
    receipt = send_as(client, settlement, neurons.functions.recordEpoch(
        subnet, snapshot, 0, [(11, 100, 200, True), (22, 300, 400, False)]))
    (ev,) = events(neurons.events.EpochRecorded, receipt)
    assert (ev.args.netuid, ev.args.firstUid, ev.args.count, ev.args.snapshotBlock) == (subnet, 0, 2, snapshot)
    infos = neurons.functions.neurons(subnet, 0, 10).call()
    assert [(i[4], i[5], i[6], i[7]) for i in infos] == [(11, 100, 200, True), (22, 300, 400, False)]
    send_as(client, settlement, neurons.functions.recordLastUpdate(subnet, [1], snapshot + 50))
    assert neurons.functions.neurons(subnet, 1, 1).call()[0][3] == snapshot + 50


def test_record_epoch_skips_uids_registered_after_snapshot(w3, client, neurons, subnet, accounts, send):
    snapshot = w3.eth.block_number
    register_neuron(client, subnet, accounts[2])
    settlement = protocol_address(client, "settlement")
    send_as(client, settlement, neurons.functions.recordEpoch(
        subnet, snapshot, 0, [(11, 1, 1, True), (22, 1, 1, True)]))
    infos = neurons.functions.neurons(subnet, 0, 2).call()
    assert infos[0][4] == 11 and infos[1][4] == 0 and not infos[1][7]


def test_record_epoch_lanes_are_independent_across_packed_words(w3, client, neurons, subnet, accounts, send):
    # Emissions pack 4 UIDs a word, stats 7: 10 UIDs span 3 and 2 words. Extreme values in every
    # lane, then a partial record of UIDs 3..8 (crossing both kinds of word boundary) that must
    # leave UIDs 0-2 and 9 as they were.
    for _ in range(9):
        register_neuron(client, subnet, accounts[2])
    settlement = protocol_address(client, "settlement")
    first = [(2**63 - 1 - i, 65535 - i, i, i % 2 == 0) for i in range(10)]  # 63-bit emission lanes
    send_as(client, settlement, neurons.functions.recordEpoch(subnet, w3.eth.block_number, 0, first))
    infos = neurons.functions.neurons(subnet, 0, 10).call()
    assert [tuple(i[4:8]) for i in infos] == first
    second = [(1000 + i, 7, 65535, i % 3 == 0) for i in range(6)]
    send_as(client, settlement, neurons.functions.recordEpoch(subnet, w3.eth.block_number, 3, second))
    infos = neurons.functions.neurons(subnet, 0, 10).call()
    assert [tuple(i[4:8]) for i in infos] == first[:3] + second + first[9:]


def test_validator_info_is_registration_and_recorded_permit(w3, client, neurons, subnet, accounts, send):
    uid, hotkey, receipt = register_neuron(client, subnet, accounts[2])
    settlement = protocol_address(client, "settlement")
    assert neurons.functions.validatorInfo(subnet, hotkey.address).call() == [True, uid, receipt.blockNumber, False]
    send_as(client, settlement, neurons.functions.recordEpoch(
        subnet, w3.eth.block_number, 0, [(0, 0, 0, False), (0, 0, 9, True)]))
    assert neurons.functions.validatorInfo(subnet, hotkey.address).call() == [True, uid, receipt.blockNumber, True]
    late_uid, late, late_receipt = register_neuron(client, subnet, accounts[2])
    # Registered after the recorded snapshot: that epoch's lanes are not its own.
    assert neurons.functions.validatorInfo(subnet, late.address).call() == [True, late_uid, late_receipt.blockNumber, False]
    assert neurons.functions.validatorInfo(subnet, new_key().address).call() == [False, 0, 0, False]


def test_RevertWhen_record_epoch_out_of_range(w3, client, neurons, subnet, accounts, send):
    settlement = protocol_address(client, "settlement")
    with pytest.raises(ContractRevert) as exc:
        send_as(client, settlement, neurons.functions.recordEpoch(
            subnet, w3.eth.block_number, 0, [(1, 1, 1, True), (1, 1, 1, True)]))
    assert exc.value.name == "NeuronRegistryUidOutOfRange"


def test_RevertWhen_record_emission_exceeds_its_lane(w3, client, neurons, subnet, accounts, send):
    """Emission lanes are 63 bits (bit 255 of each word marks it reserved): 2^63 would spill."""
    register_neuron(client, subnet, accounts[2])
    settlement = protocol_address(client, "settlement")
    with pytest.raises(ContractRevert) as exc:
        send_as(client, settlement, neurons.functions.recordEpoch(
            subnet, w3.eth.block_number, 0, [(0, 0, 0, False), (2**63, 1, 1, True)]))
    assert exc.value.name == "NeuronRegistryEmissionTooLarge" and exc.value.args_decoded == (1, 2**63)
    send_as(client, settlement, neurons.functions.recordEpoch(
        subnet, w3.eth.block_number, 0, [(0, 0, 0, False), (2**63 - 1, 1, 1, True)]))
    assert neurons.functions.neurons(subnet, 1, 1).call()[0][4] == 2**63 - 1
