// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {StakingPoolsState} from "./StakingPoolsState.sol";
import {SharePool} from "./libraries/SharePool.sol";
import {PackedPool} from "./libraries/PackedPool.sol";
import {PoolMath} from "./libraries/PoolMath.sol";
import {IStakingPools} from "./interfaces/IStakingPools.sol";

/// @title StakingPoolsViews
/// @notice StakingPools' read-only side: prices, reserves, stakes, shares, parameters.
abstract contract StakingPoolsViews is StakingPoolsState {
    using PackedPool for uint256;
    using SharePool for SharePool.Pools;

    /// @inheritdoc IStakingPools
    function spotPrice(uint16 netuid) external view returns (uint256) {
        uint256 word = _poolWords[netuid];
        return PoolMath.priceDown(word.tao(), word.alpha());
    }

    /// @inheritdoc IStakingPools
    function reserves(uint16 netuid) external view returns (uint256 taoIn, uint256 alphaIn) {
        uint256 word = _poolWords[netuid];
        return (word.tao(), word.alpha());
    }

    /// @inheritdoc IStakingPools
    function reservesBatch(uint16[] calldata netuids)
        external
        view
        returns (uint256[] memory taoIn, uint256[] memory alphaIn)
    {
        taoIn = new uint256[](netuids.length);
        alphaIn = new uint256[](netuids.length);
        for (uint256 i; i < netuids.length; ++i) {
            uint256 word = _poolWords[netuids[i]];
            (taoIn[i], alphaIn[i]) = (word.tao(), word.alpha());
        }
    }

    /// @inheritdoc IStakingPools
    function hotkeyAlpha(uint16 netuid, address hotkey) external view returns (uint256) {
        return _totals(netuid, hotkey).alpha;
    }

    /// @inheritdoc IStakingPools
    function hotkeyAlphas(uint16 netuid, address[] calldata hotkeys) external view returns (uint256[] memory alphas) {
        alphas = new uint256[](hotkeys.length);
        uint256 word = _poolWords[netuid];
        if (!word.isOpen()) return alphas;
        uint32 gen = word.generation();
        for (uint256 i; i < hotkeys.length; ++i) {
            alphas[i] = _sharePools.load(SharePool.key(netuid, gen, hotkeys[i])).alpha;
        }
    }

    /// @inheritdoc IStakingPools
    function stakeOf(address coldkey, address hotkey, uint16 netuid) external view returns (uint256) {
        return SharePool.valueDown(_totals(netuid, hotkey), sharesOf(coldkey, hotkey, netuid));
    }

    /// @inheritdoc IStakingPools
    function sharesOf(address coldkey, address hotkey, uint16 netuid) public view returns (uint256) {
        uint256 word = _poolWords[netuid];
        if (!word.isOpen()) return 0;
        bytes32 key = SharePool.key(netuid, word.generation(), hotkey);
        return _sharePools.sharesOf(key, _sharePools.load(key), coldkey, _isOwner(hotkey, coldkey));
    }

    /// @inheritdoc IStakingPools
    function totalShares(uint16 netuid, address hotkey) external view returns (uint256) {
        return _totals(netuid, hotkey).shares;
    }

    /// @inheritdoc IStakingPools
    function poolInfo(uint16 netuid) external view returns (uint256 stakedAlpha, uint32 generation, bool exists) {
        uint256 word = _poolWords[netuid];
        return (_stakedAlpha[netuid], word.generation(), word.isOpen());
    }

    /// @inheritdoc IStakingPools
    function dissolution(uint16 netuid, uint32 generation) external view returns (Dissolution memory) {
        return _dissolved.byGeneration[netuid][generation];
    }

    /// @inheritdoc IStakingPools
    function dissolvedTaoHeld() external view returns (uint256) {
        return _dissolved.taoHeld;
    }

    /// @inheritdoc IStakingPools
    function params() external view returns (StakingPoolsParams memory) {
        return StakingPoolsParams(
            uint64(_minStake), uint16(_feeRate), _minTake, _maxTake, _defaultTake, uint64(_takeRateLimit),
            uint64(_minReserve), _feeRecipient
        );
    }

    /// @inheritdoc IStakingPools
    function releasedEmission(uint16 netuid) external view returns (uint256) {
        return _released[netuid];
    }
}
