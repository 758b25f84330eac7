// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IWeights} from "../interfaces/IWeights.sol";

/// @notice Shape checks of a packed weights row (big-endian u16 uids and values, 2 bytes each).
/// @dev Checks return the ABI-encoded IWeights error instead of reverting, so that one entry
///      point can revert with it and a batch can log it and go on.
library WeightsRow {
    uint16 internal constant NO_LIMIT = type(uint16).max;

    /// @notice keccak256(uids ++ values): what storage keeps of a row.
    function rowHash(bytes calldata uids, bytes calldata values) internal pure returns (bytes32) {
        return keccak256(bytes.concat(uids, values));
    }

    /// @notice The `i`-th u16 of a packed calldata sequence (caller keeps i in range).
    function at(bytes calldata packed, uint256 i) internal pure returns (uint16 v) {
        assembly ("memory-safe") {
            v := shr(240, calldataload(add(packed.offset, shl(1, i))))
        }
    }

    /// @notice True when the row is exactly one entry, the signer's own `uid` (a self-weight,
    ///         exempt from the permit, minimum-length and max-weight checks, as in subtensor).
    function isSelfWeight(bytes calldata uids, uint16 uid) internal pure returns (bool) {
        return uids.length == 2 && at(uids, 0) == uid;
    }

    /// @notice Checks lengths, UIDs strictly ascending and below `n`, at least `minWeights`
    ///         entries (unless `selfWeight`) and no weight above `maxLimit`/65535 of the sum.
    function check(bytes calldata uids, bytes calldata values, uint16 n, uint256 minWeights, uint16 maxLimit, bool selfWeight)
        internal
        pure
        returns (bytes memory)
    {
        if (uids.length != values.length || uids.length % 2 != 0) {
            return abi.encodeWithSelector(IWeights.WeightsMalformedRow.selector, uids.length, values.length);
        }
        {
            uint256 count = uids.length / 2;
            uint256 required = minWeights < n ? minWeights : n;
            if (!selfWeight && count < required) {
                return abi.encodeWithSelector(IWeights.WeightsTooFew.selector, count, required);
            }
        }
        (bytes memory reason, uint256 sum, uint256 maxValue, uint256 maxIndex) = _scan(uids, values, n);
        if (reason.length != 0) return reason;
        // max / sum <= limit / 65535, exactly (subtensor normalises in fixed point; this is its exact form).
        if (!selfWeight && maxLimit != NO_LIMIT && maxValue * NO_LIMIT > uint256(maxLimit) * sum) {
            return abi.encodeWithSelector(IWeights.WeightsMaxWeightExceeded.selector, maxIndex, maxValue, sum, maxLimit);
        }
        return "";
    }

    /// @dev One pass: UIDs in range and strictly ascending; the sum and the largest weight.
    function _scan(bytes calldata uids, bytes calldata values, uint16 n)
        private
        pure
        returns (bytes memory reason, uint256 sum, uint256 maxValue, uint256 maxIndex)
    {
        uint256 count = uids.length / 2;
        uint256 previous;
        for (uint256 i; i < count; ++i) {
            uint256 uid = at(uids, i);
            if (uid >= n) return (abi.encodeWithSelector(IWeights.WeightsUidOutOfRange.selector, i, uid, n), 0, 0, 0);
            if (i != 0 && uid <= previous) {
                return (abi.encodeWithSelector(IWeights.WeightsUidsNotAscending.selector, i, uid, previous), 0, 0, 0);
            }
            previous = uid;
            uint256 v = at(values, i);
            // count <= 4096 entries of at most 65535 each.
            unchecked { sum += v; }
            if (v > maxValue) (maxValue, maxIndex) = (v, i);
        }
    }
}
