// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IStakingPools} from "../interfaces/IStakingPools.sol";

/// @notice Nominator shares of one (hotkey, netuid) stake pool (DTAO spec 3.8).
/// @dev V = total alpha of the hotkey on the subnet, D = total shares, s_c = coldkey c's shares;
///      value(c) = floor(V * s_c / D). Emission credited to the hotkey raises V with D unchanged, so
///      every nominator gains pro rata. Deposits mint floor(x * D / V) shares (the first deposit
///      mints x * INITIAL_SHARES_PER_ALPHA, keeping 9 extra digits against later dilution);
///      withdrawals burn ceil(x * D / V) shares, or all of them when x is the whole value.
///      A withdrawer never takes more than floor(V * s_c / D) < V unless s_c = D, so V cannot reach
///      0 while shares remain, and Σ values <= V always. D / V never grows (deposits and burns
///      round against the holder, credits raise V), so D <= 1e9 * V.
///
///      Gas: settlement credits every paid hotkey each epoch, and every credit goes to the
///      hotkey's owner (its miner incentive, its take, the subnet owner's cut). So the owner's
///      shares live in the pool's one packed word with V and D, and a credit rewrites one slot,
///      never a second per-coldkey one. The word carries a `RESERVED` bit that is set whenever it
///      is written and by `reserve` (at registration): a settlement never pays for a new slot.
///      Other nominators' shares are in a per-coldkey mapping.
library SharePool {
    /// @notice Shares minted per alpha on the first deposit into an empty pool.
    uint256 internal constant INITIAL_SHARES_PER_ALPHA = 1e9;

    uint256 private constant _ALPHA_BITS = 72; // 4.7e21 rao: above any subnet's alpha supply
    uint256 private constant _SHARES_BITS = 92; // 1e9 shares per rao of up to 4.9e18 rao
    uint256 private constant _OWNER_BITS = 91; // the owner's part of D
    uint256 private constant _SHARES_AT = _ALPHA_BITS;
    uint256 private constant _OWNER_AT = _ALPHA_BITS + _SHARES_BITS;
    uint256 private constant _RESERVED = 1 << 255;

    /// @notice One (hotkey, netuid) pool's word, unpacked: V, D and the owner's shares (<= D).
    struct Totals {
        uint256 alpha;
        uint256 shares;
        uint256 ownerShares;
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
    /// @dev Two mappings in two consecutive slots: the packed words, and the nominators' shares.
    struct Pools {
        mapping(bytes32 => uint256) words;
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

    /// @notice Pool `k`'s totals.
    function load(Pools storage self, bytes32 k) internal view returns (Totals memory t) {
        uint256 w = self.words[k];
        t.alpha = w & ((1 << _ALPHA_BITS) - 1);
        t.shares = (w >> _SHARES_AT) & ((1 << _SHARES_BITS) - 1);
        t.ownerShares = (w >> _OWNER_AT) & ((1 << _OWNER_BITS) - 1);
    }

    /// @notice Writes pool `k`'s totals; reverts rather than truncate a field.
    function store(Pools storage self, bytes32 k, Totals memory t) internal {
        if (t.alpha >> _ALPHA_BITS != 0) revert IStakingPools.PoolOverflow(t.alpha);
        if (t.shares >> _SHARES_BITS != 0) revert IStakingPools.PoolOverflow(t.shares);
        // ownerShares <= shares < 2^92: checked against its own, narrower width.
        if (t.ownerShares >> _OWNER_BITS != 0) revert IStakingPools.PoolOverflow(t.ownerShares);
        self.words[k] = _RESERVED | (t.ownerShares << _OWNER_AT) | (t.shares << _SHARES_AT) | t.alpha;
    }

    /// @notice Creates pool `k`'s slot (empty) so that its first credit rewrites a slot instead of
    ///         creating one; a no-op when it exists.
    function reserve(Pools storage self, bytes32 k) internal {
        if (self.words[k] == 0) self.words[k] = _RESERVED;
    }

    /// @notice `coldkey`'s shares of pool `k` (with totals `t`); `isOwner`: it owns the hotkey.
    function sharesOf(Pools storage self, bytes32 k, Totals memory t, address coldkey, bool isOwner)
        internal
        view
        returns (uint256)
    {
        return isOwner ? t.ownerShares : self.shares[k][coldkey];
    }

    /// @notice Adds `alpha` for `coldkey` to pool `k`; returns the shares minted (the caller
    ///         refuses 0: a deposit must buy something).
    function deposit(Pools storage self, bytes32 k, address coldkey, bool isOwner, uint256 alpha)
        internal
        returns (uint256 minted)
    {
        Totals memory t = load(self, k);
        minted = sharesForDepositDown(t, alpha);
        _mint(self, k, t, coldkey, isOwner, minted);
        t.alpha += alpha;
        store(self, k, t);
    }

    /// @notice Removes `alpha` of `coldkey`'s value from pool `k`; returns true when that was all of it.
    function withdraw(Pools storage self, bytes32 k, address coldkey, bool isOwner, uint256 alpha, uint16 netuid, address hotkey)
        internal
        returns (bool all)
    {
        if (alpha == 0) revert IStakingPools.PoolZeroAmount();
        Totals memory t = load(self, k);
        uint256 held = sharesOf(self, k, t, coldkey, isOwner);
        uint256 value = valueDown(t, held);
        if (alpha > value) revert IStakingPools.PoolInsufficientStake(netuid, hotkey, coldkey, value, alpha);
        all = alpha == value;
        uint256 burned = all ? held : sharesForWithdrawUp(t, alpha);
        // burned <= held: ceil(alpha * D / V) <= s_c because alpha <= floor(V * s_c / D);
        // t.alpha >= value >= alpha and t.shares >= held >= burned.
        unchecked {
            _setShares(self, k, t, coldkey, isOwner, held - burned);
            (t.alpha, t.shares) = (t.alpha - alpha, t.shares - burned);
        }
        store(self, k, t);
    }

    /// @notice Credits `alpha` of emission to the pool `k`: first `take` of it is staked for the
    ///         hotkey's owner at the pre-dividend share price, then the rest raises every holder's
    ///         value, the owner's new shares included (subtensor's order, spec 7.1). An empty
    ///         pool's whole credit is the owner's.
    /// @return ownerAlpha The alpha deposited for the owner.
    function credit(Pools storage self, bytes32 k, uint256 alpha, uint256 take) internal returns (uint256 ownerAlpha) {
        // One read and one write: the take's deposit and the raise in one step.
        Totals memory t = load(self, k);
        // Nobody to share with: the whole credit is the owner's stake.
        if (t.shares == 0) take = alpha;
        // The take buys shares at the pre-dividend price (as depositCredit would).
        if (take != 0) _mint(self, k, t, address(0), true, sharesForDepositDown(t, take));
        t.alpha += alpha;
        store(self, k, t);
        return take;
    }

    /// @notice Deposit of protocol-credited alpha: if it is too small to mint a share it raises the pool value.
    function depositCredit(Pools storage self, bytes32 k, address coldkey, bool isOwner, uint256 alpha) internal {
        Totals memory t = load(self, k);
        _mint(self, k, t, coldkey, isOwner, sharesForDepositDown(t, alpha));
        t.alpha += alpha;
        store(self, k, t);
    }

    /// @notice Burns all of `coldkey`'s shares in pool `k`; returns (shares, their alpha value rounded down).
    function burnAll(Pools storage self, bytes32 k, address coldkey, bool isOwner)
        internal
        returns (uint256 held, uint256 value)
    {
        Totals memory t = load(self, k);
        held = sharesOf(self, k, t, coldkey, isOwner);
        value = valueDown(t, held);
        _setShares(self, k, t, coldkey, isOwner, 0);
        (t.alpha, t.shares) = (t.alpha - value, t.shares - held);
        store(self, k, t);
    }

    /// @dev Adds `minted` shares to D and to the holder (the owner's part of `t`, or the mapping).
    function _mint(Pools storage self, bytes32 k, Totals memory t, address coldkey, bool isOwner, uint256 minted) private {
        if (minted == 0) return;
        t.shares += minted;
        if (isOwner) t.ownerShares += minted;
        else self.shares[k][coldkey] += minted;
    }

    function _setShares(Pools storage self, bytes32 k, Totals memory t, address coldkey, bool isOwner, uint256 shares)
        private
    {
        if (isOwner) t.ownerShares = shares;
        else self.shares[k][coldkey] = shares;
    }
}
