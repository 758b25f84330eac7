// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {INeuronRegistry} from "../interfaces/INeuronRegistry.sol";

/// @notice A subnet instance's latest epoch records, packed several UIDs to a slot.
/// @dev Settlement rewrites every UID's record each epoch; one slot per UID per field would be
///      two cold SSTOREs per UID (~10k gas). Here emissions take 63-bit lanes (4 UIDs a word) and
///      incentive | dividends | permit 36-bit lanes (7 UIDs a word): ~n/4 + n/7 slots per epoch.
///      Bit 255 of every word is a `RESERVED` marker, set by `reserve` at registration and by
///      every write: a word never goes from zero to non-zero in a settlement (22,100 gas each).
///      Validity is one snapshot block per table, not per UID: a UID's lanes are its own only when
///      the table's snapshot block is at or after the UID's registration (a UID registered after
///      the snapshot reads as empty). A replacement clears the UID's lanes, so a later partial
///      record cannot revive the evicted hotkey's values for the newcomer.
library EpochRecords {
    uint256 internal constant EMISSIONS_PER_WORD = 4;
    uint256 internal constant STATS_PER_WORD = 7;
    uint256 private constant _EMISSION_BITS = 63;
    uint256 private constant _MASK63 = (1 << 63) - 1;
    uint256 private constant _RESERVED = 1 << 255;
    uint256 private constant _MASK36 = (1 << 36) - 1;

    struct Table {
        uint64 snapshotBlock;
        mapping(uint256 word => uint256) emissions;
        mapping(uint256 word => uint256) stats;
    }

    /// @notice Records `records` for UIDs from `firstUid` at `snapshotBlock`.
    function write(Table storage t, uint64 snapshotBlock, uint256 firstUid, INeuronRegistry.EpochRecord[] calldata records)
        internal
    {
        t.snapshotBlock = snapshotBlock;
        uint256 n = records.length;
        if (n == 0) return;
        // A word is loaded when first touched and stored when the next one starts: lanes outside
        // [firstUid, firstUid + n) keep their values, and an unchanged word costs a warm no-op.
        uint256 eAt = firstUid / EMISSIONS_PER_WORD;
        uint256 sAt = firstUid / STATS_PER_WORD;
        uint256 eWord = t.emissions[eAt];
        uint256 sWord = t.stats[sAt];
        for (uint256 i; i < n; ++i) {
            uint256 uid = firstUid + i;
            if (uid / EMISSIONS_PER_WORD != eAt) {
                t.emissions[eAt] = eWord | _RESERVED;
                eWord = t.emissions[++eAt];
            }
            if (uid / STATS_PER_WORD != sAt) {
                t.stats[sAt] = sWord | _RESERVED;
                sWord = t.stats[++sAt];
            }
            INeuronRegistry.EpochRecord calldata r = records[i];
            if (r.emission > _MASK63) revert INeuronRegistry.NeuronRegistryEmissionTooLarge(uid, r.emission);
            uint256 eShift = (uid % EMISSIONS_PER_WORD) * _EMISSION_BITS;
            eWord = (eWord & ~(_MASK63 << eShift)) | (uint256(r.emission) << eShift);
            uint256 sShift = (uid % STATS_PER_WORD) * 36;
            sWord = (sWord & ~(_MASK36 << sShift)) | (_stat(r.incentive, r.dividends, r.validatorPermit) << sShift);
        }
        t.emissions[eAt] = eWord | _RESERVED;
        t.stats[sAt] = sWord | _RESERVED;
    }

    /// @notice Creates `uid`'s words (empty lanes, the marker set) when it registers, so that no
    ///         settlement pays for new slots; a no-op for words that exist.
    function reserve(Table storage t, uint256 uid) internal {
        uint256 e = uid / EMISSIONS_PER_WORD;
        if (t.emissions[e] == 0) t.emissions[e] = _RESERVED;
        uint256 s = uid / STATS_PER_WORD;
        if (t.stats[s] == 0) t.stats[s] = _RESERVED;
    }

    /// @notice Empties `uid`'s lanes.
    function clear(Table storage t, uint256 uid) internal {
        uint256 e = uid / EMISSIONS_PER_WORD;
        t.emissions[e] &= ~(_MASK63 << ((uid % EMISSIONS_PER_WORD) * _EMISSION_BITS));
        uint256 s = uid / STATS_PER_WORD;
        t.stats[s] &= ~(_MASK36 << ((uid % STATS_PER_WORD) * 36));
    }

    /// @notice `uid`'s lanes (the caller checks validity against the UID's registration).
    function read(Table storage t, uint256 uid) internal view returns (INeuronRegistry.EpochRecord memory r) {
        r.emission = uint64(emissionIn(emissionWord(t, uid), uid));
        uint256 st = (t.stats[uid / STATS_PER_WORD] >> ((uid % STATS_PER_WORD) * 36)) & _MASK36;
        r.incentive = uint16(st);
        r.dividends = uint16(st >> 16);
        r.validatorPermit = (st >> 32) & 1 == 1;
    }

    /// @notice `uid`'s validator permit lane.
    function permit(Table storage t, uint256 uid) internal view returns (bool) {
        return (t.stats[uid / STATS_PER_WORD] >> ((uid % STATS_PER_WORD) * 36 + 32)) & 1 == 1;
    }

    /// @notice The emission word that holds `uid`'s lane.
    function emissionWord(Table storage t, uint256 uid) internal view returns (uint256) {
        return t.emissions[uid / EMISSIONS_PER_WORD];
    }

    /// @notice `uid`'s emission in its emission word.
    function emissionIn(uint256 word, uint256 uid) internal pure returns (uint256) {
        return (word >> ((uid % EMISSIONS_PER_WORD) * _EMISSION_BITS)) & _MASK63;
    }

    function _stat(uint16 incentive, uint16 dividends, bool permit) private pure returns (uint256) {
        return uint256(incentive) | (uint256(dividends) << 16) | (permit ? uint256(1) << 32 : 0);
    }
}
