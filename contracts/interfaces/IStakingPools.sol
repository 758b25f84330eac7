// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Per-subnet constant-product TAO/alpha pools, stake as swaps, nominator shares, take.
/// @dev Owned by the pools engineer; the functions below are the cross-contract surface.
///      Prices are TAO per alpha scaled by 1e18.
///
///      Pool model (DTAO spec 3.2-3.4 and 7.1 with the section 7 profile): x = alpha reserve,
///      y = TAO reserve, price = y / x. A swap takes `fee = ceil(amountIn * feeRate / 65535)` off
///      its input before the curve (feeRate 33 = 0.05%) and trades netIn = amountIn - fee:
///      output = floor(reserveOut * netIn / (reserveIn + netIn)). The fee never enters the
///      reserves: a TAO fee (stake) is paid to the profile's `feeRecipient`; an alpha fee (unstake,
///      the origin leg of a move) is sold fee-free right after and its TAO paid to the recipient
///      (subtensor's block-author path). Limits (subtensor's): the output reserve must hold at
///      least `minReserve` before the swap, netIn <= 1000 x the input reserve, and the price after
///      the swap must stay within [1e-6, 1e6] TAO per alpha (refused beyond; subtensor fills
///      partially at the band). Every rounding favours the pool: fee up, output down, shares
///      minted down, shares burned up.
///
///      Every stake, unstake, move and transfer first calls `IEmission.accrueCurrent`: emission of
///      the blocks before it is injected at the prices those blocks had, before the swap.
///
///      Limit prices bound the pool price AFTER the swap (subtensor's semantics): a stake reverts
///      when the new price exceeds `limitPrice` (type(uint256).max = no limit); an unstake reverts
///      when the new price is below `limitPrice` (0 = no limit). A move between two subnets bounds
///      the ratio price(origin) / price(destination) after both swaps, 1e18-scaled, from below.
///      Deadlines are unix timestamps (block.timestamp > deadline reverts).
///
///      Stake is keyed by (hotkey, coldkey, netuid) and held as shares of the (hotkey, netuid)
///      pool (spec 3.8): emission credited to a hotkey raises every nominator's value pro rata.
///      Each pool has a generation, bumped when the subnet is dissolved, so a reused netuid
///      starts with empty share pools; holders of a dissolved generation claim their TAO.
interface IStakingPools {
    /// @notice Constructor parameters (profile `contracts/profiles/<profile>/StakingPools.json`).
    struct StakingPoolsParams {
        /// @notice Minimum stake in rao (spec 3.5 DefaultMinStake, 2,000,000 rao).
        uint64 minStake;
        /// @notice Swap fee as a u16 fraction of 65535 (33 = 0.0504%).
        uint16 feeRate;
        /// @notice Validator take bounds and default, u16 fractions (spec 6.1: 0 and 11796).
        uint16 minTake;
        uint16 maxTake;
        uint16 defaultTake;
        /// @notice Blocks that must pass after a take change before the take may increase.
        uint64 takeRateLimit;
        /// @notice Smallest output reserve a swap may start from (base units; subtensor 1,000,000).
        uint64 minReserve;
        /// @notice Receives every swap fee, in TAO (subtensor: the block author; devnet: a protocol address).
        address feeRecipient;
    }

    /// @notice A dissolved pool generation: what its stakers may claim.
    /// @notice One settlement credit (creditBatch), always to the hotkey's owner `coldkey` (read
    ///         from the epoch snapshot; a hotkey's owner never changes once claimed; it is logged,
    ///         not looked up again): `dividend` false stakes `alpha` for it with no take (as
    ///         creditStake); true credits it as the hotkey's emission (as creditEmission).
    struct Credit {
        address hotkey;
        address coldkey;
        uint256 alpha;
        bool dividend;
    }

    struct Dissolution {
        /// @notice TAO set aside for the stakers (rao).
        uint128 stakersPot;
        /// @notice Total staked alpha of the generation when it was dissolved.
        uint128 stakedAlpha;
    }

    // ------------------------------------------------------------------ events

