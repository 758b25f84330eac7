// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice The bytes of StakingPools' `Credited` event: one packed entry per settlement credit,
///         ENTRY bytes each: hotkey 20 | coldkey 20 | alpha u96 | take u96 | dividend u8.
/// @dev One event per batch costs ~8 gas a byte (~520 a credit) where an event per credit with
///      indexed topics cost ~2,100.
library CreditLog {
    uint256 internal constant ENTRY = 65;

    /// @notice Room for `n` entries and a word of slack (entries are written a word at a time).
    function allocate(uint256 n) internal pure returns (bytes memory log) {
        log = new bytes(n * ENTRY + 32);
        assembly ("memory-safe") {
            mstore(log, mul(n, ENTRY))
        }
    }

    /// @notice Writes entry `i`, in index order (each write spills into the next entry);
    ///         alpha and take below 2^96 (the caller checks).
    function write(bytes memory log, uint256 i, address hotkey, address coldkey, uint256 alpha, uint256 take, bool dividend)
        internal
        pure
    {
        assembly ("memory-safe") {
            let p := add(add(log, 32), mul(i, ENTRY))
            mstore(p, shl(96, hotkey))
            mstore(add(p, 20), shl(96, coldkey))
            mstore(add(p, 40), shl(160, alpha))
            mstore(add(p, 52), shl(160, take))
            mstore8(add(p, 64), dividend)
        }
    }
}
