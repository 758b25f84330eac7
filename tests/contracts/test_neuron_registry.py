"""NeuronRegistry: burned registration (spec 5.1-5.2), UIDs and replacement (5.3), hotkey rules (5.4), axons (5.5)."""

import pytest

from evmtensor.chain.actions import registration_signature
from evmtensor.errors import ContractRevert

try:
    from .core_helpers import (
        MAX_UINT, TAO, balance, drain_tao, events, fund_eth, hyperparameters, mine_blocks,
        new_key, protocol_address, register_neuron, register_subnet, revert_args, send_as,
        set_hyperparameters,
    )
    from .contract_models import burn_after
except ImportError:
    from core_helpers import (
        MAX_UINT, TAO, balance, drain_tao, events, fund_eth, hyperparameters, mine_blocks,
        new_key, protocol_address, register_neuron, register_subnet, revert_args, send_as,
        set_hyperparameters,
    )
    from contract_models import burn_after

ZERO = "0x" + "00" * 20


@pytest.fixture
def neurons(client):
    return client.contract("NeuronRegistry")


@pytest.fixture
def subnet(w3, client, accounts, send):
    """A subnet owned by accounts[1]; returns its netuid."""
    return register_subnet(client, accounts[1])[0]


def _nparams(neurons):
    return dict(zip(("initialBurn", "burnDecayPerBlock", "burnIncreaseMult"), neurons.functions.params().call()))


def _next_price(w3, client, neurons, netuid, blocks_ahead=1):
    burn, block = neurons.functions.burnState(netuid).call()
    hp = hyperparameters(client, netuid)
    p = _nparams(neurons)
    return burn_after(burn, w3.eth.block_number + blocks_ahead - block, p["burnDecayPerBlock"], hp["minBurn"], hp["maxBurn"])



# ------------------------------------------------------------------ registration and burn


def test_register_neuron_appends_uid_and_recycles_burn(w3, client, neurons, subnet, accounts, send):
    coldkey = accounts[2]
    token = client.contract("TaoToken")
    price = _next_price(w3, client, neurons, subnet)
    supply, before = token.functions.totalSupply().call(), balance(client, coldkey.address)

    uid, hotkey, receipt = register_neuron(client, subnet, coldkey)

    assert uid == 1
    assert balance(client, coldkey.address) == before - price
    assert token.functions.totalSupply().call() == supply - price  # recycled: issuance falls
    (ev,) = events(neurons.events.NeuronRegistered, receipt)
    assert (ev.args.netuid, ev.args.uid, ev.args.hotkey, ev.args.coldkey, ev.args.burn, ev.args.replaced) == (
        subnet, 1, hotkey.address, coldkey.address, price, ZERO)
    (claimed,) = events(neurons.events.HotkeyClaimed, receipt)
    assert (claimed.args.hotkey, claimed.args.coldkey) == (hotkey.address, coldkey.address)
    assert neurons.functions.hotkeyOwner(hotkey.address).call() == coldkey.address
    assert neurons.functions.isRegistered(subnet, hotkey.address).call()
    assert neurons.functions.uidOf(subnet, hotkey.address).call() == [True, 1]
    assert neurons.functions.hotkeyAt(subnet, 1).call() == hotkey.address
    assert neurons.functions.subnetN(subnet).call() == 2
    assert neurons.functions.registrationNonce(hotkey.address).call() == 1
    (info,) = neurons.functions.neurons(subnet, 1, 1).call()
    assert info[0] == hotkey.address and info[1] == coldkey.address and info[2] == receipt.blockNumber


