"""What the devnet shows: the chain's state read in one place (block, epochs settled, emissions,
top miners, price) and drawn as plain text or a rich table.

Settled epochs are counted from the chain (``EpochSettlement``'s ``EpochSettled`` events), never
from what a process says it did.
"""

from __future__ import annotations

from evmtensor.chain.client import ChainClient
from evmtensor.units import PRICE_SCALE, RAO_PER_TAO

__all__ = ["epochs_settled", "render_rich", "render_text", "settlements", "snapshot"]


def settlements(client: ChainClient, netuid: int) -> list:
    """``netuid``'s ``EpochSettled`` events since the deployment, oldest first."""
    event = client.contract("EpochSettlement").events.EpochSettled
    return event.get_logs(from_block=client.deployment.deploy_block, argument_filters={"netuid": netuid})


def epochs_settled(client: ChainClient, netuid: int) -> int:
    """How many epochs of ``netuid`` the chain has settled."""
    return len(settlements(client, netuid))


def _tao(rao: int) -> str:
    return f"{rao / RAO_PER_TAO:,.4f}"


def snapshot(client: ChainClient, netuid: int) -> dict:
    """The subnet's state now, as plain data (what ``devnet status --json`` prints)."""
    head = client.view("MetagraphViews", "subnet", netuid)
    page = client.view("MetagraphViews", "metagraph", netuid, 0, 256)
    pending = client.view("Emission", "pending", netuid)
    neurons = [
        {"uid": uid, "hotkey": hot, "coldkey": cold, "stake": stake, "incentive": inc,
         "dividends": div, "emission": em, "permit": permit}
        for uid, (hot, cold, stake, inc, div, em, permit) in enumerate(zip(
            page["hotkeys"], page["coldkeys"], page["alphaStake"], page["incentive"],
            page["dividends"], page["emission"], page["validatorPermit"]))
    ]
    settled = settlements(client, netuid)
    return {
        "block": client.w3.eth.block_number, "netuid": netuid, "epochs_settled": len(settled),
        "paid": {"owner": sum(e.args.ownerCut for e in settled), "miners": sum(e.args.minerAlpha for e in settled),
                 "validators": sum(e.args.validatorAlpha for e in settled)},
        "price": head["spotPrice"] / PRICE_SCALE, "moving_price": head["movingPrice"] / PRICE_SCALE,
        "tao_in": head["taoIn"], "alpha_in": head["alphaIn"],
        "pending": {"owner": pending.ownerCut, "miners": pending.serverAlpha,
                    "validators": pending.validatorAlpha, "blocks": pending.blocks},
        "neurons": neurons,
    }


def _process_line(name: str, proc: dict) -> str:
    state = proc.get("state", "?")
    extra = f"  restarts {proc['restarts']}" if proc.get("restarts") else ""
    port = f":{proc['port']}" if proc.get("port") else ""
    return f"  {name:12} {state:8} pid {proc.get('pid')}{port}{extra}"


def render_text(chain: dict | None, processes: dict, notes: list[str], top: int = 5) -> str:
    """The view as plain lines (for logs and pipes)."""
    lines = []
    if chain is None:
        lines.append("chain: not answering")
    else:
        p = chain["pending"]
        lines.append(f"block {chain['block']}  subnet {chain['netuid']}  epochs settled {chain['epochs_settled']}  "
                     f"price {chain['price']:.6f} (ema {chain['moving_price']:.6f})")
        paid = chain["paid"]
        lines.append(f"paid alpha so far: owner {_tao(paid['owner'])}  miners {_tao(paid['miners'])}  "
                     f"validators and nominators {_tao(paid['validators'])}")
        lines.append(f"pending alpha: owner {_tao(p['owner'])}  miners {_tao(p['miners'])}  "
                     f"validators {_tao(p['validators'])}  ({p['blocks']} blocks)")
        lines.append(f"{'uid':>3}  {'hotkey':42}  {'stake':>12}  {'incentive':>9}  {'dividends':>9}  {'emission':>12}")
        ranked = sorted(chain["neurons"], key=lambda n: (-n["emission"], n["uid"]))[:top + 8]
        for n in sorted(ranked, key=lambda n: n["uid"]):
            lines.append(f"{n['uid']:>3}  {n['hotkey']:42}  {_tao(n['stake']):>12}  {n['incentive']:>9}  "
                         f"{n['dividends']:>9}  {_tao(n['emission']):>12}")
    lines.append("processes:")
    lines += [_process_line(name, proc) for name, proc in processes.items()]
    lines += [f"note: {note}" for note in notes[-5:]]
    return "\n".join(lines)


def render_rich(chain: dict | None, processes: dict, notes: list[str], top: int = 5):
    """The view as a rich renderable (for a terminal's live view)."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    parts = []
    if chain is None:
        parts.append(Text("chain: not answering", style="red"))
    else:
        p = chain["pending"]
        parts.append(Text(f"block {chain['block']}  subnet {chain['netuid']}  epochs settled "
                          f"{chain['epochs_settled']}  price {chain['price']:.6f} (ema {chain['moving_price']:.6f})",
                          style="bold"))
        paid = chain["paid"]
        parts.append(Text(f"paid alpha so far: owner {_tao(paid['owner'])}  miners {_tao(paid['miners'])}  "
                          f"validators and nominators {_tao(paid['validators'])}"))
        parts.append(Text(f"pending alpha: owner {_tao(p['owner'])}  miners {_tao(p['miners'])}  "
                          f"validators {_tao(p['validators'])}  ({p['blocks']} blocks)"))
        table = Table("uid", "hotkey", "stake", "incentive", "dividends", "emission", title="top neurons")
        for n in sorted(chain["neurons"], key=lambda n: (-n["emission"], n["uid"]))[:top + 8]:
            table.add_row(str(n["uid"]), n["hotkey"], _tao(n["stake"]), str(n["incentive"]),
                          str(n["dividends"]), _tao(n["emission"]))
        parts.append(table)
    procs = Table("process", "state", "pid", "port", "restarts", title="processes")
    for name, proc in processes.items():
        style = "green" if proc.get("state") == "running" else "red"
        procs.add_row(name, Text(proc.get("state", "?"), style=style), str(proc.get("pid")),
                      str(proc.get("port") or ""), str(proc.get("restarts", 0)))
    parts.append(procs)
    parts += [Text(f"note: {note}", style="yellow") for note in notes[-5:]]
    return Group(*parts)
