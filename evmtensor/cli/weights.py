"""``evmtensor weights set|commit|reveal|check``: a validator's weights row, signed by its hotkey.

    evmtensor weights check NETUID --uids 1,4,5 --weights 100,200,300 [--action set|commit|reveal]
    evmtensor weights set NETUID --uids 1,4,5 --weights 100,200,300
    evmtensor weights commit NETUID --uids ... --weights ...    (prints the salt to reveal with)
    evmtensor weights reveal NETUID --uids ... --weights ... --salt 0x... --version-key K

The hotkey signs the message (EIP-712, ``evmtensor.chain.weights``) and sends it to the chain
itself, paying the gas; with ``--relay-url`` it goes to a relay instead, which posts it and pays
(the signature is what counts; the relay's receipt is printed). Before anything is sent, every
rule of the Weights contract is replayed against the current state (:mod:`.weights_rules`); if
one fails, the table of rules says which and how to fix it, and nothing is sent (exit 1).
``check`` only prints that table.

Defaults follow the chain: the nonce is the hotkey's last accepted nonce + 1, the version key
the subnet's required one, the deadline 100 blocks ahead.
"""

from __future__ import annotations

import os
import secrets

import click

from evmtensor.chain import weights as w
from evmtensor.chain.client import ChainClient
from evmtensor.cli.errors import CliGroup, CommandFailed
from evmtensor.cli.options import chain_options, client_from, json_option, wallet_options
from evmtensor.cli.render import console, print_json, receipt_json
from evmtensor.cli.weights_rules import Verdict, check_commit, check_reveal, check_row
from evmtensor.units import U16_MAX
from evmtensor.wallet import PasswordSource, Wallet
from oracle.relay.client import RelayClient, RelayError

__all__ = ["weights"]


def _u16_list(ctx, param, value: str | None) -> tuple[int, ...] | None:
    if value is None:
        return None
    try:
        items = tuple(int(v) for v in value.replace(" ", "").split(",") if v != "")
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a comma-separated list of integers") from None
    bad = [v for v in items if not 0 <= v <= U16_MAX]
    if bad:
        raise click.BadParameter(f"{bad} are not u16 values (0..65535)")
    return items


