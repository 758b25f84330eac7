// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice One pool's hot fields packed into a single storage word (one SLOAD, one SSTORE per swap).
/// @dev Layout, low bits first: [0,96) TAO reserve | [96,192) alpha reserve | [192,224) generation |
///      [224] open flag. 2^96 base units = 7.9e19 TAO or alpha: far above the 21M TAO cap; an alpha
///      reserve that would exceed it (only possible through years of uncapped injection at a
///      near-zero price) makes `pack` revert rather than wrap.
library PackedPool {
    /// @notice A reserve does not fit 96 bits.
    error PackedPoolOverflow(uint256 value);

    uint256 private constant _MASK96 = (1 << 96) - 1;
    uint256 private constant _MASK32 = (1 << 32) - 1;

    function tao(uint256 word) internal pure returns (uint256) {
        return word & _MASK96;
    }

    function alpha(uint256 word) internal pure returns (uint256) {
        return (word >> 96) & _MASK96;
    }

    function generation(uint256 word) internal pure returns (uint32) {
        return uint32((word >> 192) & _MASK32);
    }

    function isOpen(uint256 word) internal pure returns (bool) {
        return (word >> 224) & 1 == 1;
    }

    /// @notice Packs an open pool.
    function pack(uint256 taoReserve, uint256 alphaReserve, uint32 gen) internal pure returns (uint256) {
        if (taoReserve > _MASK96) revert PackedPoolOverflow(taoReserve);
        if (alphaReserve > _MASK96) revert PackedPoolOverflow(alphaReserve);
        return taoReserve | (alphaReserve << 96) | (uint256(gen) << 192) | (1 << 224);
    }

    /// @notice A closed (dissolved) pool that remembers its next generation.
    function closed(uint32 nextGen) internal pure returns (uint256) {
        return uint256(nextGen) << 192;
    }
}
