// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Block emission with issuance-driven halving, shared among subnets by price EMA,
///         injected into pools; alpha_out accumulated as pending buckets until each epoch.
/// @dev Owned by the pools engineer; the functions below are the cross-contract surface.
///
///      Per block b (DTAO spec 1.1, 2.2-2.5, 3.6 with the section 7 profile and DESIGN.md):
///        E      = Halving.emissionForIssuance(TAO issuance)
///        share_i = p̄_i / Σ p̄_j               (no emission that block when Σ p̄ = 0; MinerBurned = 0)
///        tao_in_i = share_i · E, minted to the pools contract; alpha_in_i = tao_in_i · x_i / y_i
///                  (launch rule, uncapped: injection at the spot price)
///        alpha_out_i = Halving.emissionForIssuance(alpha issuance_i), split as subtensor does in
///                  32-bit fixed point (EmissionMath.splitAlphaOut): up to 2 base units per
///                  block stay unassigned (minted, counted in issuance, owned by nobody)
///        p̄_i ← α · min(spot_i, 1) + (1 − α) · p̄_i     (after the shares; α = emaAlpha)
///      Accrual is lazy: `accrue` covers every block since the last accrual, at most
///      `maxBlocksPerAccrue` of them per call (the rest is carried to the next call).
///      Every interaction that moves a pool (stake, unstake, move, transfer) or changes the subnet
///      set (registration, pruning) first calls `accrueCurrent`, which brings the accrual up to
///      the current block (or refuses while more than `maxBlocksPerAccrue` blocks are
///      outstanding). So the spot prices an accrual reads are the prices every block of its window
///      really had, nobody can stake between a window and its injection, and blocks are always
///      accrued under the subnet set that existed during them.
///      See Emission.sol for the closed form used over many blocks and its error bound.
interface IEmission {
    /// @notice The alpha waiting for netuid's next epoch settlement.
    struct Pending {
        uint256 ownerCut;
        uint256 serverAlpha;
        uint256 validatorAlpha;
        uint256 blocks;
    }

    /// @notice Constructor parameters (profile `contracts/profiles/<profile>/Emission.json`).
    struct EmissionParams {
        /// @notice EMA factor α per block, 1e18-scaled (spec 3.6 SubnetMovingAlpha: 3e-6 = 3e12).
        uint64 emaAlpha;
        /// @notice Subnet owner cut of alpha_out as a u16 fraction (11796 ≈ 18%).
        uint16 ownerCut;
        /// @notice Most blocks one `accrue` call covers; the rest is carried.
        uint32 maxBlocksPerAccrue;
        /// @notice Most constant-rate chunks (halving segments) one `accrue` call processes.
        uint16 maxChunksPerAccrue;
    }

    /// @notice Per-subnet emission state.
    struct SubnetEmission {
        /// @notice Moving price, 1e18-scaled, <= 1e18.
        uint64 movingPrice;
        /// @notice Alpha issuance (pool seed + alpha_in + alpha_out), drives the alpha halving.
        uint128 alphaIssuance;
        /// @notice True once the pool announced itself (set by poolCreated).
        bool active;
    }

    /// @notice Emission for netuid over blocks (fromBlock, toBlock].
    event EmissionAccrued(
        uint16 indexed netuid,
        uint64 fromBlock,
        uint64 toBlock,
        uint256 taoIn,
        uint256 alphaIn,
        uint256 alphaOut,
        uint256 movingPrice
    );
    /// @notice Accrual covered blocks (fromBlock, toBlock], minting `taoMinted` in total.
    event Accrued(uint64 fromBlock, uint64 toBlock, uint256 taoMinted);
    /// @notice The settlement contract drained netuid's pending buckets.
    event PendingDrained(uint16 indexed netuid, uint256 ownerCut, uint256 serverAlpha, uint256 validatorAlpha, uint256 blocks);
    /// @notice netuid's emission state was opened (pool created) with `alphaIssuance`.
    event SubnetEmissionOpened(uint16 indexed netuid, uint256 alphaIssuance);
    /// @notice netuid's emission state was closed (pool dissolved); its pending alpha is discarded.
    event SubnetEmissionClosed(uint16 indexed netuid, uint256 discardedAlpha);

    /// @notice Constructor parameter `name` cannot take `value`.
    error EmissionInvalidParam(string name, uint256 value);
    /// @notice More than `maxBlocksPerAccrue` blocks are outstanding: call `accrue` (as often as
    ///         needed) until `lastAccrualBlock` is within `maxBlocksPerAccrue` of `blockNumber`.
    error EmissionBacklog(uint256 lastAccrualBlock, uint256 blockNumber, uint256 maxBlocksPerAccrue);
    /// @notice A pending bucket or an issuance would not fit its packed field.
    error EmissionOverflow(uint256 value);

    /// @notice Accrues emission for every block elapsed since the last accrual. Anyone may call;
    ///         SubnetRegistry calls it before the set of subnets changes.
    function accrue() external;

    /// @notice Accrues every block up to the current one; does nothing (a few hundred gas) when
    ///         the current block is already accrued. Anyone may call; StakingPools calls it before
    ///         every pool interaction and SubnetRegistry before every registration.
    /// @dev Reverts with `EmissionBacklog` rather than accrue part of the blocks outstanding.
    function accrueCurrent() external;

    /// @notice Moving (EMA) price of netuid's alpha, 1e18-scaled.
    function movingPrice(uint16 netuid) external view returns (uint256);

    /// @notice netuid's pending buckets (as of the last accrual).
    function pending(uint16 netuid) external view returns (Pending memory);

    /// @notice Returns and zeroes netuid's pending buckets. Only the settlement contract.
    /// @dev The drained total is released to StakingPools (`releaseEmission`): settlement can
    ///      credit no more alpha as stake than it drained.
    function drainPending(uint16 netuid) external returns (Pending memory);

    /// @notice The last block whose emission has been accrued.
    function lastAccrualBlock() external view returns (uint256);

    /// @notice netuid's emission state.
    function subnetEmission(uint16 netuid) external view returns (SubnetEmission memory);

    /// @notice The parameters this contract was deployed with.
    function params() external view returns (EmissionParams memory);

    /// @notice Opens netuid's emission state (EMA 0, alpha issuance = the pool's seed alpha). Only StakingPools.
    function poolCreated(uint16 netuid, uint256 alphaSeed) external;

    /// @notice Closes netuid's emission state and discards its pending alpha. Only StakingPools.
    function poolDissolved(uint16 netuid) external;
}
