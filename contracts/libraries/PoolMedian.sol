// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PoolMath} from "./PoolMath.sol";
import {PackedPool} from "./PackedPool.sol";

/// @notice The median spot price of the open pools, where a new subnet's pool starts (spec 4.2
///         step 4, subtensor's `get_median_subnet_alpha_price`).
library PoolMedian {
    using PackedPool for uint256;

    /// @notice Median of the spot prices (1e18-scaled, rounded down) of the open pools among
    ///         `netuids` with a positive price: the middle one for an odd count, the mean of the two
    ///         middle ones (rounded down) for an even count, 1.0 when there is none.
    /// @dev Insertion sort in memory: the registry holds at most a few hundred subnets.
    function medianPrice(mapping(uint16 => uint256) storage words, uint16[] memory netuids)
        internal
        view
        returns (uint256)
    {
        uint256[] memory prices = new uint256[](netuids.length);
        uint256 n;
        for (uint256 i; i < netuids.length; ++i) {
            uint256 word = words[netuids[i]];
            if (!word.isOpen()) continue;
            uint256 p = PoolMath.priceDown(word.tao(), word.alpha());
            if (p == 0) continue;
            uint256 j = n++;
            while (j != 0 && prices[j - 1] > p) {
                prices[j] = prices[j - 1];
                --j;
            }
            prices[j] = p;
        }
        if (n == 0) return PoolMath.PRICE_SCALE;
        if (n % 2 == 1) return prices[n / 2];
        return (prices[n / 2 - 1] + prices[n / 2]) / 2;
    }
}
