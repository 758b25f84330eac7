"""``evmtensor weights check|set|commit|reveal`` against Anvil.

For every rule of the Weights contract a scenario breaks exactly that rule; the check must fail it
(exit 1, the rule named with a fix) and predict the revert, ``weights set`` must refuse to send,
and the same row, signed and posted by hand, must revert with the predicted error: a check that
drifts from the contract fails here.
"""

from __future__ import annotations

import json

import pytest

from contracts.core_helpers import protocol_address, register_neuron, send_as
from evmtensor.chain import actions
from evmtensor.chain.weights import (
    CommitMessage, Reveal, WeightsRow, commit_weights, reveal_weights, set_weights, sign_commit, sign_weights,
)
from evmtensor.errors import ContractRevert
from evmtensor.wallet import PasswordSource

PW = PasswordSource(password="pw")  # the CLI tests' wallet password (conftest.PASSWORD)


class Net:
    """alice's subnet: her hotkey UID 0, bob's hotkey UID 1, two more UIDs (2, 3); n = 4."""

    def __init__(self, client, w3, accounts, alice, bob, netuid, run):
        self.client, self.w3, self.accounts, self.run, self.netuid = client, w3, accounts, run, netuid
        self.alice, self.bob = alice, bob
        register_neuron(client, netuid, accounts[1], bob.hotkey(PW))
        for _ in range(2):
            register_neuron(client, netuid, accounts[1])
        self.relay = accounts[5]

    def hp(self, **changes):
        hp = dict(self.client.view("SubnetRegistry", "hyperparameters", self.netuid))
        actions.set_hyperparameters(self.client, self.alice.coldkey(PW), self.netuid, {**hp, **changes})

    def permit(self, uid: int) -> None:
        n = int(self.client.call(self.client.contract("NeuronRegistry").functions.subnetN(self.netuid)))
        records = [(0, 0, 0, u == uid) for u in range(n)]
        send_as(self.client, protocol_address(self.client, "settlement"),
                self.client.contract("NeuronRegistry").functions.recordEpoch(self.netuid, self.w3.eth.block_number, 0,
                                                                             records))

    def mine(self, n: int) -> None:
        if n:
            self.w3.provider.make_request("anvil_mine", [hex(n)])

    def mine_to_epoch_start(self, tempo: int) -> None:
        """Mine so that the next transaction lands in the first block of an epoch."""
        landing = self.w3.eth.block_number + 1
        self.mine(-(landing + self.netuid + 1) % (tempo + 1))

    def wallet(self, who: str):
        return self.alice if who == "alice" else self.bob

    def check(self, *args, who="alice", netuid=None, action=None):
        extra = ["--action", action] if action else []
        result = self.run("weights", "check", self.netuid if netuid is None else netuid, *args, *extra,
                          "--wallet-name", who, "--json")
        return result.exit_code, json.loads(result.stdout), result.stderr

    def sign(self, message: dict, who="alice"):
        row = WeightsRow(message["netuid"], tuple(message["uids"]), tuple(message["weights"]), message["version_key"],
                         message["nonce"], message["deadline_block"])
        hotkey = self.wallet(who).hotkey(PW)
        return sign_weights(hotkey, self.client.deployment.address("Weights"), self.client.deployment.chain_id, row)

    def nonce(self, who="alice") -> int:
        address = self.wallet(who).hotkey_address()
        return self.client.view("Weights", "weightsState", self.netuid, address)["nonce"]


@pytest.fixture
def net(client, w3, accounts, alice, bob, netuid, run):
    return Net(client, w3, accounts, alice, bob, netuid, run)


ROW = ("--uids", "0,1,2", "--weights", "10,20,30")


def _set_once(net):
    net.run("weights", "set", net.netuid, *ROW, "--wallet-name", "alice")


