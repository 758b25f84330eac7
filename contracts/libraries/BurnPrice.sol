// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Neuron registration burn (DTAO spec 5.1, newest rule), computed lazily:
///         each block burn <- clamp(burn * f, min, max); each registration burn <- clamp(burn * mult).
///         Over n blocks the decay is burn * f^n. Every rounding goes up (the protocol's favour).
library BurnPrice {
    uint256 internal constant WAD = 1e18;

    /// @notice The burn `elapsed` blocks after it was `burn`: clamp(ceil(burn * f^elapsed), min, max).
    /// @param decayWad f, 1e18-scaled, <= 1e18.
    function decayedUp(uint256 burn, uint256 elapsed, uint256 decayWad, uint256 minBurn, uint256 maxBurn)
        internal
        pure
        returns (uint256)
    {
        uint256 b = _mulWadUp(burn, _powWadUp(decayWad, elapsed));
        return _clamp(b, minBurn, maxBurn);
    }

    /// @notice The burn after a registration at `price`: clamp(ceil(price * mult), min, max).
    function bumpedUp(uint256 price, uint256 multWad, uint256 minBurn, uint256 maxBurn) internal pure returns (uint256) {
        return _clamp(_mulWadUp(price, multWad), minBurn, maxBurn);
    }

    /// @dev x^n for 1e18-scaled x <= 1e18 by squaring, each product rounded up (so >= the exact value).
    function _powWadUp(uint256 x, uint256 n) private pure returns (uint256 r) {
        r = WAD;
        while (n != 0) {
            if (n & 1 != 0) r = _mulWadUp(r, x);
            n >>= 1;
            if (n != 0) x = _mulWadUp(x, x);
        }
    }

    function _mulWadUp(uint256 a, uint256 b) private pure returns (uint256) {
        uint256 p = a * b;
        // ceil(p / WAD); p >= 1 in the else branch, so p - 1 cannot underflow.
        unchecked { return p == 0 ? 0 : (p - 1) / WAD + 1; }
    }

    function _clamp(uint256 x, uint256 lo, uint256 hi) private pure returns (uint256) {
        if (x < lo) return lo;
        if (x > hi) return hi;
        return x;
    }
}
