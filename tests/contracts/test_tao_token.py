"""TaoToken: ERC-20 surface, 9 decimals, 21M cap, protocol-only mint / move / recycle."""

import pytest

from evmtensor.errors import ContractRevert

try:
    from .core_helpers import TAO, events, protocol_address, send_as
except ImportError:
    from core_helpers import TAO, events, protocol_address, send_as

CAP = 21 * 10**15


@pytest.fixture
def token(client):
    return client.contract("TaoToken")


def test_metadata(token):
    assert token.functions.name().call() == "TAO"
    assert token.functions.symbol().call() == "TAO"
    assert token.functions.decimals().call() == 9
    assert token.functions.cap().call() == CAP


def test_genesis_counted_in_supply(token, accounts):
    supply = token.functions.totalSupply().call()
    balances = sum(token.functions.balanceOf(a.address).call() for a in accounts)
    assert supply >= balances > 0
    assert supply <= CAP


def test_transfer_moves_balance_and_emits(token, accounts, send):
    a, b = accounts[1], accounts[2]
    before_a = token.functions.balanceOf(a.address).call()
    before_b = token.functions.balanceOf(b.address).call()
    receipt = send(token.functions.transfer(b.address, 5 * TAO), a)
    assert token.functions.balanceOf(a.address).call() == before_a - 5 * TAO
    assert token.functions.balanceOf(b.address).call() == before_b + 5 * TAO
    (ev,) = events(token.events.Transfer, receipt)
    assert (ev.args["from"], ev.args.to, ev.args.value) == (a.address, b.address, 5 * TAO)


def test_RevertWhen_transfer_exceeds_balance(token, accounts, send):
    a, b = accounts[1], accounts[2]
    balance = token.functions.balanceOf(a.address).call()
    with pytest.raises(ContractRevert) as exc:
        send(token.functions.transfer(b.address, balance + 1), a)
    assert exc.value.name == "TaoInsufficientBalance"


def test_RevertWhen_transfer_to_zero(token, accounts, send):
    with pytest.raises(ContractRevert) as exc:
        send(token.functions.transfer("0x" + "00" * 20, 1), accounts[1])
    assert exc.value.name == "TaoZeroAddress"


def test_approve_and_transfer_from(token, accounts, send):
    owner, spender, to = accounts[1], accounts[2], accounts[3]
    receipt = send(token.functions.approve(spender.address, 3 * TAO), owner)
    (ev,) = events(token.events.Approval, receipt)
    assert ev.args.value == 3 * TAO
    send(token.functions.transferFrom(owner.address, to.address, 2 * TAO), spender)
    assert token.functions.allowance(owner.address, spender.address).call() == TAO
    with pytest.raises(ContractRevert) as exc:
        send(token.functions.transferFrom(owner.address, to.address, 2 * TAO), spender)
    assert exc.value.name == "TaoInsufficientAllowance"


def test_infinite_allowance_is_not_spent(token, accounts, send):
    owner, spender = accounts[1], accounts[2]
    send(token.functions.approve(spender.address, 2**256 - 1), owner)
    send(token.functions.transferFrom(owner.address, spender.address, TAO), spender)
    assert token.functions.allowance(owner.address, spender.address).call() == 2**256 - 1


@pytest.mark.parametrize("fn", ["mint", "recycle", "protocolTransferFrom"])
def test_RevertWhen_protocol_function_called_by_account(token, accounts, send, fn):
    a = accounts[1]
    call = {
        "mint": token.functions.mint(a.address, 1),
        "recycle": token.functions.recycle(a.address, 1),
        "protocolTransferFrom": token.functions.protocolTransferFrom(a.address, accounts[2].address, 1),
    }[fn]
    with pytest.raises(ContractRevert) as exc:
        send(call, a)
    assert exc.value.name == "ProtocolUnauthorizedCaller"


def test_mint_only_by_emission(w3, client, token, accounts):
    emission = protocol_address(client, "emission")
    supply = token.functions.totalSupply().call()
    send_as(client, emission, token.functions.mint(accounts[5].address, 7 * TAO))
    assert token.functions.totalSupply().call() == supply + 7 * TAO
    for other in ("subnets", "neurons", "pools"):
        with pytest.raises(ContractRevert) as exc:
            send_as(client, protocol_address(client, other), token.functions.mint(accounts[5].address, 1))
        assert exc.value.name == "ProtocolUnauthorizedCaller"


def test_mint_reverts_past_cap(w3, client, token, accounts):
    emission = protocol_address(client, "emission")
    room = CAP - token.functions.totalSupply().call()
    with pytest.raises(ContractRevert) as exc:
        send_as(client, emission, token.functions.mint(accounts[5].address, room + 1))
    assert exc.value.name == "TaoCapExceeded"
    send_as(client, emission, token.functions.mint(accounts[5].address, room))
    assert token.functions.totalSupply().call() == CAP
    assert token.functions.blockEmission().call() == 0


def test_recycle_lowers_issuance(w3, client, token, accounts):
    neurons = protocol_address(client, "neurons")
    a = accounts[4]
    supply = token.functions.totalSupply().call()
    balance = token.functions.balanceOf(a.address).call()
    receipt = send_as(client, neurons, token.functions.recycle(a.address, 3 * TAO))
    assert token.functions.totalSupply().call() == supply - 3 * TAO
    assert token.functions.balanceOf(a.address).call() == balance - 3 * TAO
    (ev,) = events(token.events.Recycled, receipt)
    assert (ev.args["from"], ev.args.amount, ev.args.by) == (a.address, 3 * TAO, neurons)
    (tr,) = events(token.events.Transfer, receipt)
    assert tr.args.to == "0x" + "00" * 20


def test_protocol_transfer_from_needs_no_allowance(w3, client, token, accounts):
    pools = protocol_address(client, "pools")
    a, b = accounts[6], accounts[7]
    before = token.functions.balanceOf(b.address).call()
    send_as(client, pools, token.functions.protocolTransferFrom(a.address, b.address, TAO))
    assert token.functions.balanceOf(b.address).call() == before + TAO
    with pytest.raises(ContractRevert) as exc:
        send_as(client, pools, token.functions.protocolTransferFrom(a.address, b.address, 10**30))
    assert exc.value.name == "TaoInsufficientBalance"
