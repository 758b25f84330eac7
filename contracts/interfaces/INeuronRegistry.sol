// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Neurons: burned registration, UIDs, immunity, hotkey ownership, axons, epoch records.
/// @dev Owned by the core-contracts engineer; the functions below are the cross-contract surface.
///      Hotkey signature: EIP-712, domain {name: "EVMTensor", version: "1", chainId,
///      verifyingContract: this registry}, primary type
///      `Registration(uint16 netuid,address coldkey,uint256 nonce,uint256 deadline)` where nonce is
///      `registrationNonce(hotkey)` (consumed on use) and deadline a unix time. netuid 0 means
///      "owner hotkey of a new subnet" (ISubnetRegistry.registerSubnet).
///      UID 0 of every subnet is its owner hotkey, registered at subnet creation and never pruned.
interface INeuronRegistry {
    /// @notice Constructor parameters (one profile JSON per network).
    /// @param initialBurn registration burn of a new subnet, rao (clamped to its burn bounds).
    /// @param burnDecayPerBlock f of spec 5.1, 1e18-scaled: burn <- burn * f per block (f = 0.5^(1/halfLife)).
    /// @param burnIncreaseMult bump per registration, 1e18-scaled (1.26e18 on mainnet), >= 1e18.
    struct NeuronRegistryParams {
        uint64 initialBurn;
        uint64 burnDecayPerBlock;
        uint64 burnIncreaseMult;
    }

    /// @notice A served endpoint (spec 5.5). `blockNumber` 0 means never served.
    struct AxonInfo {
        uint128 ip;
        uint16 port;
        uint8 ipType;
        uint8 protocol;
        uint32 version;
        uint64 blockNumber;
    }

    /// @notice One UID's last epoch outcome, written by the settlement contract.
    /// @param emission alpha (base units) the UID earned in its last epoch (drives pruning).
    /// @param incentive, dividends u16 fractions (x / 65535), as subtensor stores them.
    struct EpochRecord {
        uint64 emission;
        uint16 incentive;
        uint16 dividends;
        bool validatorPermit;
    }

    /// @notice Everything known about one UID (views).
    struct NeuronInfo {
        address hotkey;
        address coldkey;
        uint64 registeredAt;
        uint64 lastUpdate;
        uint64 emission;
        uint16 incentive;
        uint16 dividends;
        bool validatorPermit;
        AxonInfo axon;
    }

    /// @notice `hotkey` got `uid` on `netuid` for `burn` rao; `replaced` is the hotkey it evicted (or zero).
    event NeuronRegistered(
        uint16 indexed netuid, uint16 uid, address indexed hotkey, address indexed coldkey, uint256 burn, address replaced
    );
    /// @notice `hotkey` is now owned by `coldkey` (first registration of the hotkey).
    event HotkeyClaimed(address indexed hotkey, address indexed coldkey);
    /// @notice `hotkey` (uid) served its axon on `netuid`.
    event AxonServed(uint16 indexed netuid, uint16 uid, address indexed hotkey, AxonInfo axon);
    /// @notice The settlement contract recorded `count` UIDs from `firstUid` of `netuid`'s epoch at `snapshotBlock`.
    event EpochRecorded(uint16 indexed netuid, uint16 firstUid, uint16 count, uint64 snapshotBlock);
    /// @notice The settlement contract set the last-update block of `count` UIDs of `netuid`.
    event LastUpdateRecorded(uint16 indexed netuid, uint16 count, uint64 blockNumber);
    /// @notice `netuid` got its first neuron, the owner hotkey, at UID 0.
    event SubnetNeuronsOpened(uint16 indexed netuid, address indexed ownerHotkey);
    /// @notice Every neuron of the pruned subnet `netuid` was removed.
    event SubnetNeuronsCleared(uint16 indexed netuid, uint16 count);

    /// @notice `netuid` has no neurons table (not a registered subnet).
    error NeuronRegistrySubnetNotFound(uint16 netuid);
    /// @notice `hotkey` is owned by `owner`, not by the caller.
    error NeuronRegistryHotkeyOwnedByOther(address hotkey, address owner);
    /// @notice `hotkey` already holds a UID on `netuid`.
    error NeuronRegistryAlreadyRegistered(uint16 netuid, address hotkey);
    /// @notice `hotkey` holds no UID on `netuid`.
    error NeuronRegistryNotRegistered(uint16 netuid, address hotkey);
    /// @notice The hotkey signature is missing, malformed or signed by `recovered`, not `hotkey`.
    error NeuronRegistryInvalidSignature(address hotkey, address recovered);
    /// @notice The signed `deadline` (unix time) is before the block time `now`.
    error NeuronRegistryDeadlineExpired(uint256 deadline, uint256 now);
    /// @notice The current `burn` exceeds the caller's limit `maxBurn`.
    error NeuronRegistryBurnAboveLimit(uint256 burn, uint256 maxBurn);
    /// @notice The caller's `balance` does not cover the `burn`.
    error NeuronRegistryBurnNotCovered(uint256 balance, uint256 burn);
    /// @notice `netuid` is full (`maxUids`) and every UID but the owner's is immune.
    error NeuronRegistrySubnetFullOfImmune(uint16 netuid, uint16 maxUids);
    /// @notice `maxUids` of `netuid` is 0: registration is closed.
    error NeuronRegistryRegistrationClosed(uint16 netuid);
    /// @notice Axon port 0.
    error NeuronRegistryAxonInvalidPort(uint16 port);
    /// @notice Axon ip type other than 4 or 6.
    error NeuronRegistryAxonInvalidIpType(uint8 ipType);
    /// @notice Axon ip zero, or not a valid address of its type.
    error NeuronRegistryAxonInvalidIp(uint8 ipType, uint128 ip);
    /// @notice The hotkey served on `netuid` less than the serving rate limit ago; next at `nextBlock`.
    error NeuronRegistryServingRateLimited(uint16 netuid, address hotkey, uint256 nextBlock);
    /// @notice Records past the subnet's UID count.
    error NeuronRegistryUidOutOfRange(uint16 netuid, uint256 uid);
    /// @notice A zero hotkey.
    error NeuronRegistryZeroHotkey();
    /// @notice An epoch record's emission does not fit its 63-bit lane (EpochRecords).
    error NeuronRegistryEmissionTooLarge(uint256 uid, uint64 emission);