# (rule that fails, contract error, setup(net), CLI args, wallet, netuid override)
SCENARIOS = [
    ("subnet exists", "WeightsSubnetNotFound", None, ROW, "alice", 77),
    ("commit-reveal disabled", "WeightsCommitRevealEnabled", lambda n: n.hp(commitRevealEnabled=True), ROW, "alice",
     None),
    ("deadline", "WeightsDeadlinePassed", None, (*ROW, "--deadline-block", "1"), "alice", None),
    ("nonce", "WeightsNonceUsed", _set_once, ("--uids", "0", "--weights", "5", "--nonce", "1"), "alice", None),
    ("registration", "WeightsNotRegistered", None, ROW, "bob", 1000),  # on another subnet (below)
    ("rate limit", "WeightsRateLimited", lambda n: (n.hp(weightsRateLimit=50), _set_once(n)), ROW, "alice", None),
    ("validator permit", "WeightsNoValidatorPermit", None, ROW, "bob", None),
    ("version key", "WeightsVersionKeyTooLow", lambda n: n.hp(weightsVersionKey=7), (*ROW, "--version-key", "6"),
     "alice", None),
    ("well-formed", "WeightsMalformedRow", None, ("--uids", "0,1", "--weights", "5"), "alice", None),
    ("min allowed weights", "WeightsTooFew", lambda n: n.hp(minAllowedWeights=3), ("--uids", "0,1", "--weights",
                                                                                  "1,1"), "alice", None),
    ("uids in range", "WeightsUidOutOfRange", None, ("--uids", "0,4", "--weights", "1,1"), "alice", None),
    ("sorted", "WeightsUidsNotAscending", None, ("--uids", "2,1", "--weights", "1,1"), "alice", None),
    ("unique", "WeightsUidsNotAscending", None, ("--uids", "1,1", "--weights", "1,1"), "alice", None),
]


