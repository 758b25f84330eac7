// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Validators' weights, signed by their hotkeys and submitted by anyone (a relay).
/// @dev A row is `uids` and `values`, each packed big-endian u16s (2 bytes per entry, uids
///      strictly ascending). It travels as calldata and in `WeightsSet`; storage keeps per
///      (netuid, hotkey) only the row hash `keccak256(uids ++ values)`, the block it landed in and
///      the hotkey's last nonce: what settlement needs to check the rows it rebuilt from the logs.
///      A row is current for settlement only when its block is at or after the UID's registration.
///
///      EIP-712 domain {name "EVMTensor", version "1", chainId, verifyingContract: this contract};
///      types
///        `Weights(uint16 netuid,bytes uids,bytes values,uint64 versionKey,uint64 nonce,uint64 deadlineBlock)`
///        `WeightsCommit(uint16 netuid,bytes32 commitHash,uint64 nonce,uint64 deadlineBlock)`.
///      `nonce` is per (netuid, hotkey), shared by rows and commits, and must exceed the last one
///      accepted (any increasing sequence: a counter, a block number, a timestamp); `deadlineBlock`
///      is the last block the message may land in, so a relay cannot hold a row back and post it late.
///
///      Idempotence: a message identical to the last one accepted for its hotkey (same nonce, same
///      content) is a no-op, never a revert, so two relays posting the same thing is harmless.
///      Batches (`submit*`) never revert on one bad message: each rejected message emits
///      `WeightsRejected` with the ABI-encoded error the single-message entry point would revert
///      with, and the others apply.
///
///      Commit-reveal (subnet hyperparameter `commitRevealEnabled`): `commitHash =
///      keccak256(abi.encode(hotkey, netuid, keccak256(uids), keccak256(values), versionKey, salt))`.
///      Epoch index at block b: `(b + netuid + 1) / (tempo + 1)` (subtensor's legacy schedule). A
///      commit made in epoch e is revealed in epoch e + commitRevealPeriod exactly; after that it
///      has expired and its row never counts. One pending commit per hotkey: a newer commit
///      replaces it. Reveals need no signature: only the committer could know the preimage.
interface IWeights {
    /// @notice Constructor parameters (profile JSON `Weights.json`).
    /// @param maxWeightLimit largest share of a row any one weight may hold, as a u16 fraction of
    ///        the row's sum (65535: no limit, subtensor's effective value). Self-weights are exempt.
    struct WeightsParams {
        uint16 maxWeightLimit;
    }

    /// @notice A weights row signed by `hotkey`.
    struct SignedWeights {
        address hotkey;
        uint16 netuid;
        bytes uids;
        bytes values;
        uint64 versionKey;
        uint64 nonce;
        uint64 deadlineBlock;
        bytes signature;
    }

    /// @notice A commit of a row's hash signed by `hotkey`.
    struct SignedCommit {
        address hotkey;
        uint16 netuid;
        bytes32 commitHash;
        uint64 nonce;
        uint64 deadlineBlock;
        bytes signature;
    }

    /// @notice The preimage of `hotkey`'s pending commit on `netuid`.
    struct Reveal {
        address hotkey;
        uint16 netuid;
        bytes uids;
        bytes values;
        uint64 versionKey;
        bytes32 salt;
    }

    /// @notice What is stored per (netuid, hotkey) (two slots).
    /// @param rowHash keccak256(uids ++ values) of the latest row; zero before the first.
    /// @param rowBlock the block the latest row landed in (set directly or revealed).
    /// @param nonce the last nonce accepted (row or commit).
    /// @param commitBlock the block of the latest commit (0: none).
    /// @param revealed whether that commit was revealed.
    /// @param commitHash the latest commit.
    struct WeightsState {
        bytes32 rowHash;
        uint64 rowBlock;
        uint64 nonce;
        uint64 commitBlock;
        bool revealed;
        bytes32 commitHash;
    }

    /// @notice `hotkey` (`uid`) set its weights on `netuid`: the row, as signed, with its nonce.
    event WeightsSet(
        uint16 indexed netuid, address indexed hotkey, uint16 uid, uint64 nonce, uint64 versionKey, bytes uids, bytes values
    );
    /// @notice `hotkey` committed `commitHash` on `netuid`, to be revealed in epoch `revealEpoch`.
    event WeightsCommitted(uint16 indexed netuid, address indexed hotkey, uint64 nonce, bytes32 commitHash, uint64 revealEpoch);
    /// @notice A message of a batch from `hotkey` (`nonce`) was refused with `reason` (an ABI-encoded error of this interface).
    event WeightsRejected(uint16 indexed netuid, address indexed hotkey, uint64 nonce, bytes reason);

