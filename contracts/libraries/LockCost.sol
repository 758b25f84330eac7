// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Subnet lock cost (DTAO spec 4.1): doubles on each registration, then decays linearly
///         back to the last lock over one effective interval; never below the minimum.
library LockCost {
    /// @dev 1 TAO in rao: the effective interval scales with emission / 1 TAO.
    uint256 private constant ONE_TAO = 1e9;

    /// @notice cost = max(minLock, mult * lastLock - floor(lastLock / intervalEff) * elapsed), mult = 2
    ///         after a first registration (1 before), intervalEff = interval * emission / 1 TAO.
    ///         The decay per block is floored (cost rounded up) and so is intervalEff, as in subtensor
///         (its I64F64 interval truncated to u64), which makes the decay slightly faster.
    /// @param emission current block emission in rao (shrinks the interval at each halving).
    function current(
        uint256 lastLock,
        uint256 lastLockBlock,
        uint256 nowBlock,
        uint256 minLock,
        uint256 interval,
        uint256 emission
    ) internal pure returns (uint256 cost) {
        if (lastLockBlock == 0) return lastLock > minLock ? lastLock : minLock;
        uint256 intervalEff = interval * emission / ONE_TAO;
        uint256 decayPerBlock = intervalEff == 0 ? 0 : lastLock / intervalEff;
        uint256 doubled = 2 * lastLock;
        uint256 decay = decayPerBlock * (nowBlock - lastLockBlock);
        cost = doubled > decay ? doubled - decay : 0;
        if (cost < minLock) cost = minLock;
    }
}
