// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Subnets: registration by lock, owner, hyperparameters with bounds, limit and pruning.
/// @dev Owned by the core-contracts engineer; the functions below are the cross-contract surface.
///      Registering a subnet also registers its owner hotkey as UID 0 on it (as subtensor does,
///      spec 4.2 step 5), through NeuronRegistry, without a burn: UID 0 of a subnet is its owner
///      hotkey and is never pruned (spec 5.3 "immortal" owner hotkey). The owner hotkey must sign
///      the same EIP-712 `Registration` message as a neuron registration, with netuid 0 (the
///      root netuid, never a neuron subnet, so that one signature means "owner of a new subnet").
interface ISubnetRegistry {
    /// @notice Owner-settable parameters of one subnet (subtensor's names, chain units).
    struct Hyperparameters {
        uint16 tempo;
        uint16 maxUids;
        uint16 maxValidators;
        uint64 immunityPeriod;
        uint16 minAllowedWeights;
        uint64 weightsRateLimit;
        uint64 activityCutoff;
        uint16 kappa;
        uint64 bondsMovingAverage;
        uint16 bondsPenalty;
        bool yuma3;
        bool liquidAlphaEnabled;
        uint16 alphaLow;
        uint16 alphaHigh;
        bool commitRevealEnabled;
        uint64 commitRevealPeriod;
        uint64 minBurn;
        uint64 maxBurn;
        uint64 weightsVersionKey;
        uint64 servingRateLimit;
    }

    /// @notice Constructor parameters (one profile JSON per network; the deploy script maps JSON
    ///         keys to fields). `defaults` are the hyperparameters of every new subnet (checked
    ///         against the bounds).
    /// @param minLockCost floor of the lock cost, rao (NetworkMinLockCost).
    /// @param lockReductionInterval blocks over which the doubled lock decays back to the last lock,
    ///        at 1 TAO/block emission; scaled by the current emission (spec 4.1).
    /// @param networkRateLimit minimum blocks between two subnet registrations, network-wide.
    /// @param subnetLimit maximum number of subnets; a registration past it prunes one (spec 4.5).
    /// @param networkImmunityPeriod blocks during which a new subnet cannot be pruned.
    /// @param minTempo lowest tempo an owner may set; maxTempo the highest.
    /// @param minAllowedUids lowest maxUids an owner may set.
    struct SubnetRegistryParams {
        uint256 minLockCost;
        uint64 lockReductionInterval;
        uint64 networkRateLimit;
        uint16 subnetLimit;
        uint64 networkImmunityPeriod;
        uint16 minTempo;
        uint16 maxTempo;
        uint16 minAllowedUids;
        Hyperparameters defaults;
    }

    /// @notice The hyperparameters NeuronRegistry reads on every registration and serve (two slots).
    struct NeuronLimits {
        uint16 maxUids;
        uint64 immunityPeriod;
        uint64 minBurn;
        uint64 maxBurn;
        uint64 servingRateLimit;
    }

    /// @notice What the registry keeps per subnet.
    struct SubnetInfo {
        address ownerColdkey;
        address ownerHotkey;
        uint64 registeredAt;
        uint256 lockPaid;
    }

    /// @notice Subnet `netuid` was registered by `ownerColdkey`, locking `lockPaid` rao.
    event SubnetRegistered(uint16 indexed netuid, address indexed ownerColdkey, address indexed ownerHotkey, uint256 lockPaid);
    /// @notice Subnet `netuid` was pruned (its pool dissolved, its neurons cleared) to make room.
    event SubnetPruned(uint16 indexed netuid, address indexed ownerColdkey, uint256 movingPrice);
    /// @notice The owner of `netuid` set its hyperparameters to `hyperparameters`.
    event HyperparametersSet(uint16 indexed netuid, Hyperparameters hyperparameters);

    /// @notice `netuid` is not a registered subnet.
    error SubnetNotFound(uint16 netuid);
    /// @notice `caller` is not the owner coldkey of `netuid`.
    error SubnetNotOwner(uint16 netuid, address caller);
    /// @notice Hyperparameter `name` cannot take `value` (out of its bounds or inconsistent).
    error SubnetHyperparameterOutOfBounds(string name, uint256 value);
    /// @notice The current lock `cost` exceeds the caller's limit `maxLockCost`.
    error SubnetLockAboveLimit(uint256 cost, uint256 maxLockCost);
    /// @notice The caller's `balance` does not cover the lock `cost`.
    error SubnetLockNotCovered(uint256 balance, uint256 cost);
    /// @notice Registration is rate limited network-wide until block `nextBlock`.
    error SubnetRegistrationRateLimited(uint256 nextBlock);
    /// @notice The subnet limit `limit` is reached and every subnet is still immune.
    error SubnetLimitAllImmune(uint16 limit);
    /// @notice The owner hotkey is the zero address.
    error SubnetZeroHotkey();

    /// @notice Registers a new subnet owned by the caller (coldkey), locking the current lock cost
    ///         from the caller's TAO into the new pool. Prunes the weakest non-immune subnet when the
    ///         limit is reached and reuses its netuid; otherwise takes the lowest unused netuid >= 1.
    /// @param ownerHotkey registered as UID 0 of the new subnet (owned by the caller afterwards).
    /// @param maxLockCost revert if the lock cost is higher (the cost doubles on each registration).
    /// @param deadline unix time after which the hotkey's signature is void.
    /// @param hotkeySignature the owner hotkey's EIP-712 `Registration(netuid=0, coldkey=caller,
    ///        nonce, deadline)` signature (see INeuronRegistry).
    function registerSubnet(address ownerHotkey, uint256 maxLockCost, uint256 deadline, bytes calldata hotkeySignature)
        external
        returns (uint16 netuid);

    /// @notice Replaces every hyperparameter of `netuid`. Only its owner coldkey; bounds checked.
    function setHyperparameters(uint16 netuid, Hyperparameters calldata hyperparameters) external;

    /// @notice The subset of `hyperparameters(netuid)` neuron registration and serving need.
    function neuronLimits(uint16 netuid) external view returns (NeuronLimits memory);

    /// @notice The lock cost a registration would pay now, rao (spec 4.1).
    function lockCost() external view returns (uint256);

    /// @notice Lock paid by the last registration, and its block.
    function lastLock() external view returns (uint256 amount, uint64 blockNumber);

    /// @notice The number of registered subnets.
    function subnetCount() external view returns (uint256);

    /// @notice The registry's parameters (limits, lock cost, bounds).
    function params() external view returns (SubnetRegistryParams memory);

    /// @notice The hyperparameters every new subnet starts with.
    function defaultHyperparameters() external view returns (Hyperparameters memory);

    /// @notice Owner, registration block and lock of `netuid` (zeros when unknown).
    function subnetInfo(uint16 netuid) external view returns (SubnetInfo memory);

    /// @notice True while `netuid` cannot be pruned (registered less than the immunity period ago).
    function isImmune(uint16 netuid) external view returns (bool);

    /// @notice The subnet a registration would prune now (0 if the limit is not reached or all are immune).
    function pruneCandidate() external view returns (uint16 netuid);

    function subnetExists(uint16 netuid) external view returns (bool);

    /// @notice Netuids of every registered subnet, ascending.
    function activeNetuids() external view returns (uint16[] memory);

    function subnetOwner(uint16 netuid) external view returns (address coldkey, address hotkey);

    function hyperparameters(uint16 netuid) external view returns (Hyperparameters memory);
}
