// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IEpochSettlement} from "../interfaces/IEpochSettlement.sol";
import {TypedData} from "./TypedData.sol";

/// @notice Byte layouts of an epoch's snapshot and result (IEpochSettlement), the validator-set
///         threshold, and the result's EIP-712 digest.
library EpochSnapshot {
    /// @notice Bytes per UID in the snapshot: hotkey 20 | coldkey 20 | stake u64 | voter u8.
    uint256 internal constant ENTRY = 49;
    /// @notice Bytes per UID in the neurons bytes: registeredAt u64 | row block u64 | row hash 32 | permit u8.
    uint256 internal constant NEURON_ENTRY = 49;

    bytes32 internal constant RESULT_TYPEHASH = keccak256(
        "EpochResult(uint16 netuid,uint64 epoch,uint64 snapshotBlock,bytes32 inputsHash,bytes incentive,bytes dividends,bytes permits,bytes32 bondsHash)"
    );

    /// @notice `n` entries of `size` bytes, with 32 bytes of slack after them: the writers below
    ///         store whole words forward, each spilling into the next entry (or the slack).
    function allocate(uint256 n, uint256 size) internal pure returns (bytes memory out) {
        out = new bytes(n * size + 32);
        assembly ("memory-safe") {
            mstore(out, mul(n, size))
        }
    }

    /// @notice Writes UID `i`'s snapshot entry into `out` (from `allocate(n, ENTRY)`), in UID order.
    function writeEntry(bytes memory out, uint256 i, address hotkey, address coldkey, uint64 stake) internal pure {
        assembly ("memory-safe") {
            let p := add(add(out, 32), mul(i, 49))
            mstore(p, shl(96, hotkey))
            mstore(add(p, 20), shl(96, coldkey))
            mstore(add(p, 40), shl(192, stake)) // the voter byte after it: zero until `setVoter`
        }
    }

    /// @notice Marks UID `i` of `out` (entries written) as a voter.
    function setVoter(bytes memory out, uint256 i) internal pure {
        assembly ("memory-safe") {
            mstore8(add(add(add(out, 32), mul(i, 49)), 48), 1)
        }
    }

    /// @notice Writes UID `i`'s neurons entry into `out` (from `allocate(n, NEURON_ENTRY)`), in UID order.
    function writeNeuron(bytes memory out, uint256 i, uint64 registeredAt, uint64 rowBlock, bytes32 rowHash, bool permit)
        internal
        pure
    {
        assembly ("memory-safe") {
            let p := add(add(out, 32), mul(i, 49))
            mstore(p, shl(192, registeredAt))
            mstore(add(p, 8), shl(192, rowBlock))
            mstore(add(p, 16), rowHash)
            mstore8(add(p, 48), permit)
        }
    }

    /// @notice UID `i`'s (hotkey, coldkey, stake) from snapshot calldata.
    function entry(bytes calldata snapshot, uint256 i) internal pure returns (address hotkey, address coldkey, uint256 stake) {
        assembly ("memory-safe") {
            let p := add(snapshot.offset, mul(i, 49))
            hotkey := shr(96, calldataload(p))
            coldkey := shr(96, calldataload(add(p, 20)))
            stake := shr(192, calldataload(add(p, 40)))
        }
    }

    /// @notice Whether UID `i` votes, from snapshot calldata.
    function voter(bytes calldata snapshot, uint256 i) internal pure returns (bool v) {
        assembly ("memory-safe") {
            v := iszero(iszero(byte(0, calldataload(add(add(snapshot.offset, mul(i, 49)), 48)))))
        }
    }

    /// @notice The big-endian u16 at index `i` of `data`.
    function u16At(bytes calldata data, uint256 i) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := shr(240, calldataload(add(data.offset, mul(i, 2))))
        }
    }

    /// @notice The k-th largest (1-based) of `values`, reordering them; 0 when k is 0; the smallest when k >= n.
    /// @dev Three-way quickselect (equal keys cost one pass), middle pivot.
    function kthLargest(uint256[] memory values, uint256 k) internal pure returns (uint256) {
        uint256 n = values.length;
        if (k == 0 || n == 0) return 0;
        if (k > n) k = n;
        uint256 lo;
        uint256 hi = n; // search [lo, hi) for index k - 1 in descending order
        uint256 target = k - 1;
        while (true) {
            uint256 pivot = values[lo + (hi - lo) / 2];
            (uint256 lt, uint256 gt) = _partition(values, lo, hi, pivot);
            // [lo, lt) > pivot, [lt, gt) == pivot, [gt, hi) < pivot
            if (target < lt) hi = lt;
            else if (target >= gt) lo = gt;
            else return pivot;
        }
        return 0; // unreachable
    }

    function _partition(uint256[] memory a, uint256 lo, uint256 hi, uint256 pivot)
        private
        pure
        returns (uint256 lt, uint256 gt)
    {
        lt = lo;
        gt = hi;
        uint256 i = lo;
        while (i < gt) {
            uint256 v = a[i];
            if (v > pivot) {
                (a[i], a[lt]) = (a[lt], v);
                ++lt;
                ++i;
            } else if (v < pivot) {
                --gt;
                (a[i], a[gt]) = (a[gt], v);
            } else {
                ++i;
            }
        }
    }

    /// @notice The EIP-712 digest of `r` under `separator`.
    function resultDigest(bytes32 separator, IEpochSettlement.EpochResult calldata r) internal pure returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(
                RESULT_TYPEHASH,
                r.netuid,
                r.epoch,
                r.snapshotBlock,
                r.inputsHash,
                keccak256(r.incentive),
                keccak256(r.dividends),
                keccak256(r.permits),
                r.bondsHash
            )
        );
        return TypedData.digest(separator, structHash);
    }
}
