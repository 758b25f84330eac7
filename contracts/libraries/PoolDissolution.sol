// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedPool} from "./PackedPool.sol";
import {SharePool} from "./SharePool.sol";
import {IStakingPools} from "../interfaces/IStakingPools.sol";

/// @notice Dissolved pool generations and the TAO their stakers may still claim (spec 4.5).
/// @dev On dissolution the TAO reserve is split in proportion of alpha: stakers get
///      pot * staked / (staked + reserve alpha), the pool's own alpha share is recycled. Each staker
///      later claims value * stakersPot / stakedAlpha, rounded down, so Σ claims <= stakersPot.
library PoolDissolution {
    using PackedPool for uint256;
    using SharePool for SharePool.Pools;

    /// @notice Every dissolved generation and the TAO held for them.
    /// @dev A mapping and a word in two consecutive slots: the layout of the two declared side by side.
    struct Ledger {
        mapping(uint16 => mapping(uint32 => IStakingPools.Dissolution)) byGeneration;
        uint256 taoHeld;
    }

    /// @notice Records the dissolution of the open pool `word` holding `staked` staker alpha.
    /// @return stakersPot TAO set aside for the generation's stakers.
    /// @return recycled The rest of the TAO reserve.
    function record(Ledger storage self, uint16 netuid, uint256 word, uint256 staked)
        internal
        returns (uint256 stakersPot, uint256 recycled)
    {
        uint256 pot = word.tao();
        stakersPot = staked == 0 ? 0 : (pot * staked) / (staked + word.alpha());
        recycled = pot - stakersPot;
        self.byGeneration[netuid][word.generation()] = IStakingPools.Dissolution(uint128(stakersPot), uint128(staked));
        self.taoHeld += stakersPot;
    }

    /// @notice Burns `coldkey`'s shares of a dissolved (netuid, generation, hotkey) pool for its TAO
    ///         (`isOwner`: the coldkey owns the hotkey, whose shares live in the pool's word).
    /// @return tao The coldkey's part of the stakers' pot, rounded down.
    function claim(
        Ledger storage self,
        SharePool.Pools storage pools,
        uint16 netuid,
        uint32 generation,
        address hotkey,
        address coldkey,
        bool isOwner
    ) internal returns (uint256 tao) {
        IStakingPools.Dissolution memory d = self.byGeneration[netuid][generation];
        bytes32 k = SharePool.key(netuid, generation, hotkey);
        (uint256 held, uint256 value) = pools.burnAll(k, coldkey, isOwner);
        if (d.stakedAlpha == 0 || held == 0) revert IStakingPools.PoolNothingToClaim(netuid, generation, hotkey, coldkey);
        tao = (value * d.stakersPot) / d.stakedAlpha;
        self.taoHeld -= tao;
    }
}
