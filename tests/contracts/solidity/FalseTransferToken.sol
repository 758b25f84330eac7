// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Test double put at the TAO token's address: `transfer` returns false; every other call
///         runs the real token's code (kept at `implementation`) in this address's storage.
contract FalseTransferToken {
    address private immutable _implementation;

    constructor(address implementation) {
        _implementation = implementation;
    }

    function transfer(address, uint256) external pure returns (bool) {
        return false;
    }

    fallback() external payable {
        address impl = _implementation;
        assembly ("memory-safe") {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), impl, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }
}