@pytest.mark.parametrize("rule,error,setup,args,who,target", SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_each_rule_fails_as_the_contract_reverts(net, accounts, rule, error, setup, args, who, target):
    netuid = target
    if rule == "registration":  # a subnet where bob's hotkey has no UID
        netuid = actions.register_subnet(net.client, accounts[2], net.client.w3.eth.account.create())
    if setup:
        setup(net)
    code, report, stderr = net.check(*args, who=who, netuid=netuid)
    assert code == 1 and "Error:" in stderr and error in stderr
    failed = [r for r in report["rules"] if r["status"] == "fail"]
    assert rule in [r["name"] for r in failed], report
    assert all(r["fix"] for r in failed)
    assert report["reverts_with"] == error and report["chain_reason"] == error

    nonce = net.nonce(who)
    result = net.run("weights", "set", net.netuid if netuid is None else netuid, *args, "--wallet-name", who)
    assert result.exit_code == 1 and "not sent" in result.stderr
    assert net.nonce(who) == nonce

    signed = net.sign(report["message"], who)
    with pytest.raises(ContractRevert) as info:
        set_weights(net.client, signed, net.relay)
    assert info.value.name == error


def test_signature_rule_matches_the_contract(net, accounts):
    """The CLI always signs with the hotkey; a row signed by another key fails the same rule."""
    from evmtensor.cli.weights_rules import check_row

    code, report, _ = net.check(*ROW)
    assert code == 0
    signed = net.sign(report["message"])
    forged = type(signed)(signed.hotkey, signed.row, net.sign(report["message"], "bob").signature)
    verdict = check_row(net.client, forged)
    assert verdict.reverts_with == verdict.chain_reason == "WeightsInvalidSignature"
    with pytest.raises(ContractRevert) as info:
        set_weights(net.client, forged, net.relay)
    assert info.value.name == "WeightsInvalidSignature"


def test_max_weight_limit_rule(w3, accounts, tmp_path, alice, run):
    """A deployment with maxWeightLimit one third: 21846 of 65536 exceeds it, 21845 each does not."""
    from contracts.core_helpers import deploy_with

    client = deploy_with(w3, accounts, {"Weights": {"maxWeightLimit": 21845}})
    dep = tmp_path / "limited.json"
    client.deployment.save(dep)
    run = type(run)(["--rpc-url", w3.provider.endpoint_uri, "--deployment", str(dep)])
    netuid = actions.register_subnet(client, accounts[0], alice.hotkey(PW))
    for _ in range(2):
        register_neuron(client, netuid, accounts[1])
    bad = ("--uids", "0,1,2", "--weights", "21846,21845,21845")
    result = run("weights", "check", netuid, *bad, "--wallet-name", "alice", "--json")
    report = json.loads(result.stdout)
    assert result.exit_code == 1 and report["reverts_with"] == report["chain_reason"] == "WeightsMaxWeightExceeded"
    row = WeightsRow(netuid, (0, 1, 2), (21846, 21845, 21845), 0, report["message"]["nonce"],
                     report["message"]["deadline_block"])
    signed = sign_weights(alice.hotkey(PW), client.deployment.address("Weights"), client.deployment.chain_id, row)
    with pytest.raises(ContractRevert) as info:
        set_weights(client, signed, accounts[5])
    assert info.value.name == "WeightsMaxWeightExceeded"
    ok = run("weights", "set", netuid, "--uids", "0,1,2", "--weights", "21845,21845,21845", "--wallet-name", "alice")
    assert ok.exit_code == 0, ok.output


def test_set_sends_a_row_that_passes_every_rule(net):
    code, report, _ = net.check(*ROW)
    assert code == 0 and report["ok"] and report["chain_reason"] == ""
    assert {r["status"] for r in report["rules"]} == {"pass"}
    result = net.run("weights", "set", net.netuid, *ROW, "--wallet-name", "alice", "--json")
    assert result.exit_code == 0, result.output
    sent = json.loads(result.stdout)
    (event,) = net.client.contract("Weights").events.WeightsSet().get_logs(from_block=sent["block"],
                                                                         to_block=sent["block"])
    assert event["args"]["uid"] == 0 and event["args"]["uids"] == bytes.fromhex("000000010002")
    assert event["args"]["values"] == bytes.fromhex("000a0014001e") and net.nonce() == 1
    table = net.run("weights", "check", net.netuid, *ROW, "--wallet-name", "alice")
    assert table.exit_code == 1 and "rate limit" in table.stdout and "WeightsRateLimited" in table.stdout


def test_bob_with_a_permit_or_a_self_weight_passes(net):
    assert net.check("--uids", "1", "--weights", "1", who="bob")[0] == 0  # a self-weight needs no permit
    net.permit(1)
    assert net.check(*ROW, who="bob")[0] == 0


# ------------------------------------------------------------------------------ commit-reveal

CR = ("--uids", "0,1", "--weights", "3,4")
SALT = "0x" + "ab" * 32


@pytest.fixture
def cr_net(net):
    net.hp(commitRevealEnabled=True, commitRevealPeriod=1, tempo=9, weightsRateLimit=0)
    return net


def _reveal_fails(net, error, salt=SALT, args=CR):
    code, report, stderr = net.check(*args, "--salt", salt, action="reveal")
    assert code == 1 and report["reverts_with"] == report["chain_reason"] == error, report
    result = net.run("weights", "reveal", net.netuid, *args, "--salt", salt, "--wallet-name", "alice")
    assert result.exit_code == 1 and "not sent" in result.stderr
    hotkey = net.alice.hotkey(PW)
    uids, values = (tuple(int(x) for x in a.split(",")) for a in (args[1], args[3]))
    with pytest.raises(ContractRevert) as info:
        reveal_weights(net.client, Reveal(hotkey.address, net.netuid, uids, values, 0, bytes.fromhex(salt[2:])),
                       net.relay)
    assert info.value.name == error


def test_commit_reveal_rules(cr_net):
    net = cr_net
    _reveal_fails(net, "WeightsNoPendingCommit")
    net.mine_to_epoch_start(9)
    result = net.run("weights", "commit", net.netuid, *CR, "--salt", SALT, "--wallet-name", "alice")
    assert result.exit_code == 0 and f"--salt {SALT}" in result.stdout, result.output
    _reveal_fails(net, "WeightsRevealTooEarly")
    _reveal_fails(net, "WeightsRevealMismatch", salt="0x" + "cd" * 32)
    net.mine(10)  # one epoch (tempo 9): the reveal epoch
    result = net.run("weights", "reveal", net.netuid, *CR, "--salt", SALT, "--wallet-name", "alice", "--json")
    assert result.exit_code == 0, result.output
    assert net.client.view("Weights", "weightsState", net.netuid, net.alice.hotkey_address())["revealed"]
    # Revealed: the check refuses a second reveal; the contract treats the same one as a no-op.
    code, report, _ = net.check(*CR, "--salt", SALT, action="reveal")
    assert code == 1 and report["reverts_with"] == report["chain_reason"] == "WeightsNoPendingCommit"
    hotkey = net.alice.hotkey(PW)
    receipt = reveal_weights(net.client, Reveal(hotkey.address, net.netuid, (0, 1), (3, 4), 0, bytes.fromhex("ab" * 32)),
                             net.relay)
    assert net.client.events(receipt, "Weights", "WeightsSet") == []


def test_commit_expires(cr_net):
    net = cr_net
    assert net.run("weights", "commit", net.netuid, *CR, "--salt", SALT, "--wallet-name", "alice").exit_code == 0
    net.mine(25)
    _reveal_fails(net, "WeightsCommitExpired")


def test_commit_when_commit_reveal_is_off(net):
    code, report, _ = net.check(*CR, action="commit")
    assert code == 1 and report["reverts_with"] == report["chain_reason"] == "WeightsCommitRevealDisabled"
    result = net.run("weights", "commit", net.netuid, *CR, "--wallet-name", "alice")
    assert result.exit_code == 1 and "not sent" in result.stderr and "weights set" in result.stderr
    assert net.nonce() == 0


def test_bad_lists_are_usage_errors(net):
    result = net.run("weights", "check", net.netuid, "--uids", "0,x", "--weights", "1,1", "--wallet-name", "alice")
    assert result.exit_code == 2 and "comma-separated" in result.output
    result = net.run("weights", "check", net.netuid, "--uids", "0", "--weights", "70000", "--wallet-name", "alice")
    assert result.exit_code == 2 and "u16" in result.output


def test_a_second_commit_inside_the_rate_limit(cr_net):
    net = cr_net
    net.hp(weightsRateLimit=50)
    assert net.run("weights", "commit", net.netuid, *CR, "--salt", SALT, "--wallet-name", "alice").exit_code == 0
    code, report, _ = net.check(*CR, action="commit")
    assert code == 1 and report["reverts_with"] == report["chain_reason"] == "WeightsRateLimited"
    hotkey = net.alice.hotkey(PW)
    commit = CommitMessage(net.netuid, bytes.fromhex(report["message"]["commit_hash"][2:]), report["message"]["nonce"],
                           net.w3.eth.block_number + 20)
    signed = sign_commit(hotkey, net.client.deployment.address("Weights"), net.client.deployment.chain_id, commit)
    with pytest.raises(ContractRevert) as info:
        commit_weights(net.client, signed, net.relay)
    assert info.value.name == "WeightsRateLimited"


def test_the_table_names_the_failed_rule_and_its_fix(net):
    result = net.run("weights", "check", net.netuid, "--uids", "2,1", "--weights", "1,1", "--wallet-name", "alice")
    assert result.exit_code == 1
    (line,) = [ln for ln in result.stdout.splitlines() if "sorted" in ln]
    assert "FAIL" in line and "ascending order" in line and "WeightsUidsNotAscending" in line
    assert "the contract would revert with WeightsUidsNotAscending" in result.stdout
    assert "Error: 1 rule(s) fail" in result.stderr


def test_an_unknown_wallet_is_a_cli_error(net):
    stderr = net.run.fails("weights", "set", net.netuid, *ROW, "--wallet-name", "nobody")
    assert "nobody" in stderr and net.nonce() == 0
