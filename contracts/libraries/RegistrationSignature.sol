// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice EIP-712 hotkey signatures for registrations: domain {name "EVMTensor", version "1",
///         chainId, verifyingContract}, type Registration(uint16 netuid,address coldkey,uint256 nonce,uint256 deadline).
library RegistrationSignature {
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant REGISTRATION_TYPEHASH =
        keccak256("Registration(uint16 netuid,address coldkey,uint256 nonce,uint256 deadline)");
    /// @dev secp256k1n / 2: signatures with a higher s are malleable copies and refused.
    uint256 private constant HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    function domainSeparator(address verifyingContract) internal view returns (bytes32) {
        return keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256("EVMTensor"), keccak256("1"), block.chainid, verifyingContract)
        );
    }

    function digest(bytes32 separator, uint16 netuid, address coldkey, uint256 nonce, uint256 deadline)
        internal
        pure
        returns (bytes32)
    {
        bytes32 structHash = keccak256(abi.encode(REGISTRATION_TYPEHASH, netuid, coldkey, nonce, deadline));
        return keccak256(abi.encodePacked("\x19\x01", separator, structHash));
    }

    /// @notice The signer of `hash`, or zero for a malformed, malleable or invalid 65-byte signature.
    function recover(bytes32 hash, bytes calldata signature) internal pure returns (address) {
        if (signature.length != 65) return address(0);
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        if (uint256(s) > HALF_ORDER || (v != 27 && v != 28)) return address(0);
        return ecrecover(hash, v, r, s);
    }
}
