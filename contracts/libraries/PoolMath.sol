// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Constant-product swap math for the TAO/alpha pools, every rounding in the pool's favour.
/// @dev Pool reserves x (alpha) and y (TAO); price = y / x TAO per alpha, 1e18-scaled.
///      A swap of `amountIn` charges feeUp(amountIn) and trades the rest:
///        out = floor(reserveOut * netIn / (reserveIn + netIn))
///      while the WHOLE amountIn joins reserveIn. Then
///        (reserveIn + amountIn) * (reserveOut - out) >= reserveIn * reserveOut
///      because (reserveIn + netIn) * (reserveOut - reserveOut*netIn/(reserveIn+netIn)) = k exactly
///      and out is rounded down, amountIn >= netIn: k never decreases on a swap.
library PoolMath {
    /// @notice mulDivDown's result does not fit 256 bits (or the divisor is zero).
    error PoolMathMulDivOverflow();

    /// @notice Fee fractions are u16 fractions of 65535 (subtensor's encoding).
    uint256 internal constant FEE_DENOMINATOR = 65535;
    /// @notice Prices are TAO per alpha scaled by 1e18.
    uint256 internal constant PRICE_SCALE = 1e18;

    /// @notice Swap fee on `amountIn`, rounded up: ceil(amountIn * feeRate / 65535).
    function feeUp(uint256 amountIn, uint256 feeRate) internal pure returns (uint256) {
        // amountIn is a token amount (< 2^128 in practice) and feeRate < 2^16: no overflow in 0.8 math.
        return (amountIn * feeRate + (FEE_DENOMINATOR - 1)) / FEE_DENOMINATOR;
    }

    /// @notice Output of a constant-product swap of `netIn` (fee already taken), rounded down.
    function amountOutDown(uint256 netIn, uint256 reserveIn, uint256 reserveOut) internal pure returns (uint256) {
        return (reserveOut * netIn) / (reserveIn + netIn);
    }

    /// @notice Price y/x, 1e18-scaled, rounded down (0 for an empty alpha reserve).
    function priceDown(uint256 tao, uint256 alpha) internal pure returns (uint256) {
        if (alpha == 0) return 0;
        return (tao * PRICE_SCALE) / alpha;
    }

    /// @notice Price y/x, 1e18-scaled, rounded up (type(uint256).max for an empty alpha reserve).
    function priceUp(uint256 tao, uint256 alpha) internal pure returns (uint256) {
        if (alpha == 0) return type(uint256).max;
        return (tao * PRICE_SCALE + alpha - 1) / alpha;
    }

    /// @notice floor(a * b / d) with a 512-bit intermediate (Remco Bloemen's mulDiv, MIT).
    /// @dev Reverts when d == 0 or the result does not fit 256 bits.
    function mulDivDown(uint256 a, uint256 b, uint256 d) internal pure returns (uint256 result) {
        uint256 prod0;
        uint256 prod1;
        assembly ("memory-safe") {
            let mm := mulmod(a, b, not(0))
            prod0 := mul(a, b)
            prod1 := sub(sub(mm, prod0), lt(mm, prod0))
        }
        if (prod1 == 0) return prod0 / d;
        if (d <= prod1) revert PoolMathMulDivOverflow();
        // Every step below is modular arithmetic by construction (the 512-bit division algorithm):
        // nothing overflows in a way the algorithm does not intend.
        unchecked {
            uint256 remainder;
            assembly ("memory-safe") {
                remainder := mulmod(a, b, d)
                prod1 := sub(prod1, gt(remainder, prod0))
                prod0 := sub(prod0, remainder)
            }
            uint256 twos = d & (~d + 1);
            assembly ("memory-safe") {
                d := div(d, twos)
                prod0 := div(prod0, twos)
                twos := add(div(sub(0, twos), twos), 1)
            }
            prod0 |= prod1 * twos;
            uint256 inv = (3 * d) ^ 2;
            inv *= 2 - d * inv;
            inv *= 2 - d * inv;
            inv *= 2 - d * inv;
            inv *= 2 - d * inv;
            inv *= 2 - d * inv;
            inv *= 2 - d * inv;
            result = prod0 * inv;
        }
    }
}
