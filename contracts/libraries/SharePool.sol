// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IStakingPools} from "../interfaces/IStakingPools.sol";
import {INeuronRegistry} from "../interfaces/INeuronRegistry.sol";

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

    // ------------------------------------------------------------------ storage

    /// @notice Every (hotkey, netuid, generation) share pool of the contract, keyed by `key`.
    /// @dev Two mappings in two consecutive slots: the layout of two adjacent mapping declarations.
    struct Pools {
        mapping(bytes32 => Totals) totals;
        mapping(bytes32 => mapping(address => uint256)) shares;
    }

    /// @notice Key of the (netuid, generation, hotkey) pool: keccak of the three packed in one word.
    function key(uint16 netuid, uint32 generation, address hotkey) internal pure returns (bytes32 k) {
        assembly ("memory-safe") {
            let packed := or(shl(176, and(netuid, 0xffff)), shl(160, and(generation, 0xffffffff)))
            mstore(0x00, or(packed, and(hotkey, 0xffffffffffffffffffffffffffffffffffffffff)))
            k := keccak256(0x00, 0x20)
        }
    }

    /// @notice Adds `alpha` for `coldkey` to the (netuid, generation, hotkey) pool; a new hotkey must
    ///         be registered in `neurons`.
    function deposit(
        Pools storage self,
        uint16 netuid,
        uint32 generation,
        address hotkey,
        address coldkey,
        uint256 alpha,
        address neurons
    ) internal {
        bytes32 k = key(netuid, generation, hotkey);
        Totals memory t = self.totals[k];
        if (t.shares == 0 && INeuronRegistry(neurons).hotkeyOwner(hotkey) == address(0)) {
            revert IStakingPools.PoolUnknownHotkey(hotkey);
        }
        uint256 minted = sharesForDepositDown(t, alpha);
        if (minted == 0) revert IStakingPools.PoolZeroShares(netuid, hotkey, alpha);
        self.totals[k] = Totals(toUint128(t.alpha + alpha), toUint128(t.shares + minted));
        self.shares[k][coldkey] += minted;
    }

    /// @notice Removes `alpha` of `coldkey`'s value from the (netuid, generation, hotkey) pool;
    ///         returns true when that was all of it.
    function withdraw(Pools storage self, uint16 netuid, uint32 generation, address hotkey, address coldkey, uint256 alpha)
        internal
        returns (bool all)
    {
        if (alpha == 0) revert IStakingPools.PoolZeroAmount();
        bytes32 k = key(netuid, generation, hotkey);
        Totals memory t = self.totals[k];
        uint256 held = self.shares[k][coldkey];
        uint256 value = valueDown(t, held);
        if (alpha > value) revert IStakingPools.PoolInsufficientStake(netuid, hotkey, coldkey, value, alpha);
        all = alpha == value;
        uint256 burned = all ? held : sharesForWithdrawUp(t, alpha);
        // burned <= held: ceil(alpha * D / V) <= s_c because alpha <= floor(V * s_c / D).
        unchecked {
            self.shares[k][coldkey] = held - burned;
            // t.alpha >= value >= alpha and t.shares >= held >= burned.
            self.totals[k] = Totals(t.alpha - uint128(alpha), t.shares - uint128(burned));
        }
    }

    /// @notice Credits `alpha` of emission to the pool `k`: first `take` of it is staked for `owner`
    ///         at the pre-dividend share price, then the rest raises every holder's value, the
    ///         owner's new shares included (subtensor's order, spec 7.1). An empty pool's whole
    ///         credit is the owner's.
    /// @return ownerAlpha The alpha deposited for `owner`.
    function credit(Pools storage self, bytes32 k, address owner, uint256 alpha, uint256 take)
        internal
        returns (uint256 ownerAlpha)
    {
        // One read and one write of the totals: the take's deposit and the raise in one step.
        Totals memory t = self.totals[k];
        // Nobody to share with: the whole credit is the owner's stake.
        if (t.shares == 0) take = alpha;
        if (take != 0) {
            // The take buys shares at the pre-dividend price (as depositCredit would).
            uint256 minted = sharesForDepositDown(t, take);
            t.shares = toUint128(t.shares + minted);
            if (minted != 0) self.shares[k][owner] += minted;
        }
        t.alpha = toUint128(t.alpha + alpha);
        self.totals[k] = t;
        return take;
    }

    /// @notice Deposit of protocol-credited alpha: if it is too small to mint a share it raises the pool value.
    function depositCredit(Pools storage self, bytes32 k, address coldkey, uint256 alpha) internal {
        Totals memory t = self.totals[k];
        uint256 minted = sharesForDepositDown(t, alpha);
        self.totals[k] = Totals(toUint128(t.alpha + alpha), toUint128(t.shares + minted));
        if (minted != 0) self.shares[k][coldkey] += minted;
    }

    /// @notice Burns all `held` shares of `coldkey` in pool `k`; returns their alpha value, rounded down.
    function burnAll(Pools storage self, bytes32 k, address coldkey, uint256 held) internal returns (uint256 value) {
        Totals memory t = self.totals[k];
        value = valueDown(t, held);
        t.alpha -= uint128(value);
        t.shares -= uint128(held);
        self.totals[k] = t;
        self.shares[k][coldkey] = 0;
    }

    /// @notice `v` as a uint128 total; reverts rather than truncate.
    function toUint128(uint256 v) internal pure returns (uint128) {
        if (v > type(uint128).max) revert IStakingPools.PoolOverflow(v);
        return uint128(v);
    }
}
