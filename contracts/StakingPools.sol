// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ProtocolAddresses} from "./ProtocolWired.sol";
import {StakingPoolsState} from "./StakingPoolsState.sol";
import {StakingPoolsViews} from "./StakingPoolsViews.sol";
import {ReentrancyGuard} from "./libraries/ReentrancyGuard.sol";
import {PoolMath} from "./libraries/PoolMath.sol";
import {SharePool} from "./libraries/SharePool.sol";
import {PackedPool} from "./libraries/PackedPool.sol";
import {PoolSwap} from "./libraries/PoolSwap.sol";
import {PoolDissolution} from "./libraries/PoolDissolution.sol";
import {PoolMedian} from "./libraries/PoolMedian.sol";
import {HotkeyTake} from "./libraries/HotkeyTake.sol";
import {CreditLog} from "./libraries/CreditLog.sol";
import {IStakingPools} from "./interfaces/IStakingPools.sol";
import {ITaoToken} from "./interfaces/ITaoToken.sol";
import {INeuronRegistry} from "./interfaces/INeuronRegistry.sol";
import {IEmission} from "./interfaces/IEmission.sol";
import {ISubnetRegistry} from "./interfaces/ISubnetRegistry.sol";

/// @title StakingPools
/// @notice One constant-product TAO/alpha pool per subnet; stake is a swap into nominator shares.
/// @dev TAO accounting: this contract's TAO balance == Σ open pools' TAO reserves + `_dissolved.taoHeld`.
///      Swap fees leave for the fee recipient (see IStakingPools). Staked alpha per subnet is tracked
///      so a dissolved pool can be split between stakers and its own reserve (spec 4.5).
///      Every pool-moving entry point runs `accrued` before taking the lock: Emission's accrual
///      re-enters through `injectBatch`, and must see the reserves as the blocks before had them.
contract StakingPools is StakingPoolsViews, ReentrancyGuard {
    using PackedPool for uint256;
    using SharePool for SharePool.Pools;
    using PoolDissolution for PoolDissolution.Ledger;
    using HotkeyTake for mapping(address => HotkeyTake.State);

    uint256 private constant _TAKE_DENOMINATOR = 65535;

    constructor(ProtocolAddresses memory protocol, StakingPoolsParams memory p) StakingPoolsState(protocol, p) {}

    /// @dev Brings emission up to this block before the pool moves (outside the lock: see above).
    modifier accrued() {
        IEmission(_emission).accrueCurrent();
        _;
    }

    // ================================================================== protocol entry points

    /// @inheritdoc IStakingPools
    function createPool(uint16 netuid, address ownerColdkey, address ownerHotkey, uint256 taoLocked)
        external
        onlyFrom(_subnets)
        nonReentrant
    {
        uint256 word = _poolWords[netuid];
        if (word.isOpen()) revert PoolAlreadyExists(netuid);
        if (taoLocked == 0) revert PoolZeroSeed(netuid);
        uint32 gen = word.generation();
        // Spec 4.2 step 6: the new pool starts at the median price of the open pools.
        uint256 median = PoolMedian.medianPrice(_poolWords, ISubnetRegistry(_subnets).activeNetuids());
        uint256 alphaSeed = (taoLocked * PoolMath.PRICE_SCALE) / median;
        if (alphaSeed == 0) revert PoolZeroSeed(netuid);
        _poolWords[netuid] = PackedPool.pack(taoLocked, alphaSeed, gen);
        _sharePools.reserve(SharePool.key(netuid, gen, ownerHotkey)); // the owner cut's credits
        emit PoolCreated(netuid, ownerColdkey, ownerHotkey, taoLocked, alphaSeed, gen);
        IEmission(_emission).poolCreated(netuid, alphaSeed);
    }

    /// @inheritdoc IStakingPools
    function dissolvePool(uint16 netuid) external onlyFrom(_subnets) nonReentrant {
        uint256 word = _openPool(netuid);
        uint256 staked = _stakedAlpha[netuid];
        (uint256 stakersPot, uint256 recycled) = _dissolved.record(netuid, word, staked);
        uint32 gen = word.generation();
        _poolWords[netuid] = PackedPool.closed(gen + 1);
        _stakedAlpha[netuid] = 0;
        delete _released[netuid];
        emit PoolDissolved(netuid, gen, stakersPot, recycled, staked);
        if (recycled != 0) ITaoToken(_tao).recycle(address(this), recycled);
        IEmission(_emission).poolDissolved(netuid);
    }

    /// @inheritdoc IStakingPools
    function inject(uint16 netuid, uint256 taoIn, uint256 alphaIn) external onlyFrom(_emission) nonReentrant {
        _inject(netuid, taoIn, alphaIn);
    }

    /// @inheritdoc IStakingPools
    function injectBatch(uint16[] calldata netuids, uint256[] calldata taoIn, uint256[] calldata alphaIn)
        external
        onlyFrom(_emission)
        nonReentrant
    {
        if (netuids.length != taoIn.length || netuids.length != alphaIn.length) revert PoolLengthMismatch();
        for (uint256 i; i < netuids.length; ++i) {
            if (taoIn[i] != 0 || alphaIn[i] != 0) _inject(netuids[i], taoIn[i], alphaIn[i]);
        }
    }

    /// @inheritdoc IStakingPools
    function creditEmission(uint16 netuid, address hotkey, uint256 alpha) external onlyFrom(_settlement) nonReentrant {
        _creditAll(netuid, _one(Credit(hotkey, _ownerOf(hotkey), alpha, true)), false);
    }

    /// @inheritdoc IStakingPools
    function creditStake(uint16 netuid, address hotkey, address coldkey, uint256 alpha)
        external
        onlyFrom(_settlement)
        nonReentrant
    {
        _creditAll(netuid, _one(Credit(hotkey, coldkey, alpha, false)), !_isOwner(hotkey, coldkey));
    }

    /// @inheritdoc IStakingPools
    function creditBatch(uint16 netuid, Credit[] calldata credits) external onlyFrom(_settlement) nonReentrant {
        _creditAll(netuid, credits, false);
    }

    /// @inheritdoc IStakingPools
    function reservePosition(uint16 netuid, address hotkey) external onlyFrom(_neurons) {
        uint256 word = _poolWords[netuid];
        if (word.isOpen()) _sharePools.reserve(SharePool.key(netuid, word.generation(), hotkey));
    }

    /// @inheritdoc IStakingPools
    function releaseEmission(uint16 netuid, uint256 alpha) external onlyFrom(_emission) {
        _released[netuid] += alpha;
        emit EmissionReleased(netuid, alpha);
    }

    // ================================================================== users

    /// @inheritdoc IStakingPools
    function stake(uint16 netuid, address hotkey, uint256 taoAmount, uint256 limitPrice, uint256 deadline)
        external
        accrued
        nonReentrant
        returns (uint256 alphaOut)
    {
        _checkDeadline(deadline);
        uint256 word = _openPool(netuid);
        uint256 fee;
        (word, alphaOut, fee) = PoolSwap.buy(word, taoAmount, _feeRate, limitPrice, _minReserve);
        if (taoAmount - fee < _minStake) revert PoolStakeBelowMinimum(taoAmount - fee, _minStake);
        _poolWords[netuid] = word;
        _deposit(netuid, word.generation(), hotkey, msg.sender, alphaOut);
        _stakedAlpha[netuid] += alphaOut;
        emit Staked(netuid, msg.sender, hotkey, taoAmount, alphaOut, fee);
        // Interactions last (CEI); the token is a trusted protocol contract.
        ITaoToken(_tao).protocolTransferFrom(msg.sender, address(this), taoAmount - fee);
        if (fee != 0) ITaoToken(_tao).protocolTransferFrom(msg.sender, _feeRecipient, fee);
    }

    /// @inheritdoc IStakingPools
    function unstake(uint16 netuid, address hotkey, uint256 alphaAmount, uint256 limitPrice, uint256 deadline)
        external
        accrued
        nonReentrant
        returns (uint256 taoOut)
    {
        _checkDeadline(deadline);
        uint256 word = _openPool(netuid);
        bool all = _withdraw(netuid, word.generation(), hotkey, msg.sender, alphaAmount);
        uint256 fee;
        (word, taoOut, fee) = PoolSwap.sell(word, alphaAmount, _feeRate, limitPrice, _minReserve);
        if (taoOut < _minStake && !all) revert PoolStakeBelowMinimum(taoOut, _minStake);
        _poolWords[netuid] = word;
        _stakedAlpha[netuid] -= alphaAmount;
        emit Unstaked(netuid, msg.sender, hotkey, alphaAmount, taoOut, fee);
        _send(msg.sender, taoOut);
        if (fee != 0) _send(_feeRecipient, fee);
    }

    /// @inheritdoc IStakingPools
    function moveStake(
        address originHotkey,
        address destinationHotkey,
        uint16 originNetuid,
        uint16 destinationNetuid,
        uint256 alphaAmount,
        uint256 limitPrice,
        uint256 deadline
    ) external accrued nonReentrant returns (uint256) {
        _checkDeadline(deadline);
        return _move(
            Move(msg.sender, msg.sender, originHotkey, destinationHotkey, originNetuid, destinationNetuid, alphaAmount, limitPrice)
        );
    }

    /// @inheritdoc IStakingPools
    function transferStake(
        address destinationColdkey,
        address hotkey,
        uint16 originNetuid,
        uint16 destinationNetuid,
        uint256 alphaAmount,
        uint256 limitPrice,
        uint256 deadline
    ) external accrued nonReentrant returns (uint256) {
        _checkDeadline(deadline);
        if (destinationColdkey == address(0)) revert PoolZeroAddress();
        return _move(Move(msg.sender, destinationColdkey, hotkey, hotkey, originNetuid, destinationNetuid, alphaAmount, limitPrice));
    }

    /// @inheritdoc IStakingPools
    function setTake(address hotkey, uint16 take) external {
        if (INeuronRegistry(_neurons).hotkeyOwner(hotkey) != msg.sender) revert PoolNotHotkeyOwner(hotkey, msg.sender);
        _takes.set(hotkey, take, _minTake, _maxTake, _defaultTake, _takeRateLimit);
        emit TakeSet(hotkey, msg.sender, take);
    }

    /// @inheritdoc IStakingPools
    function claimDissolved(uint16 netuid, uint32 generation, address hotkey) external nonReentrant returns (uint256 tao) {
        tao = _dissolved.claim(_sharePools, netuid, generation, hotkey, msg.sender, _isOwner(hotkey, msg.sender));
        emit DissolvedStakeClaimed(netuid, msg.sender, hotkey, generation, tao);
        if (tao != 0) _send(msg.sender, tao);
    }

    // ================================================================== internals

    struct Move {
        address originColdkey;
        address destinationColdkey;
        address originHotkey;
        address destinationHotkey;
        uint16 originNetuid;
        uint16 destinationNetuid;
        uint256 alpha;
        uint256 limitPrice;
    }

    /// @dev Shared body of moveStake and transferStake (spec 3.5).
    function _move(Move memory m) private returns (uint256 alphaIn) {
        uint256 oWord = _openPool(m.originNetuid);
        uint32 oGen = oWord.generation();
        if (m.originNetuid == m.destinationNetuid) {
            // No swap, no fee: a share transfer whose spot value must reach the minimum stake.
            uint256 value = (m.alpha * oWord.tao()) / oWord.alpha();
            if (value < _minStake) revert PoolStakeBelowMinimum(value, _minStake);
            _withdraw(m.originNetuid, oGen, m.originHotkey, m.originColdkey, m.alpha);
            _deposit(m.originNetuid, oGen, m.destinationHotkey, m.destinationColdkey, m.alpha);
            _emitMoved(m, 0, m.alpha);
            return m.alpha;
        }
        uint256 dWord = _openPool(m.destinationNetuid);
        _withdraw(m.originNetuid, oGen, m.originHotkey, m.originColdkey, m.alpha);
        (uint256 taoOut, uint256 feeTao) = (0, 0);
        (oWord, taoOut, feeTao) = PoolSwap.sell(oWord, m.alpha, _feeRate, 0, _minReserve);
        _poolWords[m.originNetuid] = oWord;
        _stakedAlpha[m.originNetuid] -= m.alpha;
        if (taoOut >= _minStake) {
            // The origin sale paid the move's one fee; the destination buy is fee-free.
            (dWord, alphaIn,) = PoolSwap.buy(dWord, taoOut, 0, type(uint256).max, _minReserve);
            _poolWords[m.destinationNetuid] = dWord;
            _deposit(m.destinationNetuid, dWord.generation(), m.destinationHotkey, m.destinationColdkey, alphaIn);
            _stakedAlpha[m.destinationNetuid] += alphaIn;
        }
        PoolSwap.checkRatio(oWord, dWord, m.limitPrice);
        _emitMoved(m, taoOut, alphaIn);
        // Below the minimum, the TAO is paid out liquid to the destination coldkey.
        if (alphaIn == 0) _send(m.destinationColdkey, taoOut);
        if (feeTao != 0) _send(_feeRecipient, feeTao);
    }

    function _emitMoved(Move memory m, uint256 tao, uint256 alphaIn) private {
        emit StakeMoved(
            m.originColdkey, m.destinationColdkey, m.originHotkey, m.destinationHotkey, m.originNetuid, m.destinationNetuid, m.alpha, tao, alphaIn
        );
    }

    function _inject(uint16 netuid, uint256 taoIn, uint256 alphaIn) private {
        uint256 word = _openPool(netuid);
        _poolWords[netuid] = PackedPool.pack(word.tao() + taoIn, word.alpha() + alphaIn, word.generation());
        emit LiquidityInjected(netuid, taoIn, alphaIn);
    }

    /// @dev The one body of every settlement credit. Per credit only the hotkey's share-pool word
    ///      is written (credits go to the hotkey's owner, whose shares live in it; `nominator`:
    ///      creditStake for another coldkey, whose shares are in the mapping); the pool word, the
    ///      released emission and the staked alpha are read and written once per batch.
    function _creditAll(uint16 netuid, Credit[] memory credits, bool nominator) private {
        uint256 word = _openPool(netuid);
        uint32 gen = word.generation();
        uint256 total;
        bytes memory log_ = CreditLog.allocate(credits.length);
        for (uint256 i; i < credits.length; ++i) {
            Credit memory c = credits[i];
            if (c.alpha > _MAX96) revert PoolOverflow(c.alpha); // the log's width (CreditLog)
            bytes32 key = SharePool.key(netuid, gen, c.hotkey);
            uint256 take;
            if (c.dividend) {
                take = _sharePools.credit(key, c.alpha, (c.alpha * takeOf(c.hotkey)) / _TAKE_DENOMINATOR);
            } else {
                if (c.alpha == 0) revert PoolZeroAmount();
                _sharePools.depositCredit(key, c.coldkey, !nominator, c.alpha);
            }
            CreditLog.write(log_, i, c.hotkey, c.coldkey, c.alpha, take, c.dividend);
            total += c.alpha;
        }
        emit Credited(netuid, log_);
        _consumeReleased(netuid, total);
        _stakedAlpha[netuid] += total;
    }

    function _one(Credit memory c) private pure returns (Credit[] memory credits) {
        credits = new Credit[](1);
        credits[0] = c;
    }

    /// @dev Consumes `alpha` of netuid's released emission (settlement cannot mint from nothing).
    function _consumeReleased(uint16 netuid, uint256 alpha) private {
        uint256 released = _released[netuid];
        if (alpha > released) revert PoolCreditExceedsReleased(netuid, alpha, released);
        // alpha <= released checked above.
        unchecked { _released[netuid] = released - alpha; }
    }

}
