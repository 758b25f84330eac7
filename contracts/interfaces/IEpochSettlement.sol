// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ISubnetRegistry} from "./ISubnetRegistry.sol";

/// @notice Quorum-settled epochs: the snapshot an epoch's inputs are read at, the result a stake
///         quorum of validators signed, and its payout (DTAO spec 2.7-2.8, 6.3, 7.1).
/// @dev Lifecycle of one subnet's epochs (legacy schedule, as the Weights contract counts them:
///      epoch index at block b = (b + netuid + 1) / (tempo + 1)):
///      1. `openEpoch(netuid)`, callable by anyone once the epoch index has advanced past the last
///         opened one, accrues emission and takes the snapshot: per UID (ascending) the hotkey, its
///         owner coldkey, its alpha stake at this block and whether it votes, packed 49 bytes each
///         (hotkey 20 | coldkey 20 | stake u64 big-endian | voter u8). Storage keeps only the
///         snapshot's hash; the bytes travel in `EpochOpened` with the other epoch inputs (per UID
///         49 bytes: registeredAt u64 | weights row block u64 | weights row hash 32 | previous
///         permit u8), the hyperparameters and the pending alpha. The validator set is the top
///         `maxValidators` UIDs by snapshot stake (every UID whose stake is at least the k-th
///         largest and positive; ties all count). Its voters are the members that are active:
///         their latest weights row is at most `activityCutoff` blocks old at the snapshot (as
///         Yuma counts activity: inactive when rowBlock + activityCutoff < snapshot block). A miner or an owner hotkey holding stake is in the set but
///         never sets weights, so it does not vote: counting it would let idle stake stall every
///         epoch. While no member is active (a new subnet: weights need a permit, permits need
///         a settled epoch) every member votes. `validatorStake` is the voters' total.
///      2. Validators read the inputs (oracle/epoch), run Yuma, and sign the `EpochResult`
///         (EIP-712 type below, domain TypedData's with this contract as verifying contract).
///      3. `settle` accepts the result when voters hold at least `quorum / 65535` of
///         `validatorStake` (each signer's stake and vote are read from the snapshot the caller
///         passes back, checked against the stored hash: never from the result). It then pays
///         out, records the epoch in NeuronRegistry and publishes the new bonds.
///      Opening a new epoch abandons an unsettled one: its emission stays pending in Emission and
///      is paid by the next settled epoch (nothing is drained before a settlement).
///
///      Payout (spec 2.8 without root: R = 0, T = S + V), from the drained buckets O, S, V and
///      the result's u16 incentive I and dividends D (ΣI, ΣD their sums):
///        * ΣI > 0 and ΣD > 0: miner h gets floor(S · I_h / ΣI), validator h floor(V · D_h / ΣD)
///          (spec 2.8.1's T · I_h / (ΣI + ΣD) with the miners' total capped at S, as 6.3.4 asks);
///        * ΣI > 0, ΣD = 0: miner h gets floor(T · I_h / ΣI), validators nothing;
///        * ΣI = 0, ΣD > 0: validator h gets floor(T · D_h / ΣD) (2.8.2: Vb = V + S);
///        * ΣI = ΣD = 0: nothing is drained; the emission carries to the next epoch (a deviation:
///          subtensor pays validators by active stake).
///      Crediting order: the owner cut O to (owner hotkey, owner coldkey); then miners by UID,
///      staked to (hotkey, its coldkey), except hotkeys of the subnet owner's coldkey, whose
///      incentive is burned (2.8.3: drained, owned by nobody); then validators by UID through
///      StakingPools.creditEmission (the take staked to the owner coldkey first, the rest raising
///      the pool value: spec 7.1). Floor dust stays drained and uncredited (spec 6.3.5).
///      Paid + burned + dust == drained; what is not drained stays pending.
///
///      EIP-712 primary type (evmtensor.chain.typed_data.TYPES["EpochResult"]):
///        `EpochResult(uint16 netuid,uint64 epoch,uint64 snapshotBlock,bytes32 inputsHash,
///                     bytes incentive,bytes dividends,bytes permits,bytes32 bondsHash)`
///      incentive and dividends: n u16 big-endian; permits: n bytes (0 or 1); inputsHash: the
///      keccak of Yuma's canonical epoch encoding (oracle.yuma.epoch_hash); bondsHash: keccak of
///      the bonds bytes (per UID row: count u16, then count × (uid u16 | value u16), big-endian).
interface IEpochSettlement {
    /// @notice Constructor parameters (profile JSON `EpochSettlement.json`).
    /// @param quorum share of the voters' stake that must sign, u16 fraction of 65535;
    ///        strictly above one half (default 43690 = 2/3).
    struct EpochSettlementParams {
        uint16 quorum;
    }

    /// @notice A subnet's latest opened epoch (two slots) and the last settled bonds hash.
    struct EpochState {
        uint64 epoch;
        uint64 snapshotBlock;
        uint64 validatorThreshold;
        bool settled;
        bytes32 snapshotHash;
        uint128 validatorStake;
        bytes32 bondsHash;
    }

    /// @notice The result validators sign.
    struct EpochResult {
        uint16 netuid;
        uint64 epoch;
        uint64 snapshotBlock;
        bytes32 inputsHash;
        bytes incentive;
        bytes dividends;
        bytes permits;
        bytes32 bondsHash;
    }

