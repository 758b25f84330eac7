// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Nominator shares of one (hotkey, netuid) stake pool (DTAO spec 3.8).
/// @dev V = total alpha of the hotkey on the subnet, D = total shares, s_c = coldkey c's shares;
///      value(c) = floor(V * s_c / D). Emission credited to the hotkey raises V with D unchanged, so
///      every nominator gains pro rata. Deposits mint floor(x * D / V) shares (the first deposit
///      mints x * INITIAL_SHARES_PER_ALPHA, keeping 9 extra digits against later dilution);
///      withdrawals burn ceil(x * D / V) shares, or all of them when x is the whole value.
///      A withdrawer never takes more than floor(V * s_c / D) < V unless s_c = D, so V cannot reach
///      0 while shares remain, and Σ values <= V always.
library SharePool {
    /// @notice Shares minted per alpha on the first deposit into an empty pool.
    uint256 internal constant INITIAL_SHARES_PER_ALPHA = 1e9;

    /// @notice Totals of one (hotkey, netuid) pool, packed in one slot.
    struct Totals {
        uint128 alpha;
        uint128 shares;
    }

    /// @notice Shares a deposit of `alpha` mints, rounded down.
    function sharesForDepositDown(Totals memory t, uint256 alpha) internal pure returns (uint256) {
        if (t.shares == 0 || t.alpha == 0) return alpha * INITIAL_SHARES_PER_ALPHA;
        return (alpha * t.shares) / t.alpha;
    }

    /// @notice Alpha value of `shares`, rounded down.
    function valueDown(Totals memory t, uint256 shares) internal pure returns (uint256) {
        if (t.shares == 0) return 0;
        return (shares * t.alpha) / t.shares;
    }

    /// @notice Shares a withdrawal of `alpha` burns, rounded up (caller checks it against the holder's).
    function sharesForWithdrawUp(Totals memory t, uint256 alpha) internal pure returns (uint256) {
        uint256 num = alpha * t.shares;
        return num / t.alpha + (num % t.alpha == 0 ? 0 : 1);
    }
}
