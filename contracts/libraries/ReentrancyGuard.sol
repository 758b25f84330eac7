// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Reentrancy lock in transient storage (EIP-1153): ~200 gas instead of ~5,000.
abstract contract ReentrancyGuard {
    /// @notice A guarded entry point was re-entered.
    error ReentrancyGuardReentered();

    // An arbitrary fixed transient slot; transient storage is separate from the storage layout.
    uint256 private constant _LOCK_SLOT = 0x1c6f1e5b4b4a7f7a1b8f3a6c8c7d2e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9;

    modifier nonReentrant() {
        if (_locked()) revert ReentrancyGuardReentered();
        assembly ("memory-safe") { tstore(_LOCK_SLOT, 1) }
        _;
        assembly ("memory-safe") { tstore(_LOCK_SLOT, 0) }
    }

    function _locked() private view returns (bool locked) {
        assembly ("memory-safe") { locked := tload(_LOCK_SLOT) }
    }
}