    /// @notice `netuid` is not a registered subnet.
    error WeightsSubnetNotFound(uint16 netuid);
    /// @notice The signature is malformed, malleable (high s) or signed by `recovered`, not `hotkey`.
    error WeightsInvalidSignature(address hotkey, address recovered);
    /// @notice The message was due by `deadlineBlock`; this is block `blockNumber`.
    error WeightsDeadlinePassed(uint64 deadlineBlock, uint256 blockNumber);
    /// @notice `nonce` is not above `lastNonce`, the last accepted from `hotkey` on `netuid`.
    error WeightsNonceUsed(uint16 netuid, address hotkey, uint64 nonce, uint64 lastNonce);
    /// @notice `hotkey` holds no UID on `netuid`.
    error WeightsNotRegistered(uint16 netuid, address hotkey);
    /// @notice `hotkey` (`uid`) has no validator permit on `netuid` and the row is not a self-weight.
    error WeightsNoValidatorPermit(uint16 netuid, address hotkey, uint16 uid);
    /// @notice The row's `versionKey` is below the subnet's `required` weights version key.
    error WeightsVersionKeyTooLow(uint16 netuid, uint64 versionKey, uint64 required);
    /// @notice `hotkey` last set or committed weights at `lastBlock`; the next is allowed at `nextBlock`.
    error WeightsRateLimited(uint16 netuid, address hotkey, uint256 lastBlock, uint256 nextBlock);
    /// @notice The row has `count` entries; the subnet requires at least `required` (min(minAllowedWeights, N)).
    error WeightsTooFew(uint256 count, uint256 required);
    /// @notice The weight at `index` holds `value` of a row summing to `sum`, above `maxWeightLimit` / 65535.
    error WeightsMaxWeightExceeded(uint256 index, uint256 value, uint256 sum, uint16 maxWeightLimit);
    /// @notice `uids` and `values` are not equal-length whole u16 sequences (`uidsLength`, `valuesLength` bytes).
    error WeightsMalformedRow(uint256 uidsLength, uint256 valuesLength);
    /// @notice `uid` (at `index`) is not below the subnet's UID count `n`.
    error WeightsUidOutOfRange(uint256 index, uint16 uid, uint16 n);
    /// @notice `uid` (at `index`) does not come strictly after the previous UID `previous` (unsorted or duplicated).
    error WeightsUidsNotAscending(uint256 index, uint16 uid, uint16 previous);
    /// @notice `netuid` runs commit-reveal: weights must be committed first.
    error WeightsCommitRevealEnabled(uint16 netuid);
    /// @notice `netuid` does not run commit-reveal: set weights directly.
    error WeightsCommitRevealDisabled(uint16 netuid);
    /// @notice `hotkey` has no pending commit on `netuid` (none made, already revealed, or from an earlier registration).
    error WeightsNoPendingCommit(uint16 netuid, address hotkey);
    /// @notice The revealed row does not hash to the pending commit `commitHash` (it hashes to `revealedHash`).
    error WeightsRevealMismatch(bytes32 commitHash, bytes32 revealedHash);
    /// @notice The commit is revealed in epoch `revealEpoch`; this is epoch `epoch` (too early).
    error WeightsRevealTooEarly(uint64 revealEpoch, uint64 epoch);
    /// @notice The commit's reveal epoch `revealEpoch` is over (this is epoch `epoch`): it expired.
    error WeightsCommitExpired(uint64 revealEpoch, uint64 epoch);

    /// @notice Applies one signed row; reverts with the error of the first failed check.
    /// @return applied false when the very same row was already applied (a replay: no-op).
    function setWeights(SignedWeights calldata row) external returns (bool applied);

    /// @notice Applies many signed rows (any validators, any subnets); a row that fails a check
    ///         is skipped with `WeightsRejected`, a replayed one silently.
    /// @return applied how many rows were applied.
    function submitWeights(SignedWeights[] calldata rows) external returns (uint256 applied);

    /// @notice Records one signed commit (commit-reveal subnets); reverts on the first failed check.
    /// @return applied false when the very same commit was already recorded (a replay: no-op).
    function commitWeights(SignedCommit calldata commit) external returns (bool applied);

    /// @notice Records many signed commits; failures are skipped with `WeightsRejected`.
    function submitCommits(SignedCommit[] calldata commits) external returns (uint256 applied);

    /// @notice Reveals one pending commit, applying its row; reverts on the first failed check.
    /// @return applied false when this commit was already revealed with this row (a replay: no-op).
    function revealWeights(Reveal calldata reveal) external returns (bool applied);

    /// @notice Reveals many pending commits; failures are skipped with `WeightsRejected`.
    function submitReveals(Reveal[] calldata reveals) external returns (uint256 applied);

    /// @notice What `setWeights(row)` would do now, without doing it: the ABI-encoded error it
    ///         would revert with, or empty bytes when it would apply (relays check rows with it).
    function checkWeights(SignedWeights calldata row) external view returns (bytes memory reason);

    /// @notice What `commitWeights(commit)` would do now (see `checkWeights`).
    function checkCommit(SignedCommit calldata commit) external view returns (bytes memory reason);

    /// @notice What `revealWeights(reveal)` would do now (see `checkWeights`).
    function checkReveal(Reveal calldata reveal) external view returns (bytes memory reason);

    /// @notice The stored state of `hotkey` on `netuid` (latest row hash and block, nonce, commit).
    function weightsState(uint16 netuid, address hotkey) external view returns (WeightsState memory);

    /// @notice Latest row hash and block of each of `hotkeys` on `netuid` (for settlement).
    function latestRows(uint16 netuid, address[] calldata hotkeys)
        external
        view
        returns (bytes32[] memory rowHashes, uint64[] memory rowBlocks);

    /// @notice The commit hash of a row (what a validator signs in a commit).
    function commitHashOf(address hotkey, uint16 netuid, bytes calldata uids, bytes calldata values, uint64 versionKey, bytes32 salt)
        external
        pure
        returns (bytes32);

    /// @notice Epoch index of `blockNumber` on `netuid` (`(block + netuid + 1) / (tempo + 1)`).
    function epochIndex(uint16 netuid, uint256 blockNumber) external view returns (uint64);

    /// @notice The contract's parameters.
    function params() external view returns (WeightsParams memory);

    /// @notice EIP-712 domain separator of this contract.
    function domainSeparator() external view returns (bytes32);
}
