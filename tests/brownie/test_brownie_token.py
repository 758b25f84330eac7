"""Runs under `brownie test` only (brownie's own Anvil and accounts): proves the brownie layout
compiles and deploys our contracts. Plain pytest skips this folder (see tests/conftest.py)."""


def test_tao_token_deploys_with_genesis(TaoToken, accounts):
    zero = "0x" + "00" * 20
    protocol = (zero, zero, zero, zero, zero, zero)
    token = TaoToken.deploy(protocol, [accounts[1]], [5 * 10**9], {"from": accounts[0]})
    assert token.decimals() == 9
    assert token.balanceOf(accounts[1]) == 5 * 10**9
    assert token.totalSupply() == 5 * 10**9
