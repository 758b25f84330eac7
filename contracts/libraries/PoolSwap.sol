// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PoolMath} from "./PoolMath.sol";
import {PackedPool} from "./PackedPool.sol";
import {IStakingPools} from "../interfaces/IStakingPools.sol";

/// @notice Swaps on one packed pool word (PackedPool): checks, then the new word. No storage.
/// @dev Output floor(reserveOut * netIn / (reserveIn + netIn)) with the fee rounded up and the whole
///      input joining its reserve (PoolMath: k never decreases). The limit bounds the price after
///      the swap: from above for a buy (type(uint256).max = none), from below for a sell (0 = none).
library PoolSwap {
    using PackedPool for uint256;

    /// @dev Buys alpha with `taoIn` on the packed pool; checks output, reserve and limit.
    function buy(uint256 word, uint256 taoIn, uint256 feeRate, uint256 limitPrice, uint256 minReserve)
        internal
        pure
        returns (uint256 newWord, uint256 alphaOut, uint256 fee)
    {
        if (taoIn == 0) revert IStakingPools.PoolZeroAmount();
        uint256 y = word.tao();
        uint256 x = word.alpha();
        fee = PoolMath.feeUp(taoIn, feeRate);
        alphaOut = PoolMath.amountOutDown(taoIn - fee, y, x);
        if (alphaOut == 0) revert IStakingPools.PoolZeroOutput(taoIn);
        if (x - alphaOut < minReserve) revert IStakingPools.PoolInsufficientLiquidity(x, alphaOut, minReserve);
        y += taoIn;
        // alphaOut < x (floor of x * net / (y + net) with y > 0).
        unchecked { x -= alphaOut; }
        if (limitPrice != type(uint256).max) {
            uint256 price = PoolMath.priceUp(y, x);
            if (price > limitPrice) revert IStakingPools.PoolLimitPriceExceeded(price, limitPrice);
        }
        newWord = PackedPool.pack(y, x, word.generation());
    }

    /// @dev Sells `alphaIn` on the packed pool for TAO; checks output, reserve and limit.
    function sell(uint256 word, uint256 alphaIn, uint256 feeRate, uint256 limitPrice, uint256 minReserve)
        internal
        pure
        returns (uint256 newWord, uint256 taoOut, uint256 fee)
    {
        if (alphaIn == 0) revert IStakingPools.PoolZeroAmount();
        uint256 y = word.tao();
        uint256 x = word.alpha();
        fee = PoolMath.feeUp(alphaIn, feeRate);
        taoOut = PoolMath.amountOutDown(alphaIn - fee, x, y);
        if (taoOut == 0) revert IStakingPools.PoolZeroOutput(alphaIn);
        if (y - taoOut < minReserve) revert IStakingPools.PoolInsufficientLiquidity(y, taoOut, minReserve);
        x += alphaIn;
        // taoOut < y (floor of y * net / (x + net) with x > 0).
        unchecked { y -= taoOut; }
        if (limitPrice != 0) {
            uint256 price = PoolMath.priceDown(y, x);
            if (price < limitPrice) revert IStakingPools.PoolLimitPriceExceeded(price, limitPrice);
        }
        newWord = PackedPool.pack(y, x, word.generation());
    }

    /// @dev Checks price(origin)/price(destination) after a move's swaps, (yo * xd) / (xo * yd) scaled
    ///      by PRICE_SCALE and rounded down, against `limitPrice` from below (0 = none).
    function checkRatio(uint256 originWord, uint256 destinationWord, uint256 limitPrice) internal pure {
        uint256 ratio =
            (originWord.tao() * destinationWord.alpha() * PoolMath.PRICE_SCALE) / (originWord.alpha() * destinationWord.tao());
        if (ratio < limitPrice) revert IStakingPools.PoolLimitPriceExceeded(ratio, limitPrice);
    }
}