def _salt(ctx, param, value: str | None) -> bytes | None:
    if value is None:
        return None
    try:
        raw = bytes.fromhex(value.removeprefix("0x"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not hex") from None
    if len(raw) != 32:
        raise click.BadParameter("a salt is 32 bytes (64 hex digits)")
    return raw


def _row_options(command):
    options = [
        click.argument("netuid", type=click.IntRange(0, U16_MAX)),
        click.option("--uids", required=True, callback=_u16_list, help="UIDs, comma-separated, ascending."),
        click.option("--weights", "values", required=True, callback=_u16_list,
                     help="One u16 weight per UID, comma-separated (only their ratios matter)."),
        click.option("--version-key", type=click.IntRange(0, 2**64 - 1),
                     help="Version key (default: the subnet's required one)."),
        click.option("--nonce", type=click.IntRange(0, 2**64 - 1), help="Default: the last accepted + 1."),
        click.option("--deadline-block", type=click.IntRange(0, 2**64 - 1), help="Last block it may land in."),
        click.option("--deadline-blocks", type=click.IntRange(1), default=100, show_default=True,
                     help="Or: this many blocks from now."),
        wallet_options("the weights (and pays the gas)"),
        chain_options(required=False),
        json_option,
    ]
    for option in reversed(options):
        command = option(command)
    return command


class _Context:
    """The parsed options of one invocation, the client, the hotkey, and the defaults filled in."""

    def __init__(self, p: dict):
        self.p = p
        self.client: ChainClient = client_from(p["rpc_url"], p["deployment_file"])
        passwords = PasswordSource(password_file=p["password_file"])
        self.hotkey = Wallet(p["wallet_name"], p["wallet_path"]).hotkey(passwords, p["hotkey"])
        self.netuid = p["netuid"]
        self.contract = self.client.deployment.address("Weights")
        self.chain_id = self.client.deployment.chain_id

    def version_key(self) -> int:
        if self.p["version_key"] is not None:
            return self.p["version_key"]
        if not self.client.call(self.client.contract("NeuronRegistry").functions.subnetN(self.netuid)):
            return 0  # no subnet: the check says so
        return int(self.client.view("SubnetRegistry", "hyperparameters", self.netuid)["weightsVersionKey"])

    def nonce(self) -> int:
        if self.p["nonce"] is not None:
            return self.p["nonce"]
        return int(self.client.view("Weights", "weightsState", self.netuid, self.hotkey.address)["nonce"]) + 1

    def deadline(self) -> int:
        if self.p["deadline_block"] is not None:
            return self.p["deadline_block"]
        return self.client.block_number() + self.p["deadline_blocks"]

    def signed_row(self) -> w.SignedWeights:
        row = w.WeightsRow(self.netuid, self.p["uids"], self.p["values"], self.version_key(), self.nonce(),
                           self.deadline())
        return w.sign_weights(self.hotkey, self.contract, self.chain_id, row)

    def reveal(self, salt: bytes) -> w.Reveal:
        return w.Reveal(self.hotkey.address, self.netuid, self.p["uids"], self.p["values"], self.version_key(), salt)

    def signed_commit(self, salt: bytes) -> w.SignedCommit:
        commit = w.CommitMessage(self.netuid, self.reveal(salt).commit_hash, self.nonce(), self.deadline())
        return w.sign_commit(self.hotkey, self.contract, self.chain_id, commit)


_MARK = {"pass": "[green]pass[/]", "fail": "[bold red]FAIL[/]", "skip": "[dim]skip[/]"}


def _print_verdict(verdict: Verdict, stderr: bool = False) -> None:
    from rich.table import Table

    table = Table(title=f"weights {verdict.action} on subnet {verdict.netuid} by {verdict.hotkey}, "
                        f"landing in block {verdict.landing_block}")
    for column in ("rule", "result", "found", "how to fix", "contract error"):
        table.add_column(column, overflow="fold")
    for r in verdict.rules:
        table.add_row(r.name, _MARK[r.status], r.detail, r.fix, r.error if r.status == "fail" else "")
    out = console(stderr)
    out.print(table)
    if verdict.ok:
        out.print("every rule passes")
    else:
        out.print(f"the contract would revert with {verdict.reverts_with}")
    if verdict.chain_reason is not None and (verdict.chain_reason or None) != verdict.reverts_with:
        out.print(f"[bold yellow]warning[/]: the contract's own check says {verdict.chain_reason or 'accepted'}")


def _gate(verdict: Verdict, as_json: bool) -> None:
    """Stop before sending when a rule fails (the rules on stdout, the reason on stderr)."""
    if verdict.ok:
        return
    if as_json:
        print_json(verdict.as_json())
    else:
        _print_verdict(verdict)
    failed = verdict.first_failure
    raise CommandFailed(f"not sent: {failed.name} fails ({failed.detail}): {failed.fix}")


relay_option = click.option("--relay-url", envvar="EVMTENSOR_RELAY_URL",
                            help="Post through this relay (it pays the gas) instead of sending directly.")


def _via_relay(url: str, post) -> dict:
    """``post(RelayClient)``'s receipt; a refusal or an unreachable relay is a CLI error."""
    try:
        with RelayClient(url) as relay:
            return post(relay)
    except RelayError as exc:
        raise CommandFailed(str(exc)) from exc


def _print_relayed(receipt: dict, as_json: bool, **info) -> None:
    if as_json:
        print_json({"relay": receipt, **info})
    else:
        click.echo(f"posted to the relay: submission {receipt.get('id')} is {receipt.get('status')}")


def _row_json(row: w.WeightsRow) -> dict:
    return {"netuid": row.netuid, "uids": list(row.uids), "weights": list(row.values),
            "version_key": row.version_key, "nonce": row.nonce, "deadline_block": row.deadline_block}


@click.group("weights", cls=CliGroup)
def weights() -> None:
    """Validators' weights: set, commit, reveal, and check against every chain rule."""


@weights.command("check")
@_row_options
@click.option("--action", type=click.Choice(["set", "commit", "reveal"]), default="set", show_default=True,
              help="Which submission to check.")
@click.option("--salt", callback=_salt, help="With --action reveal: the commit's salt (hex, 32 bytes).")
def check(**p) -> None:
    """Replay every Weights rule for this row against the chain now; exit 1 if one fails."""
    ctx = _Context(p)
    if p["action"] == "set":
        signed = ctx.signed_row()
        verdict, message = check_row(ctx.client, signed), _row_json(signed.row)
    elif p["action"] == "commit":
        commit = ctx.signed_commit(p["salt"] or bytes(32))
        verdict, message = check_commit(ctx.client, commit), {"commit_hash": commit.commit.commit_hash,
                                                              "nonce": commit.commit.nonce}
    else:
        if p["salt"] is None:
            raise click.UsageError("--action reveal needs --salt")
        reveal = ctx.reveal(p["salt"])
        verdict, message = check_reveal(ctx.client, reveal), {"version_key": reveal.version_key}
    if p["as_json"]:
        print_json({**verdict.as_json(), "message": message})
    else:
        _print_verdict(verdict)
    if not verdict.ok:
        failed = verdict.first_failure
        raise CommandFailed(f"{sum(r.status == 'fail' for r in verdict.rules)} rule(s) fail; the contract would "
                            f"revert with {failed.error}: {failed.fix}")


@weights.command("set")
@_row_options
@relay_option
def set_(**p) -> None:
    """Sign the row with the hotkey and send it (after every rule passes)."""
    ctx = _Context(p)
    signed = ctx.signed_row()
    _gate(check_row(ctx.client, signed, ask_chain=False), p["as_json"])
    if p["relay_url"]:
        receipt = _via_relay(p["relay_url"], lambda relay: relay.post_weights(signed))
        _print_relayed(receipt, p["as_json"], **_row_json(signed.row))
        return
    receipt = w.set_weights(ctx.client, signed, ctx.hotkey)
    _report(ctx, receipt, "WeightsSet", _row_json(signed.row), p["as_json"])


@weights.command("commit")
@_row_options
@click.option("--salt", callback=_salt, help="32 bytes hex (default: random, printed).")
@relay_option
def commit(**p) -> None:
    """Commit the row's hash (commit-reveal subnets); prints what `weights reveal` needs."""
    ctx = _Context(p)
    salt = p["salt"] or secrets.token_bytes(32)
    signed = ctx.signed_commit(salt)
    _gate(check_commit(ctx.client, signed, ask_chain=False), p["as_json"])
    info = {"netuid": ctx.netuid, "commit_hash": signed.commit.commit_hash, "salt": salt,
            "version_key": ctx.reveal(salt).version_key, "nonce": signed.commit.nonce}
    if p["relay_url"]:
        receipt = _via_relay(p["relay_url"], lambda relay: relay.post_commit(signed))
        _print_relayed(receipt, p["as_json"], **info)
        where = "through the relay"
    else:
        receipt = w.commit_weights(ctx.client, signed, ctx.hotkey)
        (event,) = ctx.client.events(receipt, "Weights", "WeightsCommitted")
        info["reveal_epoch"] = event["args"]["revealEpoch"]
        if p["as_json"]:
            print_json(receipt_json(receipt, **info))
        where = f"in block {receipt['blockNumber']}; reveal in epoch {info['reveal_epoch']}"
    if p["as_json"]:
        return
    uids, values = ",".join(map(str, p["uids"])), ",".join(map(str, p["values"]))
    click.echo(f"committed 0x{signed.commit.commit_hash.hex()} {where}, with:{os.linesep}  evmtensor weights reveal {ctx.netuid} --uids {uids} "
               f"--weights {values} --version-key {info['version_key']} --salt 0x{salt.hex()}")


@weights.command("reveal")
@_row_options
@click.option("--salt", callback=_salt, required=True, help="The commit's salt (hex, 32 bytes).")
@relay_option
def reveal(**p) -> None:
    """Reveal the pending commit's row (after every rule passes)."""
    ctx = _Context(p)
    rev = ctx.reveal(p["salt"])
    _gate(check_reveal(ctx.client, rev, ask_chain=False), p["as_json"])
    if p["relay_url"]:
        receipt = _via_relay(p["relay_url"], lambda relay: relay.post_reveal(rev))
        _print_relayed(receipt, p["as_json"], netuid=ctx.netuid, uids=list(rev.uids), weights=list(rev.values))
        return
    receipt = w.reveal_weights(ctx.client, rev, ctx.hotkey)
    _report(ctx, receipt, "WeightsSet", {"netuid": ctx.netuid, "uids": list(rev.uids), "weights": list(rev.values),
                                         "version_key": rev.version_key}, p["as_json"])


def _report(ctx: _Context, receipt: dict, event_name: str, info: dict, as_json: bool) -> None:
    (event,) = ctx.client.events(receipt, "Weights", event_name)
    if as_json:
        print_json(receipt_json(receipt, uid=event["args"]["uid"], **info))
    else:
        click.echo(f"weights of UID {event['args']['uid']} set on subnet {ctx.netuid} in block "
                   f"{receipt['blockNumber']} ({len(info['uids'])} UIDs)")
