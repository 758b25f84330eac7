"""Read a subnet's metagraph: one eth_call per page of UIDs, as parallel arrays.

    NETUID=1 python scripts/metagraph.py

``MetagraphViews.metagraph(netuid, start, count)`` returns a ``MetagraphPage`` struct:
hotkeys, coldkeys, alphaStake, registeredAt, lastUpdate, validatorPermit, incentive and
dividends (u16 fractions of 65535), emission, axons. Pinning every page to one block number
keeps the snapshot consistent.
"""

import os

from _chain import connect, contract


def main():
    w3, deployment = connect()
    views = contract(w3, deployment, "MetagraphViews")
    netuid = int(os.environ.get("NETUID", 1))
    block = w3.eth.block_number
    fields = [o["name"] for o in views.get_function_by_name("metagraph").abi["outputs"][0]["components"]]
    page = dict(zip(fields, views.functions.metagraph(netuid, 0, 256).call(block_identifier=block)))
    print(f"subnet {netuid} at block {block}: {page['n']} UIDs")
    print(f"{'uid':>4} {'hotkey':42} {'stake':>16} {'incentive':>9} {'dividends':>9} permit")
    for uid, hotkey in enumerate(page["hotkeys"]):
        print(f"{uid:>4} {hotkey:42} {page['alphaStake'][uid] / 1e9:>16.9f} "
              f"{page['incentive'][uid] / 65535:>9.4f} {page['dividends'][uid] / 65535:>9.4f} "
              f"{'*' if page['validatorPermit'][uid] else ''}")
    return page


if __name__ == "__main__":
    main()
