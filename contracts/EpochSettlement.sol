// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ProtocolAddresses, ProtocolWired} from "./ProtocolWired.sol";
import {ReentrancyGuard} from "./libraries/ReentrancyGuard.sol";
import {TypedData} from "./libraries/TypedData.sol";
import {EpochSnapshot} from "./libraries/EpochSnapshot.sol";
import {IEpochSettlement} from "./interfaces/IEpochSettlement.sol";
import {IEmission} from "./interfaces/IEmission.sol";
import {IStakingPools} from "./interfaces/IStakingPools.sol";
import {INeuronRegistry} from "./interfaces/INeuronRegistry.sol";
import {ISubnetRegistry} from "./interfaces/ISubnetRegistry.sol";
import {IWeights} from "./interfaces/IWeights.sol";

/// @title EpochSettlement
/// @notice Opens each subnet's epoch at a snapshot it takes itself, accepts the result a stake
///         quorum of the snapshot's validators signed, and pays the epoch's emission out.
/// @dev Layouts, quorum and payout rules: IEpochSettlement. Storage per subnet: two slots of
///      epoch state and the bonds hash; the snapshot, the inputs and the bonds live in events.
contract EpochSettlement is IEpochSettlement, ProtocolWired, ReentrancyGuard {
    uint256 private constant _U16 = 65535;

    uint16 private immutable _quorum;
    address private immutable _weights;
    bytes32 private immutable _cachedDomainSeparator;
    uint256 private immutable _cachedChainId;

    mapping(uint16 netuid => EpochState) private _epochs;

    /// @dev One settlement's amounts (kept in memory: too many for the stack).
    struct Payout {
        uint256 sumI;
        uint256 sumD;
        uint256 minerBudget;
        uint256 validatorBudget;
        uint256 minerPaid;
        uint256 validatorPaid;
        uint256 burned;
        uint256 credits; // entries of `credit` in use
        IStakingPools.Credit[] credit;
        address ownerColdkey;
        address ownerHotkey;
    }

    constructor(ProtocolAddresses memory protocol, address weights_, EpochSettlementParams memory p)
        ProtocolWired(protocol)
    {
        // Half or less would let two disjoint halves each settle a different result.
        if (uint256(p.quorum) * 2 <= _U16) revert SettlementInvalidParam("quorum", p.quorum);
        if (weights_ == address(0)) revert SettlementInvalidParam("weights", 0);
        _quorum = p.quorum;
        _weights = weights_;
        _cachedChainId = block.chainid;
        _cachedDomainSeparator = TypedData.domainSeparator(address(this));
    }

    // ================================================================== open

    /// @inheritdoc IEpochSettlement
    function openEpoch(uint16 netuid) external nonReentrant returns (uint64 epoch) {
        if (!ISubnetRegistry(_subnets).subnetExists(netuid)) revert SettlementSubnetNotFound(netuid);
        ISubnetRegistry.Hyperparameters memory hp = ISubnetRegistry(_subnets).hyperparameters(netuid);
        if (hp.tempo == 0) revert SettlementEpochsDisabled(netuid);
        epoch = _epoch(netuid, hp.tempo, block.number);
        EpochState storage e = _epochs[netuid];
        if (e.snapshotBlock != 0 && epoch <= e.epoch) {
            uint256 next = (uint256(e.epoch) + 1) * (uint256(hp.tempo) + 1) - netuid - 1;
            revert SettlementEpochNotDue(netuid, e.epoch, next);
        }
        // Emission of every block so far lands (at the prices those blocks had) before the snapshot.
        IEmission(_emission).accrueCurrent();
        (bytes memory snapshot, bytes memory neurons, uint256 threshold, uint256 validatorStake) = _snapshot(netuid, hp);
        bytes32 snapshotHash = keccak256(snapshot);
        _epochs[netuid] = EpochState(
            epoch, uint64(block.number), uint64(threshold), false, snapshotHash, uint128(validatorStake), e.bondsHash
        );
        _emitOpened(netuid, epoch, snapshotHash, validatorStake, threshold, snapshot, neurons, hp);
    }

    /// @dev The validator set's threshold: the k-th largest stake (ties included), at least 1.
    function _threshold(uint256[] memory stakes, uint256 k) private pure returns (uint256 threshold) {
        uint256[] memory copy = new uint256[](stakes.length);
        for (uint256 i; i < stakes.length; ++i) {
            copy[i] = stakes[i];
        }
        threshold = EpochSnapshot.kthLargest(copy, k);
        if (threshold == 0) threshold = 1; // a validator holds stake
    }

    /// @dev Marks the voters in `snapshot` (IEpochSettlement: the validator set's members active
    ///      at this block, or all members while none is) and returns their stake.
    function _markVoters(bytes memory snapshot, uint256[] memory stakes, uint64[] memory rowBlocks, uint256 threshold, uint256 cutoff)
        private
        view
        returns (uint256 total)
    {
        for (uint256 pass; pass < 2 && total == 0; ++pass) {
            for (uint256 i; i < stakes.length; ++i) {
                if (stakes[i] < threshold) continue;
                // Yuma's activity (oracle/yuma/masks.py, subtensor): inactive when updated + cutoff <
                // block. Pass 1 (no member active) takes every member.
                if (pass == 0 && (rowBlocks[i] == 0 || rowBlocks[i] + cutoff < block.number)) continue;
                EpochSnapshot.setVoter(snapshot, i);
                total += stakes[i];
            }
        }
    }

    function _emitOpened(
        uint16 netuid,
        uint64 epoch,
        bytes32 snapshotHash,
        uint256 validatorStake,
        uint256 threshold,
        bytes memory snapshot,
        bytes memory neurons,
        ISubnetRegistry.Hyperparameters memory hp
    ) private {
        IEmission.Pending memory q = IEmission(_emission).pending(netuid);
        emit EpochOpened(
            netuid,
            epoch,
            uint64(block.number),
            snapshotHash,
            validatorStake,
            uint64(threshold),
            q.ownerCut + q.serverAlpha + q.validatorAlpha,
            snapshot,
            neurons,
            hp
        );
    }

    /// @dev What openEpoch reads of every UID (in memory: too many arrays for the stack).
    struct SnapshotReads {
        address[] hotkeys;
        address[] coldkeys;
        uint64[] registeredAt;
        bool[] permits;
        bytes32[] rowHashes;
        uint64[] rowBlocks;
        uint256[] stakes;
    }

    /// @dev The snapshot and neurons bytes of every UID of `netuid` now, the validator threshold and
    ///      the voters' stake. One batched read per contract (NeuronRegistry, Weights, StakingPools).
    function _snapshot(uint16 netuid, ISubnetRegistry.Hyperparameters memory hp)
        private
        view
        returns (bytes memory snapshot, bytes memory neurons, uint256 threshold, uint256 voterStake)
    {
        SnapshotReads memory s;
        (s.hotkeys, s.coldkeys, s.registeredAt, s.permits) = INeuronRegistry(_neurons).epochNeurons(netuid);
        (s.rowHashes, s.rowBlocks) = IWeights(_weights).latestRows(netuid, s.hotkeys);
        s.stakes = IStakingPools(_pools).hotkeyAlphas(netuid, s.hotkeys);
        uint256 n = s.hotkeys.length;
        snapshot = EpochSnapshot.allocate(n, EpochSnapshot.ENTRY);
        neurons = EpochSnapshot.allocate(n, EpochSnapshot.NEURON_ENTRY);
        for (uint256 i; i < n; ++i) {
            // Alpha issuance per subnet stays below 21e15 < 2^64.
            EpochSnapshot.writeEntry(snapshot, i, s.hotkeys[i], s.coldkeys[i], uint64(s.stakes[i]));
            EpochSnapshot.writeNeuron(neurons, i, s.registeredAt[i], s.rowBlocks[i], s.rowHashes[i], s.permits[i]);
        }
        threshold = _threshold(s.stakes, hp.maxValidators);
        voterStake = _markVoters(snapshot, s.stakes, s.rowBlocks, threshold, hp.activityCutoff);
    }

    // ================================================================== settle

    /// @inheritdoc IEpochSettlement
    function settle(
        EpochResult calldata r,
        bytes calldata snapshot,
        bytes calldata bonds,
        Attestation[] calldata attestations
    ) external nonReentrant {
        EpochState storage e = _epochs[r.netuid];
        uint256 n = _checkResult(e, r, snapshot, bonds);
        bytes32 digest = EpochSnapshot.resultDigest(domainSeparator(), r);
        uint256 signed = _checkQuorum(e, digest, snapshot, n, attestations);
        e.settled = true;
        e.bondsHash = r.bondsHash;
        _settle(r, snapshot, n, e.snapshotBlock, digest, signed);
        emit BondsPublished(r.netuid, r.epoch, r.bondsHash, bonds);
    }

    /// @dev The result is for the open, unsettled epoch, with its snapshot, well formed; returns n.
    function _checkResult(EpochState storage e, EpochResult calldata r, bytes calldata snapshot, bytes calldata bonds)
        private
        view
        returns (uint256 n)
    {
        if (e.snapshotBlock == 0) revert SettlementNoOpenEpoch(r.netuid);
        if (r.epoch != e.epoch || r.snapshotBlock != e.snapshotBlock) {
            revert SettlementEpochMismatch(r.netuid, r.epoch, r.snapshotBlock, e.epoch, e.snapshotBlock);
        }
        if (e.settled) revert SettlementAlreadySettled(r.netuid, r.epoch);
        bytes32 got = keccak256(snapshot);
        if (got != e.snapshotHash) revert SettlementSnapshotMismatch(e.snapshotHash, got);
        n = snapshot.length / EpochSnapshot.ENTRY;
        if (r.incentive.length != 2 * n) revert SettlementMalformedResult("incentive", r.incentive.length, 2 * n);
        if (r.dividends.length != 2 * n) revert SettlementMalformedResult("dividends", r.dividends.length, 2 * n);
        if (r.permits.length != n) revert SettlementMalformedResult("permits", r.permits.length, n);
        got = keccak256(bonds);
        if (got != r.bondsHash) revert SettlementBondsMismatch(r.bondsHash, got);
        if (!ISubnetRegistry(_subnets).subnetExists(r.netuid)) revert SettlementSubnetNotFound(r.netuid);
        uint256 registeredAt = ISubnetRegistry(_subnets).subnetInfo(r.netuid).registeredAt;
        if (registeredAt > e.snapshotBlock) revert SettlementSubnetChanged(r.netuid, registeredAt, e.snapshotBlock);
    }

    /// @dev Every attestation is a distinct validator of the snapshot that signed `digest`;
    ///      together they hold the quorum. Returns the stake that signed.
    function _checkQuorum(
        EpochState storage e,
        bytes32 digest,
        bytes calldata snapshot,
        uint256 n,
        Attestation[] calldata attestations
    ) private view returns (uint256 signed) {
        uint256 threshold = e.validatorThreshold;
        uint256 previous;
        for (uint256 i; i < attestations.length; ++i) {
            uint16 uid = attestations[i].uid;
            if (uid >= n || (i != 0 && uid <= previous)) revert SettlementBadSigner(i, uid, n);
            previous = uid;
            (address hotkey,, uint256 stake) = EpochSnapshot.entry(snapshot, uid);
            address recovered = TypedData.recover(digest, attestations[i].signature);
            if (recovered != hotkey) revert SettlementInvalidSignature(uid, hotkey, recovered);
            if (stake < threshold) revert SettlementNotValidator(uid, stake, threshold);
            if (!EpochSnapshot.voter(snapshot, uid)) revert SettlementNotVoter(uid);
            signed += stake;
        }
        uint256 total = e.validatorStake;
        uint256 required = (total * _quorum + _U16 - 1) / _U16;
        if (total == 0 || signed < required) revert SettlementQuorumNotReached(signed, required, total);
    }

    /// @dev Drains, pays out (see IEpochSettlement for the rules and order) and records the epoch.
    function _settle(EpochResult calldata r, bytes calldata snapshot, uint256 n, uint64 snapshotBlock, bytes32 digest, uint256 signed)
        private
    {
        IEmission(_emission).accrueCurrent();
        Payout memory p;
        uint256 earners; // an upper bound on the credits: UIDs with incentive plus UIDs with dividends
        // One pass: the sums, and the records' incentive, dividends and permits (emission below).
        INeuronRegistry.EpochRecord[] memory records = new INeuronRegistry.EpochRecord[](n);
        for (uint256 i; i < n; ++i) {
            uint256 incentive = EpochSnapshot.u16At(r.incentive, i);
            uint256 dividends = EpochSnapshot.u16At(r.dividends, i);
            (p.sumI, p.sumD) = (p.sumI + incentive, p.sumD + dividends);
            if (incentive != 0) ++earners;
            if (dividends != 0) ++earners;
            INeuronRegistry.EpochRecord memory rec = records[i];
            (rec.incentive, rec.dividends, rec.validatorPermit) = (uint16(incentive), uint16(dividends), r.permits[i] != 0);
        }
        if (p.sumI == 0 && p.sumD == 0) {
            // Nobody earned anything: leave the emission pending for the next epoch.
            IEmission.Pending memory q = IEmission(_emission).pending(r.netuid);
            _record(r, n, snapshotBlock, records);
            emit EpochSettled(r.netuid, r.epoch, digest, signed, 0, 0, 0, 0, q.ownerCut + q.serverAlpha + q.validatorAlpha);
            return;
        }
        IEmission.Pending memory d = IEmission(_emission).drainPending(r.netuid);
        (p.ownerColdkey, p.ownerHotkey) = ISubnetRegistry(_subnets).subnetOwner(r.netuid);
        _budgets(p, d);
        // Every credit in one call, in the order of spec 2.8: owner cut, miners, validators.
        p.credit = new IStakingPools.Credit[](1 + earners);
        if (d.ownerCut != 0) _addCredit(p, p.ownerHotkey, p.ownerColdkey, d.ownerCut, false);
        _payMiners(p, r, snapshot, n, records);
        _payValidators(p, r, snapshot, n, records);
        IStakingPools.Credit[] memory credit = p.credit;
        uint256 used = p.credits;
        assembly ("memory-safe") {
            mstore(credit, used) // trim the unused tail (it stays allocated, unread)
        }
        if (used != 0) IStakingPools(_pools).creditBatch(r.netuid, credit);
        _record(r, n, snapshotBlock, records);
        emit EpochSettled(r.netuid, r.epoch, digest, signed, d.ownerCut, p.minerPaid, p.validatorPaid, p.burned, 0);
    }

    /// @dev Spec 2.8.1-2.8.2 with the miners capped at S (6.3.4); R = 0.
    function _budgets(Payout memory p, IEmission.Pending memory d) private pure {
        uint256 total = d.serverAlpha + d.validatorAlpha;
        if (p.sumI != 0 && p.sumD != 0) (p.minerBudget, p.validatorBudget) = (d.serverAlpha, d.validatorAlpha);
        else if (p.sumI != 0) p.minerBudget = total;
        else p.validatorBudget = total;
    }

    function _payMiners(
        Payout memory p,
        EpochResult calldata r,
        bytes calldata snapshot,
        uint256 n,
        INeuronRegistry.EpochRecord[] memory records
    ) private {
        if (p.minerBudget == 0) return;
        for (uint256 i; i < n; ++i) {
            uint256 incentive = records[i].incentive;
            if (incentive == 0) continue;
            uint256 amount = (p.minerBudget * incentive) / p.sumI;
            if (amount == 0) continue;
            records[i].emission = uint64(amount);
            (address hotkey, address coldkey,) = EpochSnapshot.entry(snapshot, i);
            // Spec 2.8.3: the owner's own miners earn nothing; their alpha is burned (drained, unowned).
            if (coldkey == p.ownerColdkey || hotkey == p.ownerHotkey) {
                p.burned += amount;
                continue;
            }
            _addCredit(p, hotkey, coldkey, amount, false);
            p.minerPaid += amount;
        }
    }

    function _payValidators(
        Payout memory p,
        EpochResult calldata r,
        bytes calldata snapshot,
        uint256 n,
        INeuronRegistry.EpochRecord[] memory records
    ) private {
        if (p.validatorBudget == 0) return;
        for (uint256 i; i < n; ++i) {
            uint256 dividends = records[i].dividends;
            if (dividends == 0) continue;
            uint256 amount = (p.validatorBudget * dividends) / p.sumD;
            if (amount == 0) continue;
            records[i].emission += uint64(amount);
            (address hotkey, address coldkey,) = EpochSnapshot.entry(snapshot, i);
            _addCredit(p, hotkey, coldkey, amount, true);
            p.validatorPaid += amount;
        }
    }

    /// @dev Fills the next preallocated credit in place (no second struct in memory).
    function _addCredit(Payout memory p, address hotkey, address coldkey, uint256 alpha, bool dividend) private pure {
        IStakingPools.Credit memory c = p.credit[p.credits++];
        (c.hotkey, c.coldkey, c.alpha, c.dividend) = (hotkey, coldkey, alpha, dividend);
    }

    /// @dev Incentive, dividends, emission and permits for the metagraph and pruning.
    function _record(EpochResult calldata r, uint256 n, uint64 snapshotBlock, INeuronRegistry.EpochRecord[] memory records)
        private
    {
        if (n != 0) INeuronRegistry(_neurons).recordEpoch(r.netuid, snapshotBlock, 0, records);
    }

    // ================================================================== views

    /// @inheritdoc IEpochSettlement
    function epochState(uint16 netuid) external view returns (EpochState memory) {
        return _epochs[netuid];
    }

    /// @inheritdoc IEpochSettlement
    function resultDigest(EpochResult calldata result) external view returns (bytes32) {
        return EpochSnapshot.resultDigest(domainSeparator(), result);
    }

    /// @inheritdoc IEpochSettlement
    function epochIndex(uint16 netuid, uint256 blockNumber) external view returns (uint64) {
        return _epoch(netuid, ISubnetRegistry(_subnets).hyperparameters(netuid).tempo, blockNumber);
    }

    /// @inheritdoc IEpochSettlement
    function params() external view returns (EpochSettlementParams memory) {
        return EpochSettlementParams(_quorum);
    }

    /// @inheritdoc IEpochSettlement
    function weights() external view returns (address) {
        return _weights;
    }

    /// @inheritdoc IEpochSettlement
    function domainSeparator() public view returns (bytes32) {
        if (block.chainid == _cachedChainId) return _cachedDomainSeparator;
        return TypedData.domainSeparator(address(this));
    }

    function _epoch(uint16 netuid, uint16 tempo, uint256 blockNumber) private pure returns (uint64) {
        return uint64((blockNumber + netuid + 1) / (uint256(tempo) + 1));
    }
}
