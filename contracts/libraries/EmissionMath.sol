// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Halving} from "./Halving.sol";

/// @notice Closed-form pieces of multi-block emission accrual (see Emission.sol for the derivation).
/// @dev Over an accrual the spot prices are fixed, so each moving price follows the closed form
///        p̄_i(t) = P_i + d_i · r^t,   P_i = min(spot_i, 1), d_i = p̄_i(0) − P_i, r = 1 − α,
///      and subnet i's TAO share in block t is (P_i + d_i r^t) / (S + D r^t) with S = Σ P_i,
///      D = Σ d_i. Its TAO over a run of blocks with a constant block emission E is therefore
///        E · (P_i · Σ_t 1/den_t + d_i · Σ_t r^t/den_t),   den_t = S + D r^t,
///      two sums shared by all subnets: one O(1) step per block, independent of the subnet count.
///      Fixed point: u_t ≈ r^t in RAY (u_{t+1} = floor(u_t r / RAY), |u_t − r^t| ≤ t·1e-27),
///      den in WAD², sums scaled by K = 1e56 and floored per block. The per-block floor error is
///      at most P_i·WAD/K + |d_i|/K ≤ 1e-20 of a block's emission, far below one rao for any
///      accrual that fits a block's gas, so the result is floor(exact) or one rao less.
library EmissionMath {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAY = 1e27;
    /// @notice Scale of the per-block reciprocal sums.
    uint256 internal constant K = 1e56;

    /// @notice Σ_t floor(K / den_t), Σ_t floor(K · u_t / den_t) over m blocks starting at u, the
    ///         number of blocks with den_t > 0 (blocks that emit TAO), and u after the m blocks.
    /// @dev u is carried in RAY (1e27) so that r^t loses < t·1e-27 (the EMA stays within 1 wei);
    ///      the sums use its WAD truncation.
    /// @param sWad S · WAD (S = Σ P_i, WAD-scaled prices, so sWad < 2^16 · 1e36).
    /// @param d D = Σ d_i (WAD-scaled, |D| < 2^16 · 1e18).
    /// @param uRay r^t at the first block, RAY.
    /// @param rRay 1 − α in RAY.
    function chunkSums(uint256 sWad, int256 d, uint256 uRay, uint256 rRay, uint256 m)
        internal
        pure
        returns (uint256 a, uint256 b, uint256 emitting, uint256 uOut)
    {
        // Bounds: uRay <= 1e27 so uRay·rRay <= 1e54; u = uRay/1e9 <= WAD, |d·u| < 2^16·1e36,
        // den < 2^17·1e36; K·u <= 1e74 < 2^256; each term <= K·WAD and m < 2^32 blocks, so the
        // sums stay far below 2^256.
        unchecked {
            int256 s = int256(sWad);
            for (uint256 t; t < m; ++t) {
                uint256 u = uRay / 1e9;
                int256 den = s + d * int256(u);
                if (den > 0) {
                    a += K / uint256(den);
                    b += (K * u) / uint256(den);
                    ++emitting;
                }
                uRay = (uRay * rRay) / RAY;
            }
        }
        uOut = uRay;
    }

    /// @notice K × (TAO share of one subnet summed over the chunk): P·WAD·a + d·b, clamped at 0.
    /// @dev Each summand is bounded by K/α per block (den_t >= S·α for t >= 1) and K·1e18 for t = 0.
    function shareSum(uint256 p, int256 dI, uint256 a, uint256 b) internal pure returns (uint256) {
        int256 x = int256(p * WAD) * int256(a) + dI * int256(b);
        return x > 0 ? uint256(x) : 0;
    }

    /// @notice The moving price after r^n = `uRay` (RAY): P + d·u rounded down, within [0, WAD].
    function emaAfter(uint256 p, int256 dI, uint256 uRay) internal pure returns (uint256) {
        if (dI >= 0) return p + (uint256(dI) * uRay) / RAY;
        uint256 drop = (uint256(-dI) * uRay + RAY - 1) / RAY;
        return drop >= p ? 0 : p - drop;
    }

    /// @notice Blocks, starting at `issuance` and growing at most `perBlock` per block, that
    ///         certainly stay below the next halving threshold (at least 1; max when perBlock = 0).
    function blocksBeforeHalving(uint256 issuance, uint256 perBlock) internal pure returns (uint256) {
        if (perBlock == 0 || issuance >= Halving.TOTAL_SUPPLY) return type(uint256).max;
        uint256 k = Halving.halvingEpoch(issuance);
        // Threshold of epoch k+1: the least I with 2^(k+1)·(T − I) <= T, i.e. T − floor(T / 2^(k+1)).
        uint256 threshold = Halving.TOTAL_SUPPLY - (Halving.TOTAL_SUPPLY >> (k + 1));
        // issuance < threshold because its epoch is k; block j (0-based) starts at <= issuance + j·perBlock.
        uint256 n = (threshold - issuance - 1) / perBlock + 1;
        return n;
    }

    /// @notice Splits one block's alpha_out into owner cut, server and validator alpha (spec 2.5,
    ///         root_prop = 0) exactly as subtensor does in U96F32 (32 fractional bits):
    ///         c = floor(ownerCut · 2^32 / 65535); owner = floor(a·c / 2^32); the rest r = a·2^32 − a·c
    ///         (in 2^-32 units) gives server = floor(floor(r / 2) / 2^32) and validator =
    ///         floor((r − floor(r / 2)) / 2^32). Each bucket is floored on its own, so up to 2 base
    ///         units per block are assigned to nobody (they stay minted: subtensor's dust).
    function splitAlphaOut(uint256 alphaOut, uint256 ownerCut)
        internal
        pure
        returns (uint256 owner, uint256 server, uint256 validator)
    {
        uint256 c = (ownerCut << 32) / 65535;
        uint256 ownerQ = alphaOut * c;
        owner = ownerQ >> 32;
        uint256 rest = (alphaOut << 32) - ownerQ; // c <= 2^32, so ownerQ <= alphaOut · 2^32
        uint256 serverQ = rest >> 1;
        server = serverQ >> 32;
        validator = (rest - serverQ) >> 32;
    }
}
