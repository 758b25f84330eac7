"""`evmtensor stake ...`: previews computed by hand (fee up, output down) match what the chain
then does, the limit price is honoured at its exact edge, and refusals come back named."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from eth_account import Account

from evmtensor.chain import actions
from evmtensor.chain.amm import Pool
from evmtensor.chain.stake import _worst_pool, quote_stake

FEE_RATE = 33  # the devnet profile's StakingPools feeRate (of 65535)


def _pool(client, netuid) -> tuple[int, int]:
    return tuple(client.call(client.contract("StakingPools").functions.reserves(netuid)))


def _stake_of(client, coldkey, hotkey, netuid) -> int:
    return client.call(client.contract("StakingPools").functions.stakeOf(coldkey, hotkey, netuid))


def _by_hand_stake(tao_reserve: int, alpha_reserve: int, tao_in: int) -> tuple[int, int, Fraction]:
    fee = -(-tao_in * FEE_RATE // 65535)
    out = alpha_reserve * (tao_in - fee) // (tao_reserve + tao_in - fee)
    return fee, out, Fraction(tao_reserve + tao_in, alpha_reserve - out)


def test_add_preview_matches_the_hand_computation_and_the_chain(run, netuid, alice, client, accounts):
    y, x = _pool(client, netuid)
    out = run.json("stake", "add", netuid, "--amount", "0.2", "--wallet-name", "alice", "--yes")
    preview = out["preview"]
    fee, alpha, price_after = _by_hand_stake(y, x, 2 * 10**8)
    assert (preview["amount_in"], preview["fee"], preview["amount_out"]) == (2 * 10**8, fee, alpha)
    assert preview["price_before"] == y * 10**18 // x
    assert preview["price_after"] == -(-price_after.numerator * 10**18 // price_after.denominator)
    assert preview["limit_price"] == int(Fraction(y * 10**18 // x) * Fraction(105, 100))
    spot_alpha = Fraction(2 * 10**8 * x, y)
    assert preview["slippage"] == pytest.approx(float(1 - alpha / spot_alpha))
    assert 0 < preview["min_out"] <= alpha
    assert _stake_of(client, accounts[0].address, alice.hotkey_address(), netuid) == alpha


def test_min_out_is_the_output_when_the_pool_lands_on_the_limit(client, netuid):
    """The worst pool the limit accepts is at the edge: one TAO of reserve further is refused."""
    y, x = _pool(client, netuid)
    p, tao_in, limit = Pool(y, x), 10**7, (y * 10**18 // x) * 102 // 100
    accepts = lambda s: quote_stake(s, tao_in, FEE_RATE).price_after_up <= limit  # noqa: E731
    worst = _worst_pool(p, accepts, upward=True)
    assert worst.tao > p.tao and accepts(worst)
    assert not accepts(Pool(worst.tao + 1, p.k // (worst.tao + 1)))


def test_limit_price_is_honoured_at_its_edge(run, netuid, alice, client, accounts):
    y, x = _pool(client, netuid)
    _, _, after = _by_hand_stake(y, x, 5 * 10**9)
    edge = -(-after.numerator * 10**18 // after.denominator)  # the price after, rounded up
    below = Decimal(edge - 1) / 10**18
    err = run.fails("stake", "add", netuid, "--amount", "5", "--limit-price", f"{below:f}",
                    "--wallet-name", "alice", "--yes")
    assert f"PoolLimitPriceExceeded({edge}, {edge - 1})" in err and "raise --tolerance" in err
    assert _stake_of(client, accounts[0].address, alice.hotkey_address(), netuid) == 0
    out = run.json("stake", "add", netuid, "--amount", "5", "--limit-price", f"{Decimal(edge) / 10**18:f}",
                   "--wallet-name", "alice", "--yes")
    assert out["preview"]["limit_price"] == edge


def test_slippage_past_the_tolerance_is_refused_by_name(run, netuid, alice, client, accounts, w3):
    block = w3.eth.block_number
    result = run("stake", "add", netuid, "--amount", "50", "--tolerance", "0.001", "--wallet-name", "alice")
    assert result.exit_code == 1
    assert "nothing sent: the chain would refuse it with PoolLimitPriceExceeded(" in result.stderr
    assert "the price would move past your limit" in result.stderr
    assert "beyond the limit" in result.stderr and "Send?" not in result.stderr  # no question for a sure refusal
    assert w3.eth.block_number == block
    # With --yes it is sent, and the chain refuses it by the same name and arguments.
    y, x = _pool(client, netuid)
    _, _, after = _by_hand_stake(y, x, 50 * 10**9)
    price_after = -(-after.numerator * 10**18 // after.denominator)
    limit = (y * 10**18 // x) * 1001 // 1000
    sent = run.fails("stake", "add", netuid, "--amount", "50", "--tolerance", "0.001", "--wallet-name", "alice",
                     "--yes")
    assert f"the chain refused the transaction: PoolLimitPriceExceeded({price_after}, {limit})" in sent
    assert f"PoolLimitPriceExceeded({price_after}, {limit})" in result.stderr
    assert w3.eth.block_number == block


def test_remove_all_returns_the_previewed_tao(run, netuid, alice, client, accounts):
    run.json("stake", "add", netuid, "--amount", "0.2", "--wallet-name", "alice", "--yes")
    tao = client.contract("TaoToken").functions
    held = _stake_of(client, accounts[0].address, alice.hotkey_address(), netuid)
    y, x = _pool(client, netuid)
    before = client.call(tao.balanceOf(accounts[0].address))
    out = run.json("stake", "remove", netuid, "--all", "--wallet-name", "alice", "--yes")
    fee = -(-held * FEE_RATE // 65535)
    expected = y * (held - fee) // (x + held - fee)
    assert out["preview"]["amount_in"] == held and out["preview"]["amount_out"] == expected
    assert client.call(tao.balanceOf(accounts[0].address)) - before == expected
    assert _stake_of(client, accounts[0].address, alice.hotkey_address(), netuid) == 0
    nothing = run.fails("stake", "remove", netuid, "--all", "--wallet-name", "alice", "--yes")
    assert "has no stake on hotkey" in nothing


def test_remove_more_than_held_is_refused_by_name(run, netuid, alice, accounts):
    run.json("stake", "add", netuid, "--amount", "0.1", "--wallet-name", "alice", "--yes")
    err = run.fails("stake", "remove", netuid, "--amount", "900", "--wallet-name", "alice", "--yes")
    assert "PoolInsufficientStake(" in err and "you do not have that much stake there" in err
    both = run("stake", "remove", netuid, "--amount", "1", "--all", "--wallet-name", "alice", "--yes")
    assert both.exit_code == 2 and "either --amount or --all" in both.stderr


def test_add_without_tao_and_on_unknown_subnets(run, netuid, alice, bob):
    broke = run.fails("stake", "add", netuid, "--amount", "0.1", "--hotkey-address", alice.hotkey_address(),
                      "--wallet-name", "bob", "--yes")
    assert f"TaoInsufficientBalance('{bob.coldkey_address()}', 0, 100000000)" in broke
    unknown = run.fails("stake", "add", 99, "--amount", "0.1", "--wallet-name", "alice", "--yes")
    assert "subnet 99 has no pool on this chain" in unknown


def test_move_to_another_hotkey_keeps_the_value(run, netuid, alice, client, accounts):
    other = _registered_hotkey(client, netuid, accounts)
    run.json("stake", "add", netuid, "--amount", "0.2", "--wallet-name", "alice", "--yes")
    held = _stake_of(client, accounts[0].address, alice.hotkey_address(), netuid)
    out = run.json("stake", "move", "--origin-netuid", netuid, "--dest-netuid", netuid, "--to", other,
                   "--amount", Decimal(held) / 10**9, "--wallet-name", "alice", "--yes")
    assert out["preview"]["fee"] == 0 and out["preview"]["amount_out"] == held
    assert _stake_of(client, accounts[0].address, alice.hotkey_address(), netuid) == 0
    assert _stake_of(client, accounts[0].address, other, netuid) == held
    listed = run.json("stake", "list", "--wallet-name", "alice")
    assert [(p["netuid"], p["hotkey"], p["alpha"]) for p in listed] == [(netuid, other, held)]


def test_move_across_subnets_prices_both_pools(run, netuid, alice, client, accounts):
    second = actions.register_subnet(client, accounts[1], Account.create())
    second_hot = client.view("SubnetRegistry", "subnetOwner", second)["hotkey"]
    run.json("stake", "add", netuid, "--amount", "0.2", "--wallet-name", "alice", "--yes")
    held = _stake_of(client, accounts[0].address, alice.hotkey_address(), netuid)
    out = run.json("stake", "move", "--origin-netuid", netuid, "--dest-netuid", second, "--to", second_hot,
                   "--all", "--tolerance", "0.2", "--wallet-name", "alice", "--yes")
    preview = out["preview"]
    assert preview["destination_netuid"] == second and preview["fee"] == -(-held * FEE_RATE // 65535)
    assert _stake_of(client, accounts[0].address, second_hot, second) == preview["amount_out"] > 0


def test_transfer_gives_the_stake_to_another_coldkey(run, netuid, alice, client, accounts):
    run.json("stake", "add", netuid, "--amount", "0.2", "--wallet-name", "alice", "--yes")
    held = _stake_of(client, accounts[0].address, alice.hotkey_address(), netuid)
    run.json("stake", "transfer", "--dest", accounts[6].address, "--origin-netuid", netuid, "--dest-netuid", netuid,
             "--all", "--wallet-name", "alice", "--yes")
    assert _stake_of(client, accounts[6].address, alice.hotkey_address(), netuid) == held
    listed = run.json("stake", "list", "--address", accounts[6].address)
    assert listed[0]["alpha"] == held and listed[0]["tao_value_rao"] == held * listed[0]["price"] // 10**18


def test_declined_confirmation_sends_nothing(run, netuid, alice, client, accounts, w3):
    block = w3.eth.block_number
    result = run("stake", "add", netuid, "--amount", "0.1", "--wallet-name", "alice", input="n\n")
    assert result.exit_code == 1 and "Aborted" in result.stderr
    for row in ("amount", "fee", "expected out", "min out", "price now", "price after", "limit", "slippage"):
        assert row in result.stdout
    assert w3.eth.block_number == block


def test_wrong_password_stakes_nothing(run, netuid, alice, client, accounts):
    err = run.fails("stake", "add", netuid, "--amount", "0.1", "--wallet-name", "alice", "--yes",
                    env={"EVMTENSOR_PASSWORD": "wrong"})
    assert "password" in err.lower()
    assert _stake_of(client, accounts[0].address, alice.hotkey_address(), netuid) == 0


def test_overview_shows_registrations_and_stake(run, netuid, alice, client, accounts):
    run.json("stake", "add", netuid, "--amount", "0.1", "--wallet-name", "alice", "--yes")
    out = run.json("wallet", "overview", "--wallet-name", "alice")
    assert out["registrations"] == [{"netuid": netuid, "uid": 0, "hotkey_name": "default",
                                     "hotkey": alice.hotkey_address()}]
    (position,) = out["stake"]
    assert position["alpha"] == _stake_of(client, accounts[0].address, alice.hotkey_address(), netuid)
    assert out["staked_rao"] == position["tao_value_rao"] and out["total_rao"] == out["free_rao"] + out["staked_rao"]


def _registered_hotkey(client, netuid, accounts) -> str:
    hot = Account.create()
    actions.register_neuron(client, netuid, accounts[0], hot)
    return hot.address


def test_positions_include_unregistered_hotkeys_moved_to(run, netuid, alice, client, accounts):
    """Stake moved to a hotkey that holds no UID on that subnet is still listed."""
    second = actions.register_subnet(client, accounts[1], Account.create())
    other_hot = client.view("SubnetRegistry", "subnetOwner", second)["hotkey"]  # registered on `second` only
    run.json("stake", "add", netuid, "--amount", "0.2", "--wallet-name", "alice", "--yes")
    run.json("stake", "move", "--origin-netuid", netuid, "--dest-netuid", netuid, "--to", other_hot, "--all",
             "--wallet-name", "alice", "--yes")
    listed = run.json("stake", "list", "--wallet-name", "alice")
    held = _stake_of(client, accounts[0].address, other_hot, netuid)
    assert held > 0 and [(p["netuid"], p["hotkey"], p["alpha"]) for p in listed] == [(netuid, other_hot, held)]
    table = run("stake", "list", "--wallet-name", "alice")
    assert table.exit_code == 0 and other_hot in table.stdout