    /// @notice netuid's pool was opened with `taoIn` TAO and `alphaIn` alpha.
    event PoolCreated(uint16 indexed netuid, address indexed ownerColdkey, address indexed ownerHotkey, uint256 taoIn, uint256 alphaIn, uint32 generation);
    /// @notice netuid's pool was dissolved: `stakersPot` TAO set aside for stakers, `recycled` recycled.
    event PoolDissolved(uint16 indexed netuid, uint32 generation, uint256 stakersPot, uint256 recycled, uint256 stakedAlpha);
    /// @notice Emission added liquidity at the spot price.
    event LiquidityInjected(uint16 indexed netuid, uint256 taoIn, uint256 alphaIn);
    /// @notice `coldkey` staked `taoIn` TAO (the TAO fee `fee`, paid to the fee recipient, included)
    ///         and received `alphaOut` alpha on (hotkey, netuid).
    event Staked(uint16 indexed netuid, address indexed coldkey, address indexed hotkey, uint256 taoIn, uint256 alphaOut, uint256 fee);
    /// @notice `coldkey` unstaked `alphaIn` alpha from (hotkey, netuid) and received `taoOut`; the
    ///         alpha fee was sold for `fee` TAO, paid to the fee recipient.
    event Unstaked(uint16 indexed netuid, address indexed coldkey, address indexed hotkey, uint256 alphaIn, uint256 taoOut, uint256 fee);
    /// @notice Stake moved between (hotkey, coldkey, netuid) positions. `taoMoved` is 0 within one subnet;
    ///         `alphaIn` is 0 when the TAO fell below the minimum stake and was paid out liquid.
    event StakeMoved(
        address indexed originColdkey,
        address indexed destinationColdkey,
        address originHotkey,
        address destinationHotkey,
        uint16 originNetuid,
        uint16 destinationNetuid,
        uint256 alphaOut,
        uint256 taoMoved,
        uint256 alphaIn
    );
    /// @notice Emission released `alpha` of netuid's drained pending alpha for settlement to credit.
    event EmissionReleased(uint16 indexed netuid, uint256 alpha);
    /// @notice The settlement contract's credits on netuid, in order, CREDIT_BYTES each:
    ///         hotkey 20 | coldkey 20 | alpha u96 | take u96 | dividend u8. A stake (dividend 0)
    ///         staked `alpha` for (hotkey, coldkey), take 0; a dividend credited `alpha` to the
    ///         hotkey, `take` of it staked for its owner `coldkey`, the rest pro rata. One event
    ///         per batch: ~500 gas a credit in log data instead of ~2,100 for an event each.
    event Credited(uint16 indexed netuid, bytes credits);
    /// @notice `hotkey`'s owner set its take.
    event TakeSet(address indexed hotkey, address indexed coldkey, uint16 take);
    /// @notice `coldkey` claimed `tao` from a dissolved generation of netuid.
    event DissolvedStakeClaimed(uint16 indexed netuid, address indexed coldkey, address indexed hotkey, uint32 generation, uint256 tao);

    // ------------------------------------------------------------------ errors

    /// @notice netuid has no open pool.
    error PoolNotFound(uint16 netuid);
    /// @notice createPool for a netuid whose pool is open.
    error PoolAlreadyExists(uint16 netuid);
    /// @notice A pool must be seeded with a positive amount.
    error PoolZeroSeed(uint16 netuid);
    /// @notice The transaction's deadline has passed.
    error PoolDeadlineExpired(uint256 deadline, uint256 timestamp);
    /// @notice The price after the swap (or the price ratio of a move) is beyond the caller's limit.
    error PoolLimitPriceExceeded(uint256 price, uint256 limitPrice);
    /// @notice The swap would output nothing.
    error PoolZeroOutput(uint256 amountIn);
    /// @notice The output reserve `reserveOut` is below the minimum reserve before the swap.
    error PoolReservesTooLow(uint256 reserveOut, uint256 minReserve);
    /// @notice The swap's net input exceeds 1000 x the input reserve (`maxIn`).
    error PoolInputTooLarge(uint256 netIn, uint256 maxIn);
    /// @notice The price after the swap would leave [minPrice, maxPrice] (1e18-scaled TAO per alpha).
    error PoolPriceOutOfBand(uint256 price, uint256 minPrice, uint256 maxPrice);
    /// @notice Settlement tried to credit `alpha` on netuid, more than the `released` alpha left.
    error PoolCreditExceedsReleased(uint16 netuid, uint256 alpha, uint256 released);
    /// @notice The token refused (returned false on) a transfer of `amount` to `to`.
    error PoolTransferFailed(address to, uint256 amount);
    /// @notice Constructor parameter `name` cannot take `value`.
    error PoolInvalidParam(string name, uint256 value);
    /// @notice A stake, unstake or move is below the minimum stake (in rao of TAO value).
    error PoolStakeBelowMinimum(uint256 taoValue, uint256 minStake);
    /// @notice The hotkey has never been registered (no owner coldkey).
    error PoolUnknownHotkey(address hotkey);
    /// @notice The coldkey's stake on (hotkey, netuid) is smaller than the amount asked for.
    error PoolInsufficientStake(uint16 netuid, address hotkey, address coldkey, uint256 stake, uint256 needed);
    /// @notice A deposit too small to mint a single share.
    error PoolZeroShares(uint16 netuid, address hotkey, uint256 alpha);
    /// @notice An amount of zero.
    error PoolZeroAmount();
    /// @notice A zero destination coldkey.
    error PoolZeroAddress();
    /// @notice A reserve or share total would not fit its packed field.
    error PoolOverflow(uint256 value);
    /// @notice The caller does not own the hotkey.
    error PoolNotHotkeyOwner(address hotkey, address caller);
    /// @notice A take outside [minTake, maxTake].
    error PoolTakeOutOfBounds(uint16 take, uint16 minTake, uint16 maxTake);
    /// @notice A take increase before `nextBlock`, the first block the rate limit allows.
    error PoolTakeRateLimited(address hotkey, uint256 nextBlock);
    /// @notice The take is unchanged.
    error PoolTakeUnchanged(uint16 take);
    /// @notice The generation of netuid was not dissolved (or nothing is left to claim).
    error PoolNothingToClaim(uint16 netuid, uint32 generation, address hotkey, address coldkey);
    /// @notice The array arguments have different lengths.
    error PoolLengthMismatch();