    /// @notice One validator's signature of a result; `uid` indexes the snapshot (ascending in a call).
    struct Attestation {
        uint16 uid;
        bytes signature;
    }

    /// @notice `netuid`'s epoch `epoch` was opened at `snapshotBlock` (see the contract's @dev for
    ///         the byte layouts of `snapshot` and `neurons`).
    event EpochOpened(
        uint16 indexed netuid,
        uint64 indexed epoch,
        uint64 snapshotBlock,
        bytes32 snapshotHash,
        uint256 validatorStake,
        uint64 validatorThreshold,
        uint256 pendingAlpha,
        bytes snapshot,
        bytes neurons,
        ISubnetRegistry.Hyperparameters hyperparameters
    );
    /// @notice `netuid`'s epoch was settled: what was drained and where it went (alpha base units).
    event EpochSettled(
        uint16 indexed netuid,
        uint64 indexed epoch,
        bytes32 resultHash,
        uint256 signedStake,
        uint256 ownerCut,
        uint256 minerAlpha,
        uint256 validatorAlpha,
        uint256 burned,
        uint256 carried
    );
    /// @notice The bonds `netuid`'s epoch stored (their hash is kept; a late validator rebuilds them from here).
    event BondsPublished(uint16 indexed netuid, uint64 indexed epoch, bytes32 bondsHash, bytes bonds);

    /// @notice Constructor parameter `name` cannot take `value`.
    error SettlementInvalidParam(string name, uint256 value);
    /// @notice `netuid` is not a registered subnet.
    error SettlementSubnetNotFound(uint16 netuid);
    /// @notice `netuid` has tempo 0: it never runs an epoch.
    error SettlementEpochsDisabled(uint16 netuid);
    /// @notice Epoch `openedEpoch` is the latest opened; the next may open at block `nextBlock`.
    error SettlementEpochNotDue(uint16 netuid, uint64 openedEpoch, uint256 nextBlock);
    /// @notice No epoch of `netuid` was ever opened.
    error SettlementNoOpenEpoch(uint16 netuid);
    /// @notice The result is for epoch `epoch` at `snapshotBlock`; the open epoch is `openEpoch` at `openSnapshotBlock`.
    error SettlementEpochMismatch(uint16 netuid, uint64 epoch, uint64 snapshotBlock, uint64 openEpoch, uint64 openSnapshotBlock);
    /// @notice Epoch `epoch` of `netuid` is already settled.
    error SettlementAlreadySettled(uint16 netuid, uint64 epoch);
    /// @notice The snapshot passed hashes to `got`, not the stored `expected`.
    error SettlementSnapshotMismatch(bytes32 expected, bytes32 got);
    /// @notice Field `field` of the result has `length` bytes; `expected` were due.
    error SettlementMalformedResult(string field, uint256 length, uint256 expected);
    /// @notice The bonds passed hash to `got`, not the result's `expected`.
    error SettlementBondsMismatch(bytes32 expected, bytes32 got);
    /// @notice Attestation `index` names `uid`, not above the previous one (or past the snapshot's `n`).
    error SettlementBadSigner(uint256 index, uint16 uid, uint256 n);
    /// @notice The signature of `uid` recovers to `recovered`, not its snapshot hotkey `hotkey`.
    error SettlementInvalidSignature(uint16 uid, address hotkey, address recovered);
    /// @notice `uid` held `stake` at the snapshot, below the validator set's threshold `threshold`.
    error SettlementNotValidator(uint16 uid, uint256 stake, uint256 threshold);
    /// @notice `uid` is in the validator set but did not vote in the snapshot (no weights within
    ///         the activity cutoff).
    error SettlementNotVoter(uint16 uid);
    /// @notice Signers hold `signedStake`, below the `requiredStake` of the quorum (of `validatorStake`).
    error SettlementQuorumNotReached(uint256 signedStake, uint256 requiredStake, uint256 validatorStake);
    /// @notice `netuid` was re-registered at `registeredAt`, after the epoch's snapshot `snapshotBlock`.
    error SettlementSubnetChanged(uint16 netuid, uint256 registeredAt, uint64 snapshotBlock);

    /// @notice Opens `netuid`'s current epoch: accrues emission, takes the snapshot, emits `EpochOpened`.
    /// @return epoch the epoch index opened.
    function openEpoch(uint16 netuid) external returns (uint64 epoch);

    /// @notice Settles the open epoch of `result.netuid` with `attestations` (a stake quorum of the
    ///         validator set), passing back the epoch's `snapshot` and the result's `bonds` bytes.
    function settle(
        EpochResult calldata result,
        bytes calldata snapshot,
        bytes calldata bonds,
        Attestation[] calldata attestations
    ) external;

    /// @notice `netuid`'s latest opened epoch and the last settled bonds hash.
    function epochState(uint16 netuid) external view returns (EpochState memory);

    /// @notice The EIP-712 digest validators sign for `result`.
    function resultDigest(EpochResult calldata result) external view returns (bytes32);

    /// @notice The epoch index of `blockNumber` on `netuid` at its current tempo.
    function epochIndex(uint16 netuid, uint256 blockNumber) external view returns (uint64);

    /// @notice The contract's parameters.
    function params() external view returns (EpochSettlementParams memory);

    /// @notice The Weights contract whose rows the snapshot records.
    function weights() external view returns (address);

    /// @notice EIP-712 domain separator of this contract.
    function domainSeparator() external view returns (bytes32);
}
