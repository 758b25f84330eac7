"""``evmtensor yuma run|explain``: the Yuma engine's file commands, and ``explain`` over a settled
epoch read from the chain.

    evmtensor yuma run FILE                               (oracle.yuma.cli, unchanged)
    evmtensor yuma explain FILE --epoch K --uid U         (an epoch of a file, as before)
    evmtensor yuma explain NETUID --epoch K --uid U       (epoch K of subnet NETUID, settled on chain)

From the chain, the epoch's inputs are rebuilt exactly as validators built them to sign
(``oracle.epoch.build_epoch_inputs`` over the epoch's ``EpochOpened`` snapshot), Yuma runs in
exact mode, and the result's EIP-712 digest is compared with the one ``EpochSettled`` recorded:
the explanation is of what was paid, or the command says it is not.
"""

from __future__ import annotations

from pathlib import Path

import click

from evmtensor.cli.errors import CliGroup, CommandFailed
from evmtensor.cli.options import chain_options, client_from, json_option
from evmtensor.cli.render import print_json
from oracle.epoch import compute_result, find_opened
from oracle.yuma import YumaMode
from oracle.yuma import cli as file_cli
from oracle.yuma.explain import explain as explain_text

__all__ = ["yuma"]


@click.group("yuma", cls=CliGroup)
def yuma() -> None:
    """Yuma Consensus: replay epoch files, explain an epoch (from a file or the chain)."""


yuma.add_command(file_cli.run)


def _settled_digest(client, netuid: int, epoch: int) -> bytes:
    logs = client.contract("EpochSettlement").events.EpochSettled().get_logs(
        from_block=client.deployment.deploy_block, to_block="latest",
        argument_filters={"netuid": netuid, "epoch": epoch})
    if not logs:
        raise CommandFailed(f"epoch {epoch} of subnet {netuid} was opened but is not settled yet")
    return bytes(logs[-1]["args"]["resultHash"])


def explain_settled(client, netuid: int, epoch: int, uid: int) -> dict:
    """Rebuild settled epoch ``epoch`` of ``netuid`` and explain ``uid``; raises CommandFailed."""
    try:
        snap = find_opened(client, netuid, epoch)
    except LookupError as exc:
        raise CommandFailed(f"{exc} (see `evmtensor devnet status` or the EpochOpened events)") from None
    digest = _settled_digest(client, netuid, epoch)
    if not 0 <= uid < snap.n:
        raise CommandFailed(f"--uid must be below {snap.n}, the epoch's UID count")
    result, inputs, out = compute_result(client, snap)  # build_epoch_inputs at the snapshot, exact mode
    rebuilt = bytes(client.call(client.contract("EpochSettlement").functions.resultDigest(result.as_tuple())))
    return {"netuid": netuid, "epoch": epoch, "uid": uid, "snapshot_block": snap.snapshot_block,
            "matches_settled": rebuilt == digest, "result_hash": digest,
            "incentive_u16": result.incentive[uid], "dividends_u16": result.dividends[uid],
            "server_emission": int(out.server_emission[uid]), "validator_emission": int(out.validator_emission[uid]),
            "explanation": explain_text(inputs, out, uid)}


@yuma.command("explain")
@click.argument("target")
@click.option("--epoch", "epoch", type=click.IntRange(0), required=True,
              help="Epoch index: 0-based in FILE, or the chain's epoch number for NETUID.")
@click.option("--uid", type=click.IntRange(0, 65535), required=True, help="The UID to explain.")
@click.option("--mode", type=click.Choice([m.value for m in YumaMode]), default=None, help="FILE only.")
@click.option("--sim", is_flag=True, help="FILE only: the yuma_vectors/sim format.")
@click.option("--quirks/--no-quirks", default=True, help="FILE only, with --sim.")
@chain_options(required=False)
@json_option
@click.pass_context
def explain(ctx, target, epoch, uid, mode, sim, quirks, rpc_url, deployment_file, as_json) -> None:
    """Explain why UID got what it got: TARGET is an epochs FILE or a subnet's NETUID."""
    if Path(target).is_file() or not target.isdigit():
        if as_json:
            raise click.UsageError("--json is for NETUID (the file command prints text)")
        ctx.invoke(file_cli.explain, file=target, epoch=epoch, uid=uid, mode=mode, sim=sim, quirks=quirks)
        return
    report = explain_settled(client_from(rpc_url, deployment_file), int(target), epoch, uid)
    if as_json:
        print_json(report)
        return
    click.echo(report["explanation"])
    if report["matches_settled"]:
        click.echo(f"(rebuilt from the chain at snapshot block {report['snapshot_block']}; "
                   f"matches the settled result 0x{report['result_hash'].hex()})")
    else:
        click.echo("warning: the rebuilt result differs from the one settled on chain "
                   f"(0x{report['result_hash'].hex()}); this explanation may not be what was paid", err=True)
