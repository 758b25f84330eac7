// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ProtocolAddresses, ProtocolWired} from "./ProtocolWired.sol";
import {IWeights} from "./interfaces/IWeights.sol";
import {INeuronRegistry} from "./interfaces/INeuronRegistry.sol";
import {ISubnetRegistry} from "./interfaces/ISubnetRegistry.sol";
import {TypedData} from "./libraries/TypedData.sol";
import {WeightsRow} from "./libraries/WeightsRow.sol";
import {WeightsSignature} from "./libraries/WeightsSignature.sol";

/// @title Weights
/// @notice Validators' weights rows signed by their hotkeys (EIP-712) and posted by anyone, one
///         or many per transaction; optionally through commit-reveal. Rows live in calldata and
///         events; storage keeps the latest row's hash and block per (netuid, hotkey).
/// @dev Every check returns the encoded error rather than reverting (`_check*`), so the
///      single-message entry points revert with it and the batches log it and carry on.
contract Weights is IWeights, ProtocolWired {
    /// @dev The hyperparameters a check needs, read once per subnet per transaction.
    struct Subnet {
        uint16 netuid;
        uint16 n;
        uint16 minAllowedWeights;
        uint16 tempo;
        bool commitReveal;
        uint64 rateLimit;
        uint64 versionKey;
        uint64 revealPeriod;
    }

    /// @dev The signer as NeuronRegistry knows it.
    struct Signer {
        uint16 uid;
        uint64 registeredAt;
        bool permit;
    }

    /// @dev Per (netuid, hotkey): rowHash | rowBlock (64) nonce (64) commitBlock (64) revealed (8) | commitHash.
    struct Entry {
        bytes32 rowHash;
        uint64 rowBlock;
        uint64 nonce;
        uint64 commitBlock;
        bool revealed;
        bytes32 commitHash;
    }

    uint16 private immutable _maxWeightLimit;
    bytes32 private immutable _cachedDomainSeparator;
    uint256 private immutable _cachedChainId;

    mapping(uint16 netuid => mapping(address hotkey => Entry)) private _entries;

    constructor(ProtocolAddresses memory protocol, WeightsParams memory p) ProtocolWired(protocol) {
        _maxWeightLimit = p.maxWeightLimit;
        _cachedChainId = block.chainid;
        _cachedDomainSeparator = TypedData.domainSeparator(address(this));
    }

    // ------------------------------------------------------------------ direct rows

    /// @inheritdoc IWeights
    function setWeights(SignedWeights calldata w) external returns (bool) {
        Subnet memory s = _subnet(w.netuid);
        (bytes memory reason, bool replay, uint16 uid, bytes32 hash) = _checkWeights(s, w);
        if (replay) return false;
        _revertIf(reason);
        _applyRow(w.netuid, w.hotkey, uid, w.nonce, w.versionKey, w.uids, w.values, hash);
        return true;
    }

    /// @inheritdoc IWeights
    function submitWeights(SignedWeights[] calldata rows) external returns (uint256 applied) {
        Subnet memory s;
        for (uint256 i; i < rows.length; ++i) {
            SignedWeights calldata w = rows[i];
            if (s.n == 0 || s.netuid != w.netuid) s = _subnet(w.netuid);
            (bytes memory reason, bool replay, uint16 uid, bytes32 hash) = _checkWeights(s, w);
            if (replay) continue;
            if (reason.length != 0) {
                emit WeightsRejected(w.netuid, w.hotkey, w.nonce, reason);
                continue;
            }
            _applyRow(w.netuid, w.hotkey, uid, w.nonce, w.versionKey, w.uids, w.values, hash);
            ++applied;
        }
    }

    /// @inheritdoc IWeights
    function checkWeights(SignedWeights calldata w) external view returns (bytes memory reason) {
        bool replay;
        (reason, replay,,) = _checkWeights(_subnet(w.netuid), w);
        if (replay) reason = _nonceUsed(w.netuid, w.hotkey, w.nonce);
    }

    // ------------------------------------------------------------------ commit-reveal

    /// @inheritdoc IWeights
    function commitWeights(SignedCommit calldata c) external returns (bool) {
        Subnet memory s = _subnet(c.netuid);
        (bytes memory reason, bool replay) = _checkCommit(s, c);
        if (replay) return false;
        _revertIf(reason);
        _applyCommit(s, c);
        return true;
    }

    /// @inheritdoc IWeights
    function submitCommits(SignedCommit[] calldata commits) external returns (uint256 applied) {
        Subnet memory s;
        for (uint256 i; i < commits.length; ++i) {
            SignedCommit calldata c = commits[i];
            if (s.n == 0 || s.netuid != c.netuid) s = _subnet(c.netuid);
            (bytes memory reason, bool replay) = _checkCommit(s, c);
            if (replay) continue;
            if (reason.length != 0) {
                emit WeightsRejected(c.netuid, c.hotkey, c.nonce, reason);
                continue;
            }
            _applyCommit(s, c);
            ++applied;
        }
    }

    /// @inheritdoc IWeights
    function checkCommit(SignedCommit calldata c) external view returns (bytes memory reason) {
        bool replay;
        (reason, replay) = _checkCommit(_subnet(c.netuid), c);
        if (replay) reason = _nonceUsed(c.netuid, c.hotkey, c.nonce);
    }

    /// @inheritdoc IWeights
    function revealWeights(Reveal calldata r) external returns (bool) {
        Subnet memory s = _subnet(r.netuid);
        (bytes memory reason, bool replay, uint16 uid) = _checkReveal(s, r);
        if (replay) return false;
        _revertIf(reason);
        _applyReveal(r, uid);
        return true;
    }

    /// @inheritdoc IWeights
    function submitReveals(Reveal[] calldata reveals) external returns (uint256 applied) {
        Subnet memory s;
        for (uint256 i; i < reveals.length; ++i) {
            Reveal calldata r = reveals[i];
            if (s.n == 0 || s.netuid != r.netuid) s = _subnet(r.netuid);
            (bytes memory reason, bool replay, uint16 uid) = _checkReveal(s, r);
            if (replay) continue;
            if (reason.length != 0) {
                emit WeightsRejected(r.netuid, r.hotkey, _entries[r.netuid][r.hotkey].nonce, reason);
                continue;
            }
            _applyReveal(r, uid);
            ++applied;
        }
    }

    /// @inheritdoc IWeights
    function checkReveal(Reveal calldata r) external view returns (bytes memory reason) {
        bool replay;
        (reason, replay,) = _checkReveal(_subnet(r.netuid), r);
        if (replay) reason = abi.encodeWithSelector(WeightsNoPendingCommit.selector, r.netuid, r.hotkey);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IWeights
    function weightsState(uint16 netuid, address hotkey) external view returns (WeightsState memory) {
        Entry storage e = _entries[netuid][hotkey];
        return WeightsState(e.rowHash, e.rowBlock, e.nonce, e.commitBlock, e.revealed, e.commitHash);
    }

    /// @inheritdoc IWeights
    function latestRows(uint16 netuid, address[] calldata hotkeys)
        external
        view
        returns (bytes32[] memory rowHashes, uint64[] memory rowBlocks)
    {
        rowHashes = new bytes32[](hotkeys.length);
        rowBlocks = new uint64[](hotkeys.length);
        for (uint256 i; i < hotkeys.length; ++i) {
            Entry storage e = _entries[netuid][hotkeys[i]];
            (rowHashes[i], rowBlocks[i]) = (e.rowHash, e.rowBlock);
        }
    }

    /// @inheritdoc IWeights
    function commitHashOf(address hotkey, uint16 netuid, bytes calldata uids, bytes calldata values, uint64 versionKey, bytes32 salt)
        external
        pure
        returns (bytes32)
    {
        return WeightsSignature.commitHash(hotkey, netuid, uids, values, versionKey, salt);
    }

    /// @inheritdoc IWeights
    function epochIndex(uint16 netuid, uint256 blockNumber) external view returns (uint64) {
        return _epoch(netuid, ISubnetRegistry(_subnets).hyperparameters(netuid).tempo, blockNumber);
    }

    /// @inheritdoc IWeights
    function params() external view returns (WeightsParams memory) {
        return WeightsParams(_maxWeightLimit);
    }

    /// @inheritdoc IWeights
    function domainSeparator() public view returns (bytes32) {
        if (block.chainid == _cachedChainId) return _cachedDomainSeparator;
        return TypedData.domainSeparator(address(this));
    }

    // ------------------------------------------------------------------ checks

    /// @dev Order: subnet, mode, deadline, signature, nonce (replay), registration, then the row.
    function _checkWeights(Subnet memory s, SignedWeights calldata w)
        private
        view
        returns (bytes memory reason, bool replay, uint16 uid, bytes32 hash)
    {
        if (s.n == 0) return (abi.encodeWithSelector(WeightsSubnetNotFound.selector, w.netuid), false, 0, 0);
        if (s.commitReveal) return (abi.encodeWithSelector(WeightsCommitRevealEnabled.selector, w.netuid), false, 0, 0);
        reason = _checkSigned(w.hotkey, w.deadlineBlock, WeightsSignature.weightsDigest(domainSeparator(), w), w.signature);
        if (reason.length != 0) return (reason, false, 0, 0);
        Entry storage e = _entries[w.netuid][w.hotkey];
        hash = WeightsRow.rowHash(w.uids, w.values);
        if (w.nonce <= e.nonce) {
            if (w.nonce == e.nonce && hash == e.rowHash) return ("", true, 0, hash);
            return (_nonceUsed(w.netuid, w.hotkey, w.nonce), false, 0, hash);
        }
        Signer memory signer;
        (reason, signer) = _signer(w.netuid, w.hotkey);
        if (reason.length != 0) return (reason, false, 0, hash);
        reason = _rateLimit(s, w.hotkey, e.rowBlock, signer.registeredAt);
        if (reason.length == 0) reason = _checkRow(s, w.hotkey, signer, w.uids, w.values, w.versionKey);
        return (reason, false, signer.uid, hash);
    }

    function _checkCommit(Subnet memory s, SignedCommit calldata c) private view returns (bytes memory reason, bool replay) {
        if (s.n == 0) return (abi.encodeWithSelector(WeightsSubnetNotFound.selector, c.netuid), false);
        if (!s.commitReveal) return (abi.encodeWithSelector(WeightsCommitRevealDisabled.selector, c.netuid), false);
        reason = _checkSigned(c.hotkey, c.deadlineBlock, WeightsSignature.commitDigest(domainSeparator(), c), c.signature);
        if (reason.length != 0) return (reason, false);
        Entry storage e = _entries[c.netuid][c.hotkey];
        if (c.nonce <= e.nonce) {
            if (c.nonce == e.nonce && c.commitHash == e.commitHash) return ("", true);
            return (_nonceUsed(c.netuid, c.hotkey, c.nonce), false);
        }
        Signer memory signer;
        (reason, signer) = _signer(c.netuid, c.hotkey);
        if (reason.length == 0) reason = _rateLimit(s, c.hotkey, e.commitBlock, signer.registeredAt);
    }

    /// @dev Order: subnet, mode, registration, pending commit (replay), hash, window, then the row.
    function _checkReveal(Subnet memory s, Reveal calldata r)
        private
        view
        returns (bytes memory reason, bool replay, uint16 uid)
    {
        if (s.n == 0) return (abi.encodeWithSelector(WeightsSubnetNotFound.selector, r.netuid), false, 0);
        if (!s.commitReveal) return (abi.encodeWithSelector(WeightsCommitRevealDisabled.selector, r.netuid), false, 0);
        Signer memory signer;
        (reason, signer) = _signer(r.netuid, r.hotkey);
        if (reason.length != 0) return (reason, false, 0);
        (reason, replay) = _checkPending(s, r, signer.registeredAt);
        if (reason.length != 0 || replay) return (reason, replay, 0);
        return (_checkRow(s, r.hotkey, signer, r.uids, r.values, r.versionKey), false, signer.uid);
    }

    /// @dev The pending commit of the revealer's current registration, its hash, its window.
    function _checkPending(Subnet memory s, Reveal calldata r, uint64 registeredAt)
        private
        view
        returns (bytes memory, bool replay)
    {
        Entry storage e = _entries[r.netuid][r.hotkey];
        bytes32 revealed = WeightsSignature.commitHash(r.hotkey, r.netuid, r.uids, r.values, r.versionKey, r.salt);
        uint64 commitBlock = e.commitBlock;
        if (commitBlock == 0 || commitBlock < registeredAt || e.revealed) {
            if (e.revealed && revealed == e.commitHash && commitBlock >= registeredAt) return ("", true);
            return (abi.encodeWithSelector(WeightsNoPendingCommit.selector, r.netuid, r.hotkey), false);
        }
        if (revealed != e.commitHash) {
            return (abi.encodeWithSelector(WeightsRevealMismatch.selector, e.commitHash, revealed), false);
        }
        uint64 due = _epoch(r.netuid, s.tempo, commitBlock) + s.revealPeriod;
        uint64 epoch = _epoch(r.netuid, s.tempo, block.number);
        if (epoch < due) return (abi.encodeWithSelector(WeightsRevealTooEarly.selector, due, epoch), false);
        if (epoch > due) return (abi.encodeWithSelector(WeightsCommitExpired.selector, due, epoch), false);
        return ("", false);
    }

    function _checkSigned(address hotkey, uint64 deadlineBlock, bytes32 digest, bytes calldata signature)
        private
        view
        returns (bytes memory)
    {
        if (block.number > deadlineBlock) {
            return abi.encodeWithSelector(WeightsDeadlinePassed.selector, deadlineBlock, block.number);
        }
        address recovered = TypedData.recover(digest, signature);
        if (recovered != hotkey || hotkey == address(0)) {
            return abi.encodeWithSelector(WeightsInvalidSignature.selector, hotkey, recovered);
        }
        return "";
    }

    /// @dev Permit (unless the owner UID 0 or a self-weight), version key, then the row's shape.
    function _checkRow(
        Subnet memory s,
        address hotkey,
        Signer memory signer,
        bytes calldata uids,
        bytes calldata values,
        uint64 versionKey
    ) private view returns (bytes memory) {
        bool selfWeight = WeightsRow.isSelfWeight(uids, signer.uid);
        if (!signer.permit && signer.uid != 0 && !selfWeight) {
            return abi.encodeWithSelector(WeightsNoValidatorPermit.selector, s.netuid, hotkey, signer.uid);
        }
        if (versionKey < s.versionKey) {
            return abi.encodeWithSelector(WeightsVersionKeyTooLow.selector, s.netuid, versionKey, s.versionKey);
        }
        return WeightsRow.check(uids, values, s.n, s.minAllowedWeights, _maxWeightLimit, selfWeight);
    }

    /// @dev Only a block from the signer's current registration counts (a new UID starts unlimited).
    function _rateLimit(Subnet memory s, address hotkey, uint64 last, uint64 registeredAt)
        private
        view
        returns (bytes memory)
    {
        if (last == 0 || last < registeredAt || s.rateLimit == 0) return "";
        uint256 next = uint256(last) + s.rateLimit;
        if (block.number < next) return abi.encodeWithSelector(WeightsRateLimited.selector, s.netuid, hotkey, last, next);
        return "";
    }

    function _signer(uint16 netuid, address hotkey) private view returns (bytes memory reason, Signer memory signer) {
        // The slim view: one call and a few slots, not uidOf plus a whole NeuronInfo.
        (bool found, uint16 uid, uint64 registeredAt, bool permit) = INeuronRegistry(_neurons).validatorInfo(netuid, hotkey);
        if (!found) return (abi.encodeWithSelector(WeightsNotRegistered.selector, netuid, hotkey), signer);
        signer = Signer(uid, registeredAt, permit);
    }

    function _subnet(uint16 netuid) private view returns (Subnet memory s) {
        s.netuid = netuid;
        s.n = INeuronRegistry(_neurons).subnetN(netuid);
        if (s.n == 0) return s;
        ISubnetRegistry.Hyperparameters memory hp = ISubnetRegistry(_subnets).hyperparameters(netuid);
        (s.minAllowedWeights, s.tempo, s.commitReveal, s.rateLimit, s.versionKey, s.revealPeriod) = (
            hp.minAllowedWeights, hp.tempo, hp.commitRevealEnabled, hp.weightsRateLimit, hp.weightsVersionKey, hp.commitRevealPeriod
        );
    }

    // ------------------------------------------------------------------ effects

    function _applyRow(
        uint16 netuid,
        address hotkey,
        uint16 uid,
        uint64 nonce,
        uint64 versionKey,
        bytes calldata uids,
        bytes calldata values,
        bytes32 hash
    ) private {
        Entry storage e = _entries[netuid][hotkey];
        (e.rowHash, e.rowBlock, e.nonce) = (hash, uint64(block.number), nonce);
        emit WeightsSet(netuid, hotkey, uid, nonce, versionKey, uids, values);
    }

    function _applyCommit(Subnet memory s, SignedCommit calldata c) private {
        Entry storage e = _entries[c.netuid][c.hotkey];
        (e.nonce, e.commitBlock, e.revealed, e.commitHash) = (c.nonce, uint64(block.number), false, c.commitHash);
        emit WeightsCommitted(c.netuid, c.hotkey, c.nonce, c.commitHash, _epoch(c.netuid, s.tempo, block.number) + s.revealPeriod);
    }

    function _applyReveal(Reveal calldata r, uint16 uid) private {
        Entry storage e = _entries[r.netuid][r.hotkey];
        (e.rowHash, e.rowBlock, e.revealed) = (WeightsRow.rowHash(r.uids, r.values), uint64(block.number), true);
        emit WeightsSet(r.netuid, r.hotkey, uid, e.nonce, r.versionKey, r.uids, r.values);
    }

    // ------------------------------------------------------------------ helpers

    function _epoch(uint16 netuid, uint16 tempo, uint256 blockNumber) private pure returns (uint64) {
        return uint64((blockNumber + netuid + 1) / (uint256(tempo) + 1));
    }

    function _nonceUsed(uint16 netuid, address hotkey, uint64 nonce) private view returns (bytes memory) {
        return abi.encodeWithSelector(WeightsNonceUsed.selector, netuid, hotkey, nonce, _entries[netuid][hotkey].nonce);
    }

    function _revertIf(bytes memory reason) private pure {
        if (reason.length != 0) {
            assembly ("memory-safe") {
                revert(add(reason, 32), mload(reason))
            }
        }
    }
}
