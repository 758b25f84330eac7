// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IWeights} from "../interfaces/IWeights.sol";
import {TypedData} from "./TypedData.sol";

/// @notice EIP-712 digests of the messages a validator's hotkey signs for the Weights contract
///         (types in IWeights), on the protocol's one TypedData domain.
library WeightsSignature {
    bytes32 internal constant WEIGHTS_TYPEHASH = keccak256(
        "Weights(uint16 netuid,bytes uids,bytes values,uint64 versionKey,uint64 nonce,uint64 deadlineBlock)"
    );
    bytes32 internal constant COMMIT_TYPEHASH =
        keccak256("WeightsCommit(uint16 netuid,bytes32 commitHash,uint64 nonce,uint64 deadlineBlock)");

    function weightsDigest(bytes32 separator, IWeights.SignedWeights calldata w) internal pure returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(
                WEIGHTS_TYPEHASH, w.netuid, keccak256(w.uids), keccak256(w.values), w.versionKey, w.nonce, w.deadlineBlock
            )
        );
        return TypedData.digest(separator, structHash);
    }

    function commitDigest(bytes32 separator, IWeights.SignedCommit calldata c) internal pure returns (bytes32) {
        bytes32 structHash = keccak256(abi.encode(COMMIT_TYPEHASH, c.netuid, c.commitHash, c.nonce, c.deadlineBlock));
        return TypedData.digest(separator, structHash);
    }

    /// @notice What a commit commits to: the row, its version key and a salt, bound to the hotkey
    ///         and subnet (so nobody can copy another validator's commit).
    function commitHash(address hotkey, uint16 netuid, bytes calldata uids, bytes calldata values, uint64 versionKey, bytes32 salt)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(hotkey, netuid, keccak256(uids), keccak256(values), versionKey, salt));
    }
}