    // ------------------------------------------------------------------ protocol-only (fixed surface)

    /// @notice Opens netuid's pool, seeded by `taoLocked` that SubnetRegistry has already moved
    ///         to this contract. Only SubnetRegistry.
    /// @dev The pool starts at the median spot price of the other open pools (1.0 if none; the
    ///      mean of the two middle prices for an even count), alpha reserve =
    ///      floor(taoLocked / median) as in spec 4.2 step 6; the lock becomes liquidity and is
    ///      never refunded (spec 4.5 step 4 for new subnets).
    function createPool(uint16 netuid, address ownerColdkey, address ownerHotkey, uint256 taoLocked) external;

    /// @notice Dissolves a pruned subnet's pool and pays its holders out. Only SubnetRegistry.
    /// @dev Spec 4.5: the pool TAO is split pro rata between staked alpha and the pool's own alpha
    ///      reserve. The stakers' part is set aside and claimed by each coldkey through
    ///      `claimDissolved` (paying every holder here would be unbounded gas); the reserve's part
    ///      is recycled (lowers TAO issuance). Pending emission of the subnet is discarded.
    function dissolvePool(uint16 netuid) external;

    /// @notice Adds liquidity at the spot price (tao already minted to this contract). Only Emission.
    function inject(uint16 netuid, uint256 taoIn, uint256 alphaIn) external;

    /// @notice Credits epoch emission `alpha` to `hotkey` on `netuid`, raising its nominators'
    ///         value pro rata after the validator take. Only the settlement contract.
    /// @dev take = floor(alpha * take / 65535). As subtensor (spec 7.1): the take is first staked
    ///      as new shares for the hotkey's owner coldkey at the pre-dividend share price, then the
    ///      rest raises the (hotkey, netuid) pool value, so the take shares in the rest too.
    ///      Consumes `alpha` of the subnet's released emission (PoolCreditExceedsReleased).
    ///      Dividends go to the shares held when the credit lands, not at the epoch's snapshot
    ///      (as subtensor); docs/DEVIATIONS.md shows why just-in-time staking does not pay.
    function creditEmission(uint16 netuid, address hotkey, uint256 alpha) external;

    /// @notice Spot price of netuid's alpha in TAO, 1e18-scaled (rounded down).
    function spotPrice(uint16 netuid) external view returns (uint256);

    /// @notice Pool reserves of netuid: TAO in the pool and alpha in the pool.
    function reserves(uint16 netuid) external view returns (uint256 taoIn, uint256 alphaIn);

    /// @notice Total alpha staked to `hotkey` on `netuid` (all its nominators together).
    function hotkeyAlpha(uint16 netuid, address hotkey) external view returns (uint256);

    /// @notice `hotkeyAlpha` of each of `hotkeys` (one call for an epoch snapshot).
    function hotkeyAlphas(uint16 netuid, address[] calldata hotkeys) external view returns (uint256[] memory);

    // ------------------------------------------------------------------ protocol-only (additions)

    /// @notice Adds liquidity to several pools at once. Only Emission.
    function injectBatch(uint16[] calldata netuids, uint256[] calldata taoIn, uint256[] calldata alphaIn) external;

    /// @notice Stakes `alpha` directly for (hotkey, coldkey) on netuid, no take (miner incentive,
    ///         owner cut). Only the settlement contract; consumes released emission.
    function creditStake(uint16 netuid, address hotkey, address coldkey, uint256 alpha) external;

    /// @notice Applies `credits` in order, each exactly as creditStake or creditEmission would,
    ///         in one call: one pool read, one released-emission check and one staked-alpha
    ///         write for the batch (settlement's payout). Only the settlement contract.
    function creditBatch(uint16 netuid, Credit[] calldata credits) external;

