// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TypedData} from "./TypedData.sol";

/// @notice EIP-712 hotkey signatures for registrations, on the shared TypedData domain:
///         type Registration(uint16 netuid,address coldkey,uint256 nonce,uint256 deadline).
library RegistrationSignature {
    bytes32 internal constant REGISTRATION_TYPEHASH =
        keccak256("Registration(uint16 netuid,address coldkey,uint256 nonce,uint256 deadline)");

    function domainSeparator(address verifyingContract) internal view returns (bytes32) {
        return TypedData.domainSeparator(verifyingContract);
    }

    function digest(bytes32 separator, uint16 netuid, address coldkey, uint256 nonce, uint256 deadline)
        internal
        pure
        returns (bytes32)
    {
        return TypedData.digest(separator, keccak256(abi.encode(REGISTRATION_TYPEHASH, netuid, coldkey, nonce, deadline)));
    }

    /// @notice The signer of `hash`, or zero for a malformed, malleable or invalid 65-byte signature.
    function recover(bytes32 hash, bytes calldata signature) internal pure returns (address) {
        return TypedData.recover(hash, signature);
    }
}
