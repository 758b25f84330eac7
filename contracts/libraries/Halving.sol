// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Subtensor's issuance-driven halving (DTAO spec 1.1), in exact integer arithmetic.
/// @dev emission(I) = floor(1e9 / 2^k) with k = floor(log2(1 / (1 - I / 21e15))), 0 at or past
///      the cap. The k-th threshold is I_k = 21e15 * (1 - 2^-k): k is the largest integer with
///      2^k * (21e15 - I) <= 21e15, i.e. k = floor(log2(floor(21e15 / (21e15 - I)))) (2^k is an
///      integer, so flooring the quotient first does not change the comparison).
///      The same function gives each subnet's alpha emission from its alpha issuance.
library Halving {
    /// @notice The hard cap: 21M TAO in rao (and 21M alpha per subnet in base units).
    uint256 internal constant TOTAL_SUPPLY = 21e15;
    /// @notice Emission per block before the first halving: 1 TAO in rao.
    uint256 internal constant BASE_EMISSION = 1e9;

    /// @notice Block emission (rao) at issuance `issuance` (rao); 0 at or past the cap.
    function emissionForIssuance(uint256 issuance) internal pure returns (uint256) {
        if (issuance >= TOTAL_SUPPLY) return 0;
        // remaining >= 1, so q <= 21e15 < 2^55 and k <= 54.
        uint256 q = TOTAL_SUPPLY / (TOTAL_SUPPLY - issuance);
        uint256 k = _log2Floor(q);
        return BASE_EMISSION >> k;
    }

    /// @notice The halving epoch k for `issuance` (0 before the first halving); 255 at or past the cap.
    function halvingEpoch(uint256 issuance) internal pure returns (uint256) {
        if (issuance >= TOTAL_SUPPLY) return type(uint8).max;
        return _log2Floor(TOTAL_SUPPLY / (TOTAL_SUPPLY - issuance));
    }

    /// @dev floor(log2(x)) for 1 <= x < 2^64 (binary search over the bit length).
    function _log2Floor(uint256 x) private pure returns (uint256 r) {
        if (x >= 1 << 32) { x >>= 32; r += 32; }
        if (x >= 1 << 16) { x >>= 16; r += 16; }
        if (x >= 1 << 8) { x >>= 8; r += 8; }
        if (x >= 1 << 4) { x >>= 4; r += 4; }
        if (x >= 1 << 2) { x >>= 2; r += 2; }
        if (x >= 1 << 1) { r += 1; }
    }
}
