// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ProtocolAddresses, ProtocolWired} from "./ProtocolWired.sol";
import {ISubnetRegistry} from "./interfaces/ISubnetRegistry.sol";
import {INeuronRegistry} from "./interfaces/INeuronRegistry.sol";
import {ITaoToken} from "./interfaces/ITaoToken.sol";
import {IStakingPools} from "./interfaces/IStakingPools.sol";
import {IEmission} from "./interfaces/IEmission.sol";
import {ReentrancyGuard} from "./libraries/ReentrancyGuard.sol";
import {Halving} from "./libraries/Halving.sol";
import {LockCost} from "./libraries/LockCost.sol";
import {HyperparameterBounds} from "./libraries/HyperparameterBounds.sol";

/// @title SubnetRegistry
/// @notice Subnet registration by lock (the lock seeds the subnet's pool), owner hyperparameters
///         with bounds, and the subnet limit with pruning of the weakest non-immune subnet.
contract SubnetRegistry is ISubnetRegistry, ProtocolWired, ReentrancyGuard {
    uint256 private immutable _minLockCost;
    uint64 private immutable _lockReductionInterval;
    uint64 private immutable _networkRateLimit;
    uint16 private immutable _subnetLimit;
    uint64 private immutable _networkImmunityPeriod;
    uint16 private immutable _minTempo;
    uint16 private immutable _maxTempo;
    uint16 private immutable _minAllowedUids;

    Hyperparameters private _defaults;
    /// @dev Registered netuids, ascending (16 per slot).
    uint16[] private _netuids;
    mapping(uint16 netuid => SubnetInfo) private _info;
    mapping(uint16 netuid => Hyperparameters) private _hyperparameters;
    uint256 private _lastLock;
    uint64 private _lastLockBlock;

    constructor(ProtocolAddresses memory protocol, SubnetRegistryParams memory p) ProtocolWired(protocol) {
        Hyperparameters memory defaults = p.defaults;
        HyperparameterBounds.check(defaults, p.minTempo, p.maxTempo, p.minAllowedUids);
        if (p.subnetLimit == 0) revert SubnetHyperparameterOutOfBounds("subnetLimit", 0);
        _minLockCost = p.minLockCost;
        _lockReductionInterval = p.lockReductionInterval;
        _networkRateLimit = p.networkRateLimit;
        _subnetLimit = p.subnetLimit;
        _networkImmunityPeriod = p.networkImmunityPeriod;
        _minTempo = p.minTempo;
        _maxTempo = p.maxTempo;
        _minAllowedUids = p.minAllowedUids;
        _defaults = defaults;
    }

    // ------------------------------------------------------------------ registration

    /// @inheritdoc ISubnetRegistry
    function registerSubnet(address ownerHotkey, uint256 maxLockCost, uint256 deadline, bytes calldata hotkeySignature)
        external
        nonReentrant
        returns (uint16 netuid)
    {
        if (ownerHotkey == address(0)) revert SubnetZeroHotkey();
        // Settle every outstanding block under the current subnet set before it changes (refuses a backlog).
        IEmission(_emission).accrueCurrent();

        uint256 lastBlock = _lastLockBlock;
        if (lastBlock != 0 && block.number < lastBlock + _networkRateLimit) {
            revert SubnetRegistrationRateLimited(lastBlock + _networkRateLimit);
        }
        uint256 cost = lockCost();
        if (cost > maxLockCost) revert SubnetLockAboveLimit(cost, maxLockCost);
        uint256 balance = ITaoToken(_tao).balanceOf(msg.sender);
        if (balance < cost) revert SubnetLockNotCovered(balance, cost);

        if (_netuids.length >= _subnetLimit) {
            uint256 price;
            (netuid, price) = _pruneCandidate();
            if (netuid == 0) revert SubnetLimitAllImmune(_subnetLimit);
            _prune(netuid, price);
        } else {
            netuid = _insertLowestFreeNetuid();
        }

        _info[netuid] = SubnetInfo(msg.sender, ownerHotkey, uint64(block.number), cost);
        _hyperparameters[netuid] = _defaults;
        _lastLock = cost;
        _lastLockBlock = uint64(block.number);
        emit SubnetRegistered(netuid, msg.sender, ownerHotkey, cost);

        // Interactions with sibling protocol contracts (trusted, fixed at construction).
        INeuronRegistry(_neurons).openSubnet(netuid, msg.sender, ownerHotkey, deadline, hotkeySignature);
        ITaoToken(_tao).protocolTransferFrom(msg.sender, _pools, cost);
        IStakingPools(_pools).createPool(netuid, msg.sender, ownerHotkey, cost);
    }

    /// @inheritdoc ISubnetRegistry
    function setHyperparameters(uint16 netuid, Hyperparameters calldata hp) external {
        address owner = _info[netuid].ownerColdkey;
        if (owner == address(0)) revert SubnetNotFound(netuid);
        if (owner != msg.sender) revert SubnetNotOwner(netuid, msg.sender);
        HyperparameterBounds.check(hp, _minTempo, _maxTempo, _minAllowedUids);
        uint16 n = INeuronRegistry(_neurons).subnetN(netuid);
        if (hp.maxUids < n) revert SubnetHyperparameterOutOfBounds("maxUids", hp.maxUids);
        _hyperparameters[netuid] = hp;
        emit HyperparametersSet(netuid, hp);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ISubnetRegistry
    function lockCost() public view returns (uint256) {
        uint256 emission = Halving.emissionForIssuance(ITaoToken(_tao).totalSupply());
        return LockCost.current(_lastLock, _lastLockBlock, block.number, _minLockCost, _lockReductionInterval, emission);
    }

    /// @inheritdoc ISubnetRegistry
    function lastLock() external view returns (uint256 amount, uint64 blockNumber) {
        return (_lastLock, _lastLockBlock);
    }

    /// @inheritdoc ISubnetRegistry
    function params() external view returns (SubnetRegistryParams memory p) {
        (p.minLockCost, p.lockReductionInterval, p.networkRateLimit, p.subnetLimit) =
            (_minLockCost, _lockReductionInterval, _networkRateLimit, _subnetLimit);
        (p.networkImmunityPeriod, p.minTempo, p.maxTempo, p.minAllowedUids) =
            (_networkImmunityPeriod, _minTempo, _maxTempo, _minAllowedUids);
        p.defaults = _defaults;
    }

    /// @inheritdoc ISubnetRegistry
    function defaultHyperparameters() external view returns (Hyperparameters memory) {
        return _defaults;
    }

    /// @inheritdoc ISubnetRegistry
    function subnetCount() external view returns (uint256) {
        return _netuids.length;
    }

    /// @inheritdoc ISubnetRegistry
    function subnetExists(uint16 netuid) external view returns (bool) {
        return _info[netuid].ownerColdkey != address(0);
    }

    /// @inheritdoc ISubnetRegistry
    function activeNetuids() external view returns (uint16[] memory) {
        return _netuids;
    }

    /// @inheritdoc ISubnetRegistry
    function subnetOwner(uint16 netuid) external view returns (address coldkey, address hotkey) {
        SubnetInfo storage info = _info[netuid];
        return (info.ownerColdkey, info.ownerHotkey);
    }

    /// @inheritdoc ISubnetRegistry
    function subnetInfo(uint16 netuid) external view returns (SubnetInfo memory) {
        return _info[netuid];
    }

    /// @inheritdoc ISubnetRegistry
    function hyperparameters(uint16 netuid) external view returns (Hyperparameters memory) {
        return _hyperparameters[netuid];
    }

    /// @inheritdoc ISubnetRegistry
    function neuronLimits(uint16 netuid) external view returns (NeuronLimits memory) {
        Hyperparameters storage hp = _hyperparameters[netuid];
        return NeuronLimits(hp.maxUids, hp.immunityPeriod, hp.minBurn, hp.maxBurn, hp.servingRateLimit);
    }

    /// @inheritdoc ISubnetRegistry
    function isImmune(uint16 netuid) public view returns (bool) {
        uint256 registeredAt = _info[netuid].registeredAt;
        return registeredAt != 0 && block.number < registeredAt + _networkImmunityPeriod;
    }

    /// @inheritdoc ISubnetRegistry
    function pruneCandidate() external view returns (uint16 netuid) {
        if (_netuids.length < _subnetLimit) return 0;
        (netuid,) = _pruneCandidate();
    }

    // ------------------------------------------------------------------ internals

    /// @dev Lowest moving price among non-immune subnets; ties go to the earliest registration,
    ///      then the lower netuid (spec 4.5). 0 when every subnet is immune.
    function _pruneCandidate() private view returns (uint16 best, uint256 bestPrice) {
        uint16[] memory netuids = _netuids;
        uint256 bestRegistered = type(uint256).max;
        bestPrice = type(uint256).max;
        for (uint256 i; i < netuids.length; ++i) {
            uint16 n = netuids[i];
            if (isImmune(n)) continue;
            uint256 price = IEmission(_emission).movingPrice(n);
            uint256 registeredAt = _info[n].registeredAt;
            if (price < bestPrice || (price == bestPrice && registeredAt < bestRegistered)) {
                (best, bestPrice, bestRegistered) = (n, price, registeredAt);
            }
        }
    }

    /// @dev Dissolves `netuid`'s pool and neurons; the caller reuses the netuid and overwrites its
    ///      info right after, so the old info stays readable while the pool pays its holders out.
    function _prune(uint16 netuid, uint256 movingPrice) private {
        emit SubnetPruned(netuid, _info[netuid].ownerColdkey, movingPrice);
        IStakingPools(_pools).dissolvePool(netuid);
        INeuronRegistry(_neurons).clearSubnet(netuid);
    }

    /// @dev Inserts the lowest netuid >= 1 not in use into the ascending list and returns it.
    function _insertLowestFreeNetuid() private returns (uint16 netuid) {
        uint256 len = _netuids.length;
        uint256 i;
        netuid = 1;
        while (i < len && _netuids[i] == netuid) {
            ++i;
            ++netuid;
        }
        _netuids.push(netuid);
        // Shift the tail right by one to keep the list ascending (no-op when appending).
        for (uint256 j = len; j > i; --j) {
            _netuids[j] = _netuids[j - 1];
        }
        _netuids[i] = netuid;
    }
}