def test_burn_bumps_on_registration_and_decays_per_block(w3, client, neurons, subnet, accounts, send):
    p = _nparams(neurons)
    hp = hyperparameters(client, subnet)
    price = _next_price(w3, client, neurons, subnet)
    _, _, receipt = register_neuron(client, subnet, accounts[2])
    bumped = min(max(-(-price * p["burnIncreaseMult"] // 10**18), hp["minBurn"]), hp["maxBurn"])
    assert neurons.functions.burnState(subnet).call() == [bumped, receipt.blockNumber]
    assert neurons.functions.burnPrice(subnet).call() == bumped
    mine_blocks(w3, 7)
    assert neurons.functions.burnPrice(subnet).call() == burn_after(
        bumped, 7, p["burnDecayPerBlock"], hp["minBurn"], hp["maxBurn"])
    assert neurons.functions.burnPrice(subnet).call() < bumped
    floor = bumped * 9 // 10
    set_hyperparameters(client, send, subnet, accounts[1], minBurn=floor)
    mine_blocks(w3, 20)
    assert neurons.functions.burnPrice(subnet).call() == floor


def test_burn_is_clamped_to_max_burn(w3, client, neurons, subnet, accounts, send):
    set_hyperparameters(client, send, subnet, accounts[1], maxBurn=2 * 10**8, minBurn=10**8)
    for _ in range(4):
        register_neuron(client, subnet, accounts[2])
    assert neurons.functions.burnState(subnet).call()[0] == 2 * 10**8


def test_burn_decay_matches_half_life(w3, client, neurons, subnet, accounts, send):
    # f = 0.5^(1/H): after H blocks the burn has halved (up to the upward rounding).
    set_hyperparameters(client, send, subnet, accounts[1], minBurn=1, maxBurn=10**12)
    register_neuron(client, subnet, accounts[2])
    burn, _ = neurons.functions.burnState(subnet).call()
    decay = _nparams(neurons)["burnDecayPerBlock"]
    import math

    half_life = round(math.log(0.5) / math.log(decay / 10**18))
    mine_blocks(w3, half_life)
    got = neurons.functions.burnPrice(subnet).call()
    assert abs(got - burn / 2) / burn < 0.01


def test_register_limit_boundary(w3, client, neurons, subnet, accounts, send):
    price = _next_price(w3, client, neurons, subnet)
    with pytest.raises(ContractRevert) as exc:
        register_neuron(client, subnet, accounts[2], max_burn=price - 1)
    assert exc.value.name == "NeuronRegistryBurnAboveLimit"
    burn, limit = revert_args(exc)
    assert limit == price - 1 and burn >= price  # simulated at the head block or the next one
    # A limit at the price quoted now (>= the price one block later) passes.
    quoted = neurons.functions.burnPrice(subnet).call()
    uid, _, receipt = register_neuron(client, subnet, accounts[2], max_burn=quoted)
    assert events(neurons.events.NeuronRegistered, receipt)[0].args.burn <= quoted
    assert uid == 1


def test_RevertWhen_burn_not_covered(w3, client, neurons, subnet, accounts, send):
    poor = accounts[8]
    drain_tao(client, send, poor, accounts[9], keep=1)
    with pytest.raises(ContractRevert) as exc:
        register_neuron(client, subnet, poor)
    assert exc.value.name == "NeuronRegistryBurnNotCovered"


def test_RevertWhen_subnet_unknown(w3, client, accounts, send):
    with pytest.raises(ContractRevert) as exc:
        register_neuron(client, 9, accounts[2])
    assert exc.value.name == "NeuronRegistrySubnetNotFound"


def test_RevertWhen_already_registered(w3, client, subnet, accounts, send):
    _, hotkey, _ = register_neuron(client, subnet, accounts[2])
    with pytest.raises(ContractRevert) as exc:
        register_neuron(client, subnet, accounts[2], hotkey=hotkey)
    assert exc.value.name == "NeuronRegistryAlreadyRegistered"


def test_hotkey_owned_by_first_coldkey(w3, client, neurons, accounts, send):
    n1 = register_subnet(client, accounts[1])[0]
    n2 = register_subnet(client, accounts[1])[0]
    _, hotkey, _ = register_neuron(client, n1, accounts[2])
    with pytest.raises(ContractRevert) as exc:
        register_neuron(client, n2, accounts[3], hotkey=hotkey)
    assert exc.value.name == "NeuronRegistryHotkeyOwnedByOther"
    assert revert_args(exc) == [hotkey.address, accounts[2].address]
    uid, _, receipt = register_neuron(client, n2, accounts[2], hotkey=hotkey)
    assert uid == 1 and not events(neurons.events.HotkeyClaimed, receipt)
    assert neurons.functions.hotkeyOwner(hotkey.address).call() == accounts[2].address


def test_RevertWhen_hotkey_signature_missing(w3, client, neurons, subnet, accounts, send):
    hotkey = new_key()
    with pytest.raises(ContractRevert) as exc:
        send(neurons.functions.registerNeuron(subnet, hotkey.address, MAX_UINT, client.deadline(), b""), accounts[2])
    assert exc.value.name == "NeuronRegistryInvalidSignature"
    assert revert_args(exc) == [hotkey.address, ZERO]


@pytest.mark.parametrize("wrong", ["signer", "netuid", "coldkey", "nonce", "deadline", "malleable"])
def test_RevertWhen_hotkey_signature_wrong(w3, client, neurons, subnet, accounts, send, wrong):
    hotkey, coldkey = new_key(), accounts[2]
    deadline = client.deadline()
    signer = new_key() if wrong == "signer" else hotkey
    sig = registration_signature(
        client, signer,
        accounts[3].address if wrong == "coldkey" else coldkey.address,
        subnet + 1 if wrong == "netuid" else subnet,
        deadline + 1 if wrong == "deadline" else deadline,
        nonce=1 if wrong == "nonce" else 0,
    )
    if wrong == "malleable":  # (r, n - s, v ^ 1) recovers the same signer but is refused
        n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
        s = int.from_bytes(sig[32:64], "big")
        sig = sig[:32] + (n - s).to_bytes(32, "big") + bytes([sig[64] ^ 1])
    with pytest.raises(ContractRevert) as exc:
        send(neurons.functions.registerNeuron(subnet, hotkey.address, MAX_UINT, deadline, sig), coldkey)
    assert exc.value.name == "NeuronRegistryInvalidSignature"


def test_RevertWhen_signature_replayed(w3, client, neurons, accounts, send):
    n1 = register_subnet(client, accounts[1])[0]
    hotkey, coldkey = new_key(), accounts[2]
    deadline = client.deadline()
    sig = registration_signature(client, hotkey, coldkey.address, n1, deadline)
    send(neurons.functions.registerNeuron(n1, hotkey.address, MAX_UINT, deadline, sig), coldkey)
    # Pruned and re-created subnets aside, a replay on the same netuid fails on the nonce.
    set_hyperparameters(client, send, n1, accounts[1])
    with pytest.raises(ContractRevert) as exc:
        send(neurons.functions.registerNeuron(n1, hotkey.address, MAX_UINT, deadline, sig), coldkey)
    assert exc.value.name in ("NeuronRegistryAlreadyRegistered", "NeuronRegistryInvalidSignature")


def test_RevertWhen_deadline_expired(w3, client, neurons, subnet, accounts, send):
    hotkey, coldkey = new_key(), accounts[2]
    deadline = w3.eth.get_block("latest")["timestamp"] - 1  # past by chain time (which may lag the wall clock)
    sig = registration_signature(client, hotkey, coldkey.address, subnet, deadline)
    with pytest.raises(ContractRevert) as exc:
        send(neurons.functions.registerNeuron(subnet, hotkey.address, MAX_UINT, deadline, sig), coldkey)
    assert exc.value.name == "NeuronRegistryDeadlineExpired"


def test_domain_separator_is_eip712(w3, client, neurons):
    from eth_abi import encode
    from eth_utils import keccak

    expected = keccak(encode(
        ["bytes32", "bytes32", "bytes32", "uint256", "address"],
        [keccak(text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
         keccak(text="EVMTensor"), keccak(text="1"), w3.eth.chain_id, neurons.address],
    ))
    assert neurons.functions.domainSeparator().call() == expected


# ------------------------------------------------------------------ full subnets: replacement and immunity


def _small_subnet(w3, client, send, accounts, max_uids=3, immunity=0):
    netuid = register_subnet(client, accounts[1])[0]
    set_hyperparameters(client, send, netuid, accounts[1], maxUids=max_uids, maxValidators=1,
                        minAllowedWeights=1, immunityPeriod=immunity)
    return netuid


def test_full_subnet_replaces_earliest_zero_emission_uid(w3, client, neurons, accounts, send):
    netuid = _small_subnet(w3, client, send, accounts)
    _, hk1, _ = register_neuron(client, netuid, accounts[2])
    register_neuron(client, netuid, accounts[2])
    assert neurons.functions.pruneCandidate(netuid).call() == [True, 1]
    uid, hk3, receipt = register_neuron(client, netuid, accounts[3])
    assert uid == 1
    (ev,) = events(neurons.events.NeuronRegistered, receipt)
    assert ev.args.replaced == hk1.address
    assert not neurons.functions.isRegistered(netuid, hk1.address).call()
    assert neurons.functions.uidOf(netuid, hk3.address).call() == [True, 1]
    assert neurons.functions.subnetN(netuid).call() == 3
    # The evicted hotkey keeps its owner and may register again (replacing uid 2 now).
    assert neurons.functions.hotkeyOwner(hk1.address).call() == accounts[2].address


def test_full_subnet_replaces_lowest_emission(w3, client, neurons, accounts, send):
    netuid = _small_subnet(w3, client, send, accounts, max_uids=4)
    for _ in range(3):
        register_neuron(client, netuid, accounts[2])
    settlement = protocol_address(client, "settlement")
    snapshot = w3.eth.block_number
    records = [(0, 0, 0, True), (100, 5, 0, False), (50, 3, 0, False), (70, 4, 0, False)]
    send_as(client, settlement, neurons.functions.recordEpoch(netuid, snapshot, 0, records))
    assert neurons.functions.pruneCandidate(netuid).call() == [True, 2]
    uid, _, _ = register_neuron(client, netuid, accounts[3])
    assert uid == 2


def test_replacement_tie_goes_to_lower_uid(w3, client, neurons, accounts, send):
    netuid = _small_subnet(w3, client, send, accounts, max_uids=3)
    # Two registrations in one block: same registration block and emission, so the lower uid goes.
    w3.provider.make_request("evm_setAutomine", [False])
    try:
        hashes = []
        for i, coldkey in enumerate((accounts[2], accounts[3])):
            hotkey = new_key()
            deadline = client.deadline()
            sig = registration_signature(client, hotkey, coldkey.address, netuid, deadline)
            tx = neurons.functions.registerNeuron(netuid, hotkey.address, MAX_UINT, deadline, sig).build_transaction(
                {"from": coldkey.address, "nonce": w3.eth.get_transaction_count(coldkey.address), "gas": 1_000_000})
            hashes.append(w3.eth.send_raw_transaction(coldkey.sign_transaction(tx).raw_transaction))
        mine_blocks(w3, 1)
    finally:
        w3.provider.make_request("evm_setAutomine", [True])
    blocks = {w3.eth.get_transaction_receipt(h).blockNumber for h in hashes}
    assert len(blocks) == 1
    assert neurons.functions.pruneCandidate(netuid).call() == [True, 1]


def test_owner_uid0_is_never_replaced(w3, client, neurons, accounts, send):
    netuid = _small_subnet(w3, client, send, accounts, max_uids=2)
    settlement = protocol_address(client, "settlement")
    register_neuron(client, netuid, accounts[2])
    send_as(client, settlement, neurons.functions.recordEpoch(
        netuid, w3.eth.block_number, 0, [(0, 0, 0, False), (10**9, 0, 0, False)]))
    assert neurons.functions.pruneCandidate(netuid).call() == [True, 1]
    assert neurons.functions.isImmune(netuid, 0).call()


def test_RevertWhen_subnet_full_of_immune(w3, client, neurons, accounts, send):
    netuid = _small_subnet(w3, client, send, accounts, max_uids=3, immunity=30)
    register_neuron(client, netuid, accounts[2])
    register_neuron(client, netuid, accounts[2])
    assert neurons.functions.isImmune(netuid, 1).call()
    assert neurons.functions.pruneCandidate(netuid).call() == [False, 0]
    with pytest.raises(ContractRevert) as exc:
        register_neuron(client, netuid, accounts[3])
    assert exc.value.name == "NeuronRegistrySubnetFullOfImmune"
    assert revert_args(exc) == [netuid, 3]
    mine_blocks(w3, 30)
    assert not neurons.functions.isImmune(netuid, 1).call()
    assert register_neuron(client, netuid, accounts[3])[0] == 1


# ------------------------------------------------------------------ axon


def _registered_hotkey(w3, client, send, netuid, coldkey):
    uid, hotkey, _ = register_neuron(client, netuid, coldkey)
    fund_eth(w3, hotkey.address)
    return uid, hotkey


def test_serve_axon_stores_endpoint(w3, client, neurons, subnet, accounts, send):
    uid, hotkey = _registered_hotkey(w3, client, send, subnet, accounts[2])
    ip = (127 << 24) + 1
    receipt = send(neurons.functions.serveAxon(subnet, ip, 8091, 4, 4, 7), hotkey)
    (ev,) = events(neurons.events.AxonServed, receipt)
    assert (ev.args.netuid, ev.args.uid, ev.args.hotkey) == (subnet, uid, hotkey.address)
    (info,) = neurons.functions.neurons(subnet, uid, 1).call()
    assert tuple(info[8]) == (ip, 8091, 4, 4, 7, receipt.blockNumber)


def test_serve_axon_ipv6(w3, client, neurons, subnet, accounts, send):
    uid, hotkey = _registered_hotkey(w3, client, send, subnet, accounts[2])
    ip = 0x20010DB8000000000000000000000001
    send(neurons.functions.serveAxon(subnet, ip, 443, 6, 0, 1), hotkey)
    assert neurons.functions.neurons(subnet, uid, 1).call()[0][8][0] == ip


@pytest.mark.parametrize(
    ("ip", "port", "ip_type", "error"),
    [
        (1, 0, 4, "NeuronRegistryAxonInvalidPort"),
        (1, 80, 5, "NeuronRegistryAxonInvalidIpType"),
        (1, 80, 0, "NeuronRegistryAxonInvalidIpType"),
        (0, 80, 4, "NeuronRegistryAxonInvalidIp"),
        (2**32 - 1, 80, 4, "NeuronRegistryAxonInvalidIp"),
        (2**40, 80, 4, "NeuronRegistryAxonInvalidIp"),
        (0, 80, 6, "NeuronRegistryAxonInvalidIp"),
        (2**128 - 1, 80, 6, "NeuronRegistryAxonInvalidIp"),
    ],
)
def test_RevertWhen_bad_axon(w3, client, neurons, subnet, accounts, send, ip, port, ip_type, error):
    _, hotkey = _registered_hotkey(w3, client, send, subnet, accounts[2])
    with pytest.raises(ContractRevert) as exc:
        send(neurons.functions.serveAxon(subnet, ip, port, ip_type, 0, 0), hotkey)
    assert exc.value.name == error


def test_RevertWhen_axon_from_unregistered_hotkey(w3, client, neurons, subnet, accounts, send):
    stranger = new_key()
    fund_eth(w3, stranger.address)
    with pytest.raises(ContractRevert) as exc:
        send(neurons.functions.serveAxon(subnet, 1, 80, 4, 0, 0), stranger)
    assert exc.value.name == "NeuronRegistryNotRegistered"


def test_RevertWhen_axon_served_within_rate_limit(w3, client, neurons, subnet, accounts, send):
    set_hyperparameters(client, send, subnet, accounts[1], servingRateLimit=5)
    _, hotkey = _registered_hotkey(w3, client, send, subnet, accounts[2])
    receipt = send(neurons.functions.serveAxon(subnet, 1, 80, 4, 0, 0), hotkey)
    with pytest.raises(ContractRevert) as exc:
        send(neurons.functions.serveAxon(subnet, 2, 80, 4, 0, 0), hotkey)
    assert exc.value.name == "NeuronRegistryServingRateLimited"
    assert revert_args(exc) == [subnet, hotkey.address, receipt.blockNumber + 5]
    mine_blocks(w3, 5)
    send(neurons.functions.serveAxon(subnet, 2, 80, 4, 0, 0), hotkey)


def test_replaced_uid_starts_with_empty_axon_and_stats(w3, client, neurons, accounts, send):
    netuid = _small_subnet(w3, client, send, accounts, max_uids=2)
    uid, hotkey = _registered_hotkey(w3, client, send, netuid, accounts[2])
    send(neurons.functions.serveAxon(netuid, 5, 80, 4, 0, 0), hotkey)
    settlement = protocol_address(client, "settlement")
    send_as(client, settlement, neurons.functions.recordEpoch(
        netuid, w3.eth.block_number, 1, [(0, 9, 9, True)]))
    new_uid, new_hotkey, receipt = register_neuron(client, netuid, accounts[3])
    assert new_uid == uid
    (info,) = neurons.functions.neurons(netuid, uid, 1).call()
    assert info[0] == new_hotkey.address
    assert info[3] == receipt.blockNumber  # lastUpdate = registration block
    assert (info[4], info[5], info[6], info[7]) == (0, 0, 0, False)
    assert tuple(info[8]) == (0, 0, 0, 0, 0, 0)


# ------------------------------------------------------------------ replacement after records, access control


def test_replaced_uid_does_not_inherit_records_from_a_partial_record(w3, client, neurons, accounts, send):
    netuid = _small_subnet(w3, client, send, accounts, max_uids=3)
    register_neuron(client, netuid, accounts[2])
    register_neuron(client, netuid, accounts[2])
    settlement = protocol_address(client, "settlement")
    send_as(client, settlement, neurons.functions.recordEpoch(
        netuid, w3.eth.block_number, 0, [(0, 0, 0, False), (7, 1, 2, True), (9, 3, 4, True)]))
    uid, newcomer, _ = register_neuron(client, netuid, accounts[3])  # replaces the lowest emission
    assert uid == 1
    # A later record of UID 2 only: UID 1's old lanes must not become the newcomer's.
    send_as(client, settlement, neurons.functions.recordEpoch(netuid, w3.eth.block_number, 2, [(11, 5, 6, True)]))
    infos = neurons.functions.neurons(netuid, 0, 3).call()
    assert infos[1][0] == newcomer.address and tuple(infos[1][4:8]) == (0, 0, 0, False)
    assert tuple(infos[2][4:8]) == (11, 5, 6, True)
    assert neurons.functions.validatorInfo(netuid, newcomer.address).call()[3] is False


def test_RevertWhen_protocol_entry_points_called_by_others(w3, client, neurons, subnet, accounts, send):
    calls = [
        neurons.functions.recordEpoch(subnet, 0, 0, []),
        neurons.functions.recordLastUpdate(subnet, [], 0),
        neurons.functions.clearSubnet(subnet),
        neurons.functions.openSubnet(5, accounts[2].address, accounts[3].address, 0, b""),
    ]
    for call in calls:
        with pytest.raises(ContractRevert) as exc:
            send(call, accounts[2])
        assert exc.value.name == "ProtocolUnauthorizedCaller"


def test_clear_subnet_only_from_subnet_registry(w3, client, neurons, subnet, accounts, send):
    _, hotkey, _ = register_neuron(client, subnet, accounts[2])
    registry = protocol_address(client, "subnets")
    receipt = send_as(client, registry, neurons.functions.clearSubnet(subnet))
    (ev,) = events(neurons.events.SubnetNeuronsCleared, receipt)
    assert (ev.args.netuid, ev.args.count) == (subnet, 2)
    assert not neurons.functions.isRegistered(subnet, hotkey.address).call()
    assert neurons.functions.subnetN(subnet).call() == 0
    assert neurons.functions.neurons(subnet, 0, 10).call() == []
