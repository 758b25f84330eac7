// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ProtocolAddresses, ProtocolWired} from "./ProtocolWired.sol";
import {INeuronRegistry} from "./interfaces/INeuronRegistry.sol";
import {ISubnetRegistry} from "./interfaces/ISubnetRegistry.sol";
import {ITaoToken} from "./interfaces/ITaoToken.sol";
import {IStakingPools} from "./interfaces/IStakingPools.sol";
import {ReentrancyGuard} from "./libraries/ReentrancyGuard.sol";
import {BurnPrice} from "./libraries/BurnPrice.sol";
import {RegistrationSignature} from "./libraries/RegistrationSignature.sol";
import {EpochRecords} from "./libraries/EpochRecords.sol";

/// @title NeuronRegistry
/// @notice Burned registration, UIDs with immunity and replacement, hotkey ownership, axons and
///         the per-UID epoch records that settlement writes.
/// @dev A pruned subnet is cleared in O(1): every per-UID table is keyed by a subnet *instance*
///      (a fresh id per subnet registration), so a reused netuid starts from empty tables.
///      Per-UID data that goes stale on replacement (stats, axon) is tagged with a block and read
///      as empty when that block predates the UID's registration: a replacement writes one slot.
contract NeuronRegistry is INeuronRegistry, ProtocolWired, ReentrancyGuard {
    using EpochRecords for EpochRecords.Table;

    /// @dev One slot per subnet: instance (32) | count (16) | burn (64) | burnBlock (64).
    struct SubnetState {
        uint32 instance;
        uint16 count;
        uint64 burn;
        uint64 burnBlock;
    }

    /// @dev One slot per UID, all that registration writes: hotkey (160) | registeredAt (32: block
    ///      numbers below 2^32, 1,600 years of 12 s blocks) | lastUpdate (64, recordLastUpdate).
    struct Neuron {
        address hotkey;
        uint32 registeredAt;
        uint64 lastUpdate;
    }

    uint64 private immutable _initialBurn;
    uint64 private immutable _burnDecayPerBlock;
    uint64 private immutable _burnIncreaseMult;
    bytes32 private immutable _cachedDomainSeparator;
    uint256 private immutable _cachedChainId;

    uint32 private _instances;
    mapping(uint16 netuid => SubnetState) private _subnetStates;
    mapping(uint32 instance => mapping(uint16 uid => Neuron)) private _neuronSlots;
    /// @dev The epoch records (EpochRecords: several UIDs per slot, so that settlement writes
    ///      ~n/3 slots, not 2n).
    mapping(uint32 instance => EpochRecords.Table) private _records;
    mapping(uint32 instance => mapping(uint16 uid => AxonInfo)) private _axons;
    mapping(uint32 instance => mapping(address hotkey => uint16 uidPlusOne)) private _uidPlusOne;
    /// @dev One slot per hotkey: owner coldkey (160) | registration nonce (96).
    struct Hotkey {
        address owner;
        uint96 nonce;
    }

    mapping(address hotkey => Hotkey) private _hotkeys;

    constructor(ProtocolAddresses memory protocol, NeuronRegistryParams memory p) ProtocolWired(protocol) {
        _initialBurn = p.initialBurn;
        _burnDecayPerBlock = p.burnDecayPerBlock <= BurnPrice.WAD ? p.burnDecayPerBlock : uint64(BurnPrice.WAD);
        _burnIncreaseMult = p.burnIncreaseMult >= BurnPrice.WAD ? p.burnIncreaseMult : uint64(BurnPrice.WAD);
        _cachedChainId = block.chainid;
        _cachedDomainSeparator = RegistrationSignature.domainSeparator(address(this));
    }

    // ------------------------------------------------------------------ registration

    /// @inheritdoc INeuronRegistry
    function registerNeuron(uint16 netuid, address hotkey, uint256 maxBurn, uint256 deadline, bytes calldata hotkeySignature)
        external
        nonReentrant
        returns (uint16 uid)
    {
        SubnetState memory s = _subnetStates[netuid];
        if (s.instance == 0) revert NeuronRegistrySubnetNotFound(netuid);
        if (_uidPlusOne[s.instance][hotkey] != 0) revert NeuronRegistryAlreadyRegistered(netuid, hotkey);
        _claimHotkey(hotkey, msg.sender, netuid, deadline, hotkeySignature);

        ISubnetRegistry.NeuronLimits memory hp = ISubnetRegistry(_subnets).neuronLimits(netuid);
        uint256 price = BurnPrice.decayedUp(s.burn, block.number - s.burnBlock, _burnDecayPerBlock, hp.minBurn, hp.maxBurn);
        if (price > maxBurn) revert NeuronRegistryBurnAboveLimit(price, maxBurn);
        uint256 balance = ITaoToken(_tao).balanceOf(msg.sender);
        if (balance < price) revert NeuronRegistryBurnNotCovered(balance, price);

        address replaced;
        if (s.count < hp.maxUids) {
            uid = s.count;
            // count < maxUids <= 4096.
            unchecked { s.count = uid + 1; }
        } else {
            bool found;
            (found, uid) = _pruneCandidate(s.instance, s.count, hp.immunityPeriod);
            if (!found) revert NeuronRegistrySubnetFullOfImmune(netuid, hp.maxUids);
            replaced = _neuronSlots[s.instance][uid].hotkey;
            delete _uidPlusOne[s.instance][replaced];
            // An axon served by the evicted hotkey in this very block would look fresh: clear it.
            if (_axons[s.instance][uid].blockNumber >= block.number) delete _axons[s.instance][uid];
            // The evicted hotkey's records must not become the newcomer's (see EpochRecords).
            _records[s.instance].clear(uid);
        }
        _neuronSlots[s.instance][uid] = Neuron(hotkey, uint32(block.number), 0);
        // The registration pays for the storage its settlements will rewrite (gas: see EpochRecords).
        _records[s.instance].reserve(uid);
        // uid < 4096, so uid + 1 fits.
        unchecked { _uidPlusOne[s.instance][hotkey] = uid + 1; }
        s.burn = uint64(BurnPrice.bumpedUp(price, _burnIncreaseMult, hp.minBurn, hp.maxBurn));
        s.burnBlock = uint64(block.number);
        _subnetStates[netuid] = s;
        emit NeuronRegistered(netuid, uid, hotkey, msg.sender, price, replaced);

        IStakingPools(_pools).reservePosition(netuid, hotkey);
        ITaoToken(_tao).recycle(msg.sender, price);
    }

    /// @inheritdoc INeuronRegistry
    function openSubnet(uint16 netuid, address ownerColdkey, address ownerHotkey, uint256 deadline, bytes calldata hotkeySignature)
        external
        onlyFrom(_subnets)
    {
        _claimHotkey(ownerHotkey, ownerColdkey, 0, deadline, hotkeySignature);
        uint32 instance = ++_instances;
        _subnetStates[netuid] = SubnetState(instance, 1, _initialBurn, uint64(block.number));
        _neuronSlots[instance][0] = Neuron(ownerHotkey, uint32(block.number), 0);
        _records[instance].reserve(0);
        _uidPlusOne[instance][ownerHotkey] = 1;
        emit SubnetNeuronsOpened(netuid, ownerHotkey);
        emit NeuronRegistered(netuid, 0, ownerHotkey, ownerColdkey, 0, address(0));
    }

    /// @inheritdoc INeuronRegistry
    function clearSubnet(uint16 netuid) external onlyFrom(_subnets) {
        uint16 count = _subnetStates[netuid].count;
        delete _subnetStates[netuid];
        emit SubnetNeuronsCleared(netuid, count);
    }

    // ------------------------------------------------------------------ axon

    /// @inheritdoc INeuronRegistry
    function serveAxon(uint16 netuid, uint128 ip, uint16 port, uint8 ipType, uint8 protocol, uint32 version) external {
        uint32 instance = _subnetStates[netuid].instance;
        uint16 uidPlusOne = _uidPlusOne[instance][msg.sender];
        if (instance == 0 || uidPlusOne == 0) revert NeuronRegistryNotRegistered(netuid, msg.sender);
        if (port == 0) revert NeuronRegistryAxonInvalidPort(port);
        if (ipType == 4) {
            if (ip == 0 || ip >= type(uint32).max) revert NeuronRegistryAxonInvalidIp(ipType, ip);
        } else if (ipType == 6) {
            if (ip == 0 || ip == type(uint128).max) revert NeuronRegistryAxonInvalidIp(ipType, ip);
        } else {
            revert NeuronRegistryAxonInvalidIpType(ipType);
        }
        // uidPlusOne != 0 checked above.
        uint16 uid;
        unchecked { uid = uidPlusOne - 1; }
        uint256 last = _axons[instance][uid].blockNumber;
        if (last != 0 && last >= _neuronSlots[instance][uid].registeredAt) {
            uint256 next = last + ISubnetRegistry(_subnets).neuronLimits(netuid).servingRateLimit;
            if (block.number < next) revert NeuronRegistryServingRateLimited(netuid, msg.sender, next);
        }
        AxonInfo memory axon = AxonInfo(ip, port, ipType, protocol, version, uint64(block.number));
        _axons[instance][uid] = axon;
        emit AxonServed(netuid, uid, msg.sender, axon);
    }

    // ------------------------------------------------------------------ settlement records

    /// @inheritdoc INeuronRegistry
    function recordEpoch(uint16 netuid, uint64 snapshotBlock, uint16 firstUid, EpochRecord[] calldata records)
        external
        onlyFrom(_settlement)
    {
        SubnetState memory s = _subnetStates[netuid];
        if (s.instance == 0) revert NeuronRegistrySubnetNotFound(netuid);
        uint256 end = uint256(firstUid) + records.length;
        if (end > s.count) revert NeuronRegistryUidOutOfRange(netuid, end - 1);
        // No per-UID registration check here: a UID registered after the snapshot is read as
        // empty because the table's snapshot block predates its registration (EpochRecords).
        _records[s.instance].write(snapshotBlock, firstUid, records);
        emit EpochRecorded(netuid, firstUid, uint16(records.length), snapshotBlock);
    }

    /// @inheritdoc INeuronRegistry
    function recordLastUpdate(uint16 netuid, uint16[] calldata uids, uint64 blockNumber) external onlyFrom(_settlement) {
        SubnetState memory s = _subnetStates[netuid];
        if (s.instance == 0) revert NeuronRegistrySubnetNotFound(netuid);
        for (uint256 i; i < uids.length; ++i) {
            if (uids[i] >= s.count) revert NeuronRegistryUidOutOfRange(netuid, uids[i]);
            _neuronSlots[s.instance][uids[i]].lastUpdate = blockNumber;
        }
        emit LastUpdateRecorded(netuid, uint16(uids.length), blockNumber);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc INeuronRegistry
    function params() external view returns (NeuronRegistryParams memory) {
        return NeuronRegistryParams(_initialBurn, _burnDecayPerBlock, _burnIncreaseMult);
    }

    /// @inheritdoc INeuronRegistry
    function hotkeyOwner(address hotkey) external view returns (address) {
        return _hotkeys[hotkey].owner;
    }

    /// @inheritdoc INeuronRegistry
    function registrationNonce(address hotkey) external view returns (uint256) {
        return _hotkeys[hotkey].nonce;
    }

    /// @inheritdoc INeuronRegistry
    function domainSeparator() public view returns (bytes32) {
        if (block.chainid == _cachedChainId) return _cachedDomainSeparator;
        return RegistrationSignature.domainSeparator(address(this));
    }

    /// @inheritdoc INeuronRegistry
    function isRegistered(uint16 netuid, address hotkey) external view returns (bool) {
        uint32 instance = _subnetStates[netuid].instance;
        return instance != 0 && _uidPlusOne[instance][hotkey] != 0;
    }

    /// @inheritdoc INeuronRegistry
    function uidOf(uint16 netuid, address hotkey) external view returns (bool found, uint16 uid) {
        uint32 instance = _subnetStates[netuid].instance;
        uint16 plusOne = instance == 0 ? 0 : _uidPlusOne[instance][hotkey];
        if (plusOne != 0) return (true, plusOne - 1);
    }

    /// @inheritdoc INeuronRegistry
    function validatorInfo(uint16 netuid, address hotkey)
        external
        view
        returns (bool found, uint16 uid, uint64 registeredAt, bool validatorPermit)
    {
        uint32 instance = _subnetStates[netuid].instance;
        uint16 plusOne = instance == 0 ? 0 : _uidPlusOne[instance][hotkey];
        if (plusOne == 0) return (false, 0, 0, false);
        // plusOne != 0 checked above.
        unchecked { uid = plusOne - 1; }
        registeredAt = _neuronSlots[instance][uid].registeredAt;
        EpochRecords.Table storage table = _records[instance];
        validatorPermit = table.snapshotBlock >= registeredAt && table.permit(uid);
        found = true;
    }

    /// @inheritdoc INeuronRegistry
    function subnetN(uint16 netuid) external view returns (uint16) {
        return _subnetStates[netuid].count;
    }

    /// @inheritdoc INeuronRegistry
    function hotkeyAt(uint16 netuid, uint16 uid) external view returns (address) {
        SubnetState memory s = _subnetStates[netuid];
        return uid < s.count ? _neuronSlots[s.instance][uid].hotkey : address(0);
    }

    /// @inheritdoc INeuronRegistry
    function burnPrice(uint16 netuid) external view returns (uint256) {
        SubnetState memory s = _subnetStates[netuid];
        if (s.instance == 0) revert NeuronRegistrySubnetNotFound(netuid);
        ISubnetRegistry.NeuronLimits memory hp = ISubnetRegistry(_subnets).neuronLimits(netuid);
        return BurnPrice.decayedUp(s.burn, block.number - s.burnBlock, _burnDecayPerBlock, hp.minBurn, hp.maxBurn);
    }

    /// @inheritdoc INeuronRegistry
    function burnState(uint16 netuid) external view returns (uint64 burn, uint64 burnBlock) {
        SubnetState memory s = _subnetStates[netuid];
        return (s.burn, s.burnBlock);
    }

    /// @inheritdoc INeuronRegistry
    function isImmune(uint16 netuid, uint16 uid) external view returns (bool) {
        SubnetState memory s = _subnetStates[netuid];
        if (uid >= s.count) return false;
        if (uid == 0) return true;
        uint256 period = ISubnetRegistry(_subnets).neuronLimits(netuid).immunityPeriod;
        return block.number - _neuronSlots[s.instance][uid].registeredAt < period;
    }

    /// @inheritdoc INeuronRegistry
    function pruneCandidate(uint16 netuid) external view returns (bool found, uint16 uid) {
        SubnetState memory s = _subnetStates[netuid];
        if (s.instance == 0) return (false, 0);
        ISubnetRegistry.NeuronLimits memory hp = ISubnetRegistry(_subnets).neuronLimits(netuid);
        if (s.count < hp.maxUids) return (false, 0);
        return _pruneCandidate(s.instance, s.count, hp.immunityPeriod);
    }

    /// @inheritdoc INeuronRegistry
    function epochNeurons(uint16 netuid)
        external
        view
        returns (address[] memory hotkeys, address[] memory coldkeys, uint64[] memory registeredAt, bool[] memory permits)
    {
        SubnetState memory s = _subnetStates[netuid];
        (hotkeys, coldkeys) = (new address[](s.count), new address[](s.count));
        (registeredAt, permits) = (new uint64[](s.count), new bool[](s.count));
        EpochRecords.Table storage table = _records[s.instance];
        uint64 recordedAt = table.snapshotBlock;
        for (uint256 i; i < s.count; ++i) {
            Neuron memory n = _neuronSlots[s.instance][uint16(i)];
            (hotkeys[i], coldkeys[i], registeredAt[i]) = (n.hotkey, _hotkeys[n.hotkey].owner, n.registeredAt);
            permits[i] = recordedAt >= n.registeredAt && table.permit(i);
        }
    }

    /// @inheritdoc INeuronRegistry
    function neurons(uint16 netuid, uint16 start, uint16 count) external view returns (NeuronInfo[] memory infos) {
        SubnetState memory s = _subnetStates[netuid];
        uint256 end = uint256(start) + count;
        if (end > s.count) end = s.count;
        infos = new NeuronInfo[](end > start ? end - start : 0);
        for (uint256 i; i < infos.length; ++i) {
            infos[i] = _neuronInfo(s.instance, uint16(start + i));
        }
    }

    // ------------------------------------------------------------------ internals

    /// @dev Checks the caller owns (or may claim) `hotkey` and the hotkey signed the registration;
    ///      consumes the nonce and records the owner on first use.
    function _claimHotkey(address hotkey, address coldkey, uint16 netuid, uint256 deadline, bytes calldata signature)
        private
    {
        if (hotkey == address(0)) revert NeuronRegistryZeroHotkey();
        Hotkey memory h = _hotkeys[hotkey];
        if (h.owner != address(0) && h.owner != coldkey) revert NeuronRegistryHotkeyOwnedByOther(hotkey, h.owner);
        if (deadline < block.timestamp) revert NeuronRegistryDeadlineExpired(deadline, block.timestamp);
        bytes32 hash = RegistrationSignature.digest(domainSeparator(), netuid, coldkey, h.nonce, deadline);
        address recovered = RegistrationSignature.recover(hash, signature);
        if (recovered != hotkey) revert NeuronRegistryInvalidSignature(hotkey, recovered);
        if (h.owner == address(0)) emit HotkeyClaimed(hotkey, coldkey);
        // One nonce per registration (each costs a burn or a lock): 2^96 is out of reach.
        unchecked { _hotkeys[hotkey] = Hotkey(coldkey, h.nonce + 1); }
    }

    /// @dev Lowest emission among non-immune UIDs; ties go to the earlier registration, then the
    ///      lower UID (spec 5.3). UID 0 (the owner hotkey) is never a candidate. One SLOAD per UID.
    function _pruneCandidate(uint32 instance, uint16 count, uint256 immunityPeriod)
        private
        view
        returns (bool found, uint16 uid)
    {
        uint256 bestEmission = type(uint256).max;
        uint256 bestRegistered = type(uint256).max;
        EpochRecords.Table storage table = _records[instance];
        uint64 recordedAt = table.snapshotBlock;
        uint256 emissions; // the emission word of UIDs i & ~3, loaded once per four UIDs
        for (uint16 i = 1; i < count; ++i) {
            if (i == 1 || i % EpochRecords.EMISSIONS_PER_WORD == 0) emissions = table.emissionWord(i);
            Neuron memory n = _neuronSlots[instance][i];
            if (block.number - n.registeredAt < immunityPeriod) continue;
            uint256 emission = recordedAt >= n.registeredAt ? EpochRecords.emissionIn(emissions, i) : 0;
            if (emission < bestEmission || (emission == bestEmission && n.registeredAt < bestRegistered)) {
                (found, uid, bestEmission, bestRegistered) = (true, i, emission, n.registeredAt);
            }
        }
    }

    function _neuronInfo(uint32 instance, uint16 uid) private view returns (NeuronInfo memory info) {
        Neuron memory n = _neuronSlots[instance][uid];
        AxonInfo memory axon = _axons[instance][uid];
        info.hotkey = n.hotkey;
        info.coldkey = _hotkeys[n.hotkey].owner;
        info.registeredAt = n.registeredAt;
        info.lastUpdate = n.lastUpdate > n.registeredAt ? n.lastUpdate : n.registeredAt;
        EpochRecords.Table storage table = _records[instance];
        if (table.snapshotBlock >= n.registeredAt) {
            EpochRecord memory r = table.read(uid);
            (info.emission, info.incentive, info.dividends, info.validatorPermit) =
                (r.emission, r.incentive, r.dividends, r.validatorPermit);
        }
        if (axon.blockNumber >= n.registeredAt) info.axon = axon;
    }
}
