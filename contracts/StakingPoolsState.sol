// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ProtocolWired, ProtocolAddresses} from "./ProtocolWired.sol";
import {SharePool} from "./libraries/SharePool.sol";
import {PackedPool} from "./libraries/PackedPool.sol";
import {PoolDissolution} from "./libraries/PoolDissolution.sol";
import {HotkeyTake} from "./libraries/HotkeyTake.sol";
import {IStakingPools} from "./interfaces/IStakingPools.sol";
import {ITaoToken} from "./interfaces/ITaoToken.sol";
import {INeuronRegistry} from "./interfaces/INeuronRegistry.sol";

/// @title StakingPoolsState
/// @notice StakingPools' parameters, storage and the helpers its entry points and views share
///         (split out so that each part stays readable; StakingPools is the one deployed contract).
abstract contract StakingPoolsState is IStakingPools, ProtocolWired {
    using PackedPool for uint256;
    using SharePool for SharePool.Pools;
    using HotkeyTake for mapping(address => HotkeyTake.State);

    uint256 internal constant _MAX96 = (1 << 96) - 1;

    uint256 internal immutable _minStake;
    uint256 internal immutable _feeRate;
    uint16 internal immutable _minTake;
    uint16 internal immutable _maxTake;
    uint16 internal immutable _defaultTake;
    uint256 internal immutable _takeRateLimit;
    uint256 internal immutable _minReserve;
    address internal immutable _feeRecipient;

    /// @dev netuid => packed {tao, alpha, generation, open} (PackedPool): the only slot a swap rewrites.
    mapping(uint16 => uint256) internal _poolWords;
    /// @dev netuid => alpha held by stakers of the current generation (Σ hotkey totals).
    mapping(uint16 => uint256) internal _stakedAlpha;
    /// @dev SharePool.key(netuid, generation, hotkey) => the pool's packed word (V, D, the owner's
    ///      shares) and => coldkey => the other nominators' shares (SharePool).
    SharePool.Pools internal _sharePools;
    /// @dev netuid => generation => what its stakers may claim, and the TAO set aside for dissolved
    ///      generations and not yet claimed; two slots, as the mapping and word it replaced.
    PoolDissolution.Ledger internal _dissolved;

    /// @dev hotkey => its take (HotkeyTake: one slot).
    mapping(address => HotkeyTake.State) internal _takes;
    /// @dev netuid => alpha Emission released (drained) and settlement has not credited yet.
    mapping(uint16 => uint256) internal _released;

    constructor(ProtocolAddresses memory protocol, StakingPoolsParams memory p) ProtocolWired(protocol) {
        if (p.minTake > p.maxTake) revert PoolInvalidParam("minTake", p.minTake);
        if (p.defaultTake < p.minTake || p.defaultTake > p.maxTake) revert PoolInvalidParam("defaultTake", p.defaultTake);
        if (p.feeRate >= 65535) revert PoolInvalidParam("feeRate", p.feeRate);
        if (p.feeRecipient == address(0)) revert PoolInvalidParam("feeRecipient", 0);
        _minStake = p.minStake;
        _feeRate = p.feeRate;
        _minTake = p.minTake;
        _maxTake = p.maxTake;
        _defaultTake = p.defaultTake;
        _takeRateLimit = p.takeRateLimit;
        _minReserve = p.minReserve;
        _feeRecipient = p.feeRecipient;
    }

    /// @inheritdoc IStakingPools
    function takeOf(address hotkey) public view returns (uint16) {
        return _takes.current(hotkey, _defaultTake);
    }

    function _openPool(uint16 netuid) internal view returns (uint256 word) {
        word = _poolWords[netuid];
        if (!word.isOpen()) revert PoolNotFound(netuid);
    }

    /// @dev Whether `coldkey` owns `hotkey` (its shares then live in the pool word, SharePool);
    ///      never for an unregistered hotkey (owner zero).
    function _isOwner(address hotkey, address coldkey) internal view returns (bool) {
        address owner = INeuronRegistry(_neurons).hotkeyOwner(hotkey);
        return owner != address(0) && coldkey == owner;
    }

    function _ownerOf(address hotkey) internal view returns (address owner) {
        owner = INeuronRegistry(_neurons).hotkeyOwner(hotkey);
        if (owner == address(0)) revert PoolUnknownHotkey(hotkey);
    }

    /// @dev The (netuid, hotkey) pool's totals in the open generation (zeros when none is open).
    function _totals(uint16 netuid, address hotkey) internal view returns (SharePool.Totals memory t) {
        uint256 word = _poolWords[netuid];
        if (word.isOpen()) t = _sharePools.load(SharePool.key(netuid, word.generation(), hotkey));
    }

    function _deposit(uint16 netuid, uint32 gen, address hotkey, address coldkey, uint256 alpha) internal {
        bool isOwner = coldkey == _ownerOf(hotkey);
        uint256 minted = _sharePools.deposit(SharePool.key(netuid, gen, hotkey), coldkey, isOwner, alpha);
        if (minted == 0) revert PoolZeroShares(netuid, hotkey, alpha);
    }

    function _withdraw(uint16 netuid, uint32 gen, address hotkey, address coldkey, uint256 alpha) internal returns (bool) {
        // An unknown hotkey has no owner shares: the caller's mapping entry, zero, is read.
        return _sharePools.withdraw(SharePool.key(netuid, gen, hotkey), coldkey, _isOwner(hotkey, coldkey), alpha,
                                    netuid, hotkey);
    }

    /// @dev A checked token transfer: a `false` return reverts.
    function _send(address to, uint256 amount) internal {
        if (!ITaoToken(_tao).transfer(to, amount)) revert PoolTransferFailed(to, amount);
    }

    function _checkDeadline(uint256 deadline) internal view {
        if (block.timestamp > deadline) revert PoolDeadlineExpired(deadline, block.timestamp);
    }
}