    /// @notice Creates the storage of `hotkey`'s share pool on netuid (empty) when it registers,
    ///         so that the settlement crediting it rewrites a slot instead of paying for a new
    ///         one; a no-op when it exists or no pool is open. Only NeuronRegistry.
    function reservePosition(uint16 netuid, address hotkey) external;

    /// @notice Adds `alpha` drained from netuid's pending buckets to what settlement may credit.
    ///         Only Emission (from drainPending).
    function releaseEmission(uint16 netuid, uint256 alpha) external;

    /// @notice Alpha drained for netuid and not yet credited by settlement.
    function releasedEmission(uint16 netuid) external view returns (uint256);

    // ------------------------------------------------------------------ users

    /// @notice Buys alpha with `taoAmount` TAO of the caller and stakes it to `hotkey` on netuid.
    /// @param limitPrice The highest acceptable pool price after the swap (1e18-scaled).
    /// @param deadline Unix timestamp after which the call reverts.
    /// @return alphaOut The alpha staked.
    function stake(uint16 netuid, address hotkey, uint256 taoAmount, uint256 limitPrice, uint256 deadline)
        external
        returns (uint256 alphaOut);

    /// @notice Sells `alphaAmount` of the caller's stake on (hotkey, netuid) for TAO.
    /// @param limitPrice The lowest acceptable pool price after the swap (1e18-scaled).
    /// @return taoOut The TAO paid to the caller.
    function unstake(uint16 netuid, address hotkey, uint256 alphaAmount, uint256 limitPrice, uint256 deadline)
        external
        returns (uint256 taoOut);

    /// @notice Moves the caller's stake between hotkeys and/or subnets (spec 3.5). Same subnet: a
    ///         share transfer, no swap, no fee. Different subnets: sell on the origin (one fee),
    ///         buy on the destination without a fee; if the TAO is below the minimum stake it is
    ///         paid to the caller liquid.
    /// @param limitPrice Lowest acceptable price(origin)/price(destination) after the swaps (1e18).
    /// @return alphaIn The alpha received on the destination.
    function moveStake(
        address originHotkey,
        address destinationHotkey,
        uint16 originNetuid,
        uint16 destinationNetuid,
        uint256 alphaAmount,
        uint256 limitPrice,
        uint256 deadline
    ) external returns (uint256 alphaIn);

    /// @notice Gives stake on (hotkey, originNetuid) to `destinationColdkey` on (hotkey,
    ///         destinationNetuid), with moveStake's rules.
    function transferStake(
        address destinationColdkey,
        address hotkey,
        uint16 originNetuid,
        uint16 destinationNetuid,
        uint256 alphaAmount,
        uint256 limitPrice,
        uint256 deadline
    ) external returns (uint256 alphaIn);

    /// @notice Sets `hotkey`'s validator take (only its owner coldkey). Decreases are allowed at any
    ///         time; increases must stay <= maxTake and are refused while
    ///         block - lastChange <= takeRateLimit (subtensor's rule). Setting the default take on a
    ///         hotkey that never set one succeeds.
    function setTake(address hotkey, uint16 take) external;

    /// @notice Pays the caller's share of a dissolved generation of netuid's (hotkey) pool.
    function claimDissolved(uint16 netuid, uint32 generation, address hotkey) external returns (uint256 tao);

    // ------------------------------------------------------------------ views

    /// @notice Alpha value of `coldkey`'s shares on (hotkey, netuid), rounded down.
    function stakeOf(address coldkey, address hotkey, uint16 netuid) external view returns (uint256);

    /// @notice `coldkey`'s shares on (hotkey, netuid).
    function sharesOf(address coldkey, address hotkey, uint16 netuid) external view returns (uint256);

    /// @notice Total shares of (hotkey, netuid).
    function totalShares(uint16 netuid, address hotkey) external view returns (uint256);

    /// @notice Total alpha staked on netuid (all hotkeys), the generation, and whether the pool is open.
    function poolInfo(uint16 netuid) external view returns (uint256 stakedAlpha, uint32 generation, bool exists);

    /// @notice Reserves of many pools in one call (zeros for missing pools).
    function reservesBatch(uint16[] calldata netuids) external view returns (uint256[] memory taoIn, uint256[] memory alphaIn);

    /// @notice `hotkey`'s take as a u16 fraction (the default take until its owner sets one).
    function takeOf(address hotkey) external view returns (uint16);

    /// @notice The dissolution record of netuid's `generation`.
    function dissolution(uint16 netuid, uint32 generation) external view returns (Dissolution memory);

    /// @notice TAO set aside for stakers of dissolved pools and not yet claimed (rounding dust stays here).
    function dissolvedTaoHeld() external view returns (uint256);

    /// @notice The parameters this contract was deployed with.
    function params() external view returns (StakingPoolsParams memory);
}