    /// @notice Registers `hotkey` on `netuid` for the caller (its coldkey), burning (recycling) the
    ///         current burn from the caller's TAO. Appends a UID until maxUids, then replaces the
    ///         lowest-emission non-immune UID (ties: earlier registration, then lower UID).
    /// @param maxBurn revert if the burn is higher (the burn bumps on each registration).
    /// @param deadline unix time bound of the hotkey signature.
    /// @param hotkeySignature the hotkey's EIP-712 Registration(netuid, caller, nonce, deadline) signature.
    /// @return uid the UID assigned.
    function registerNeuron(uint16 netuid, address hotkey, uint256 maxBurn, uint256 deadline, bytes calldata hotkeySignature)
        external
        returns (uint16 uid);

    /// @notice Serves the caller's (a hotkey's) axon on `netuid`. ipType 4 or 6, port != 0, ip != 0.
    function serveAxon(uint16 netuid, uint128 ip, uint16 port, uint8 ipType, uint8 protocol, uint32 version) external;

    /// @notice Opens `netuid`'s neuron table and registers the owner hotkey at UID 0 (no burn).
    ///         Only SubnetRegistry, which passes through the owner's signature (netuid 0 in the message).
    function openSubnet(uint16 netuid, address ownerColdkey, address ownerHotkey, uint256 deadline, bytes calldata hotkeySignature)
        external;

    /// @notice Stores the last epoch's outcome of UIDs firstUid.. of `netuid`. UIDs registered
    ///         after `snapshotBlock` (replaced since the epoch's snapshot) are skipped. Only settlement.
    function recordEpoch(uint16 netuid, uint64 snapshotBlock, uint16 firstUid, EpochRecord[] calldata records) external;

    /// @notice Sets the last-update (weights) block of `uids` on `netuid`. Only settlement.
    function recordLastUpdate(uint16 netuid, uint16[] calldata uids, uint64 blockNumber) external;

    /// @notice The coldkey that owns `hotkey` (the first to register it), or zero if unknown.
    function hotkeyOwner(address hotkey) external view returns (address coldkey);

    /// @notice True when `hotkey` holds a UID on `netuid`.
    function isRegistered(uint16 netuid, address hotkey) external view returns (bool);

    /// @notice Removes every neuron of a pruned subnet. Only SubnetRegistry.
    function clearSubnet(uint16 netuid) external;

    /// @notice The registry's parameters.
    function params() external view returns (NeuronRegistryParams memory);

    /// @notice The next nonce `hotkey` must sign.
    function registrationNonce(address hotkey) external view returns (uint256);

    /// @notice EIP-712 domain separator of this registry.
    function domainSeparator() external view returns (bytes32);

    /// @notice The burn a registration on `netuid` would pay now (decayed lazily, clamped), rao.
    function burnPrice(uint16 netuid) external view returns (uint256);

    /// @notice The stored burn of `netuid` and the block it was set (decay runs lazily from there).
    function burnState(uint16 netuid) external view returns (uint64 burn, uint64 burnBlock);

    /// @notice What the Weights contract checks of a signer: its UID, registration block and the
    ///         validator permit of the latest recorded epoch (false if it registered after it);
    ///         `found` false if `hotkey` is not registered on `netuid`. One call, a few slots.
    function validatorInfo(uint16 netuid, address hotkey)
        external
        view
        returns (bool found, uint16 uid, uint64 registeredAt, bool validatorPermit);

    /// @notice Number of UIDs on `netuid`.
    function subnetN(uint16 netuid) external view returns (uint16);

    /// @notice The UID of `hotkey` on `netuid`; `found` false if none.
    function uidOf(uint16 netuid, address hotkey) external view returns (bool found, uint16 uid);

    /// @notice The hotkey at `uid` of `netuid` (zero past the count).
    function hotkeyAt(uint16 netuid, uint16 uid) external view returns (address);

    /// @notice True while `uid` of `netuid` is immune (registered less than immunityPeriod ago, or UID 0).
    function isImmune(uint16 netuid, uint16 uid) external view returns (bool);

    /// @notice The UID a registration would replace now (`found` false if the subnet is not full or none is prunable).
    function pruneCandidate(uint16 netuid) external view returns (bool found, uint16 uid);

    /// @notice What an epoch snapshot needs of every UID of `netuid`, in UID order: hotkey, its
    ///         owner, registration block, and validator permit (as `neurons` reports them), reading
    ///         three slots a UID instead of `neurons`' six.
    function epochNeurons(uint16 netuid)
        external
        view
        returns (address[] memory hotkeys, address[] memory coldkeys, uint64[] memory registeredAt, bool[] memory permits);

    /// @notice Neurons `start`..`start+count-1` of `netuid` (truncated to the UID count).
    function neurons(uint16 netuid, uint16 start, uint16 count) external view returns (NeuronInfo[] memory);
}
