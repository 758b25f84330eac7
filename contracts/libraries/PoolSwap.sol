// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PoolMath} from "./PoolMath.sol";
import {PackedPool} from "./PackedPool.sol";
import {IStakingPools} from "../interfaces/IStakingPools.sol";

/// @notice Swaps on one packed pool word (PackedPool): checks, then the new word. No storage.
/// @dev The fee (rounded up) comes off the input before the curve and never joins the reserves:
///      out = floor(reserveOut * netIn / (reserveIn + netIn)) on netIn = amountIn - fee, so k never
///      decreases (PoolMath). Subtensor's limits (spec 7.1): the output reserve >= minReserve
///      before the swap, netIn <= 1000 x the input reserve, and the price after within
///      [MIN_PRICE, MAX_PRICE]. The caller's limit bounds the price after the swap: from above for
///      a buy (type(uint256).max = none), from below for a sell (0 = none).
library PoolSwap {
    using PackedPool for uint256;

    /// @notice Price band, TAO per alpha 1e18-scaled: [1e-6, 1e6] (subtensor's default limits).
    uint256 internal constant MIN_PRICE = 1e12;
    uint256 internal constant MAX_PRICE = 1e24;
    /// @notice The largest net input, as a multiple of the input reserve.
    uint256 internal constant MAX_INPUT_MULTIPLE = 1000;

    /// @dev Buys alpha with `taoIn` on the packed pool; `fee` (TAO) is for the fee recipient.
    function buy(uint256 word, uint256 taoIn, uint256 feeRate, uint256 limitPrice, uint256 minReserve)
        internal
        pure
        returns (uint256 newWord, uint256 alphaOut, uint256 fee)
    {
        if (taoIn == 0) revert IStakingPools.PoolZeroAmount();
        uint256 y = word.tao();
        uint256 x = word.alpha();
        if (x < minReserve) revert IStakingPools.PoolReservesTooLow(x, minReserve);
        fee = PoolMath.feeUp(taoIn, feeRate);
        uint256 net = taoIn - fee;
        if (net > MAX_INPUT_MULTIPLE * y) revert IStakingPools.PoolInputTooLarge(net, MAX_INPUT_MULTIPLE * y);
        alphaOut = PoolMath.amountOutDown(net, y, x);
        if (alphaOut == 0) revert IStakingPools.PoolZeroOutput(taoIn);
        y += net;
        // alphaOut < x (floor of x * net / (y + net) with y > 0).
        unchecked { x -= alphaOut; }
        uint256 price = _inBand(y, x);
        if (limitPrice != type(uint256).max) {
            price = PoolMath.priceUp(y, x);
            if (price > limitPrice) revert IStakingPools.PoolLimitPriceExceeded(price, limitPrice);
        }
        newWord = PackedPool.pack(y, x, word.generation());
    }

    /// @dev Sells `alphaIn` on the packed pool for TAO. The alpha fee is sold right after, fee-free
    ///      (subtensor's author path); `feeTao` is its TAO, for the fee recipient.
    function sell(uint256 word, uint256 alphaIn, uint256 feeRate, uint256 limitPrice, uint256 minReserve)
        internal
        pure
        returns (uint256 newWord, uint256 taoOut, uint256 feeTao)
    {
        if (alphaIn == 0) revert IStakingPools.PoolZeroAmount();
        uint256 y = word.tao();
        uint256 x = word.alpha();
        if (y < minReserve) revert IStakingPools.PoolReservesTooLow(y, minReserve);
        (taoOut, feeTao) = _sellOut(x, y, alphaIn, PoolMath.feeUp(alphaIn, feeRate));
        if (taoOut == 0) revert IStakingPools.PoolZeroOutput(alphaIn);
        x += alphaIn;
        // taoOut + feeTao < y: each is a floor of y' * a / (x' + a) on the reserve left before it.
        unchecked { y -= taoOut + feeTao; }
        uint256 price = _inBand(y, x);
        if (limitPrice != 0 && price < limitPrice) revert IStakingPools.PoolLimitPriceExceeded(price, limitPrice);
        newWord = PackedPool.pack(y, x, word.generation());
    }

    /// @dev Checks price(origin)/price(destination) after a move's swaps, (yo * xd) / (xo * yd) scaled
    ///      by PRICE_SCALE and rounded down, against `limitPrice` from below (0 = none).
    function checkRatio(uint256 originWord, uint256 destinationWord, uint256 limitPrice) internal pure {
        uint256 ratio =
            (originWord.tao() * destinationWord.alpha() * PoolMath.PRICE_SCALE) / (originWord.alpha() * destinationWord.tao());
        if (ratio < limitPrice) revert IStakingPools.PoolLimitPriceExceeded(ratio, limitPrice);
    }

    /// @dev TAO out for `alphaIn` less `fee` on (x, y), then for the fee sold fee-free after it.
    function _sellOut(uint256 x, uint256 y, uint256 alphaIn, uint256 fee)
        private
        pure
        returns (uint256 taoOut, uint256 feeTao)
    {
        uint256 net = alphaIn - fee;
        if (net > MAX_INPUT_MULTIPLE * x) revert IStakingPools.PoolInputTooLarge(net, MAX_INPUT_MULTIPLE * x);
        taoOut = PoolMath.amountOutDown(net, x, y);
        if (fee != 0) feeTao = PoolMath.amountOutDown(fee, x + net, y - taoOut);
    }

    /// @dev The price y/x rounded down, reverting outside the band.
    function _inBand(uint256 y, uint256 x) private pure returns (uint256 price) {
        price = PoolMath.priceDown(y, x);
        if (price < MIN_PRICE || price > MAX_PRICE) revert IStakingPools.PoolPriceOutOfBand(price, MIN_PRICE, MAX_PRICE);
    }
}
