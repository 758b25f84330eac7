"""Stake TAO on a subnet, with a limit price, and read the stake back.

    NETUID=1 python scripts/stake.py

``StakingPools.stake(netuid, hotkey, taoAmount, limitPrice, deadline)`` buys alpha from the
subnet's pool (constant product, a fee of ``feeRate``/65535 on the input) and stakes it to the
hotkey. ``limitPrice`` (TAO per alpha, 1e18-scaled) bounds the pool price after the swap: here
the spot price plus 5%; the transaction reverts with ``PoolLimitPriceExceeded`` beyond it (a
new devnet pool holds only the 10 TAO its owner locked, so even 1 TAO would move it ~20%).
"""

import os

from _chain import connect, contract, deadline, dev_key, send


def main():
    w3, deployment = connect()
    pools, subnets = contract(w3, deployment, "StakingPools"), contract(w3, deployment, "SubnetRegistry")
    netuid = int(os.environ.get("NETUID", 1))
    hotkey = subnets.functions.subnetOwner(netuid).call()[1]  # stake to the owner's hotkey
    staker, amount = dev_key(3), 10**8  # 0.1 TAO in rao

    price = pools.functions.spotPrice(netuid).call()
    limit = price * 105 // 100
    send(w3, pools.functions.stake(netuid, hotkey, amount, limit, deadline(w3)), staker)
    alpha = pools.functions.stakeOf(staker.address, hotkey, netuid).call()
    print(f"staked 0.1 TAO at price {price / 1e18:.9f}: {alpha / 1e9} alpha on hotkey {hotkey}")
    return alpha


if __name__ == "__main__":
    main()
