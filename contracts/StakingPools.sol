// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ProtocolWired, ProtocolAddresses} from "./ProtocolWired.sol";
import {ReentrancyGuard} from "./libraries/ReentrancyGuard.sol";
import {PoolMath} from "./libraries/PoolMath.sol";
import {SharePool} from "./libraries/SharePool.sol";
import {PackedPool} from "./libraries/PackedPool.sol";
import {PoolSwap} from "./libraries/PoolSwap.sol";
import {IStakingPools} from "./interfaces/IStakingPools.sol";
import {ITaoToken} from "./interfaces/ITaoToken.sol";
import {INeuronRegistry} from "./interfaces/INeuronRegistry.sol";
import {IEmission} from "./interfaces/IEmission.sol";

/// @title StakingPools
/// @notice One constant-product TAO/alpha pool per subnet; stake is a swap into nominator shares.
/// @dev TAO accounting: this contract's TAO balance == Σ open pools' TAO reserves + `_dissolvedTaoHeld`.
///      Swap fees stay in the reserves (see IStakingPools). Staked alpha per subnet is tracked so a
///      dissolved pool can be split between stakers and its own reserve (spec 4.5).
contract StakingPools is IStakingPools, ProtocolWired, ReentrancyGuard {
    using PackedPool for uint256;

    uint256 private constant _TAKE_DENOMINATOR = 65535;

    uint256 private immutable _minStake;
    uint256 private immutable _feeRate;
    uint16 private immutable _minTake;
    uint16 private immutable _maxTake;
    uint16 private immutable _defaultTake;
    uint256 private immutable _takeRateLimit;
    uint256 private immutable _minReserve;

    /// @dev netuid => packed {tao, alpha, generation, open} (PackedPool): the only slot a swap rewrites.
    mapping(uint16 => uint256) private _poolWords;
    /// @dev netuid => alpha held by stakers of the current generation (Σ hotkey totals).
    mapping(uint16 => uint256) private _stakedAlpha;
    /// @dev keccak(netuid, generation, hotkey) => share pool totals (one slot).
    mapping(bytes32 => SharePool.Totals) private _hotkeyPools;
    /// @dev keccak(netuid, generation, hotkey) => coldkey => shares.
    mapping(bytes32 => mapping(address => uint256)) private _shares;
    /// @dev netuid => generation => what its stakers may claim.
    mapping(uint16 => mapping(uint32 => Dissolution)) private _dissolutions;
    /// @dev TAO set aside for dissolved generations and not yet claimed.
    uint256 private _dissolvedTaoHeld;

    struct TakeState {
        uint16 take;
        bool set;
        uint64 lastChange;
    }

    mapping(address => TakeState) private _takes;

    constructor(ProtocolAddresses memory protocol, StakingPoolsParams memory p) ProtocolWired(protocol) {
        if (p.minTake > p.maxTake || p.defaultTake < p.minTake || p.defaultTake > p.maxTake || p.feeRate >= 65535) {
            revert PoolTakeOutOfBounds(p.defaultTake, p.minTake, p.maxTake);
        }
        _minStake = p.minStake;
        _feeRate = p.feeRate;
        _minTake = p.minTake;
        _maxTake = p.maxTake;
        _defaultTake = p.defaultTake;
        _takeRateLimit = p.takeRateLimit;
        _minReserve = p.minReserve;
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
        _poolWords[netuid] = PackedPool.pack(taoLocked, taoLocked, gen);
        emit PoolCreated(netuid, ownerColdkey, ownerHotkey, taoLocked, taoLocked, gen);
        IEmission(_emission).poolCreated(netuid, taoLocked);
    }

    /// @inheritdoc IStakingPools
    function dissolvePool(uint16 netuid) external onlyFrom(_subnets) nonReentrant {
        uint256 word = _openPool(netuid);
        uint256 staked = _stakedAlpha[netuid];
        uint256 pot = word.tao();
        uint256 stakersPot = staked == 0 ? 0 : (pot * staked) / (staked + word.alpha());
        uint256 recycled = pot - stakersPot;
        uint32 gen = word.generation();
        _dissolutions[netuid][gen] = Dissolution(uint128(stakersPot), uint128(staked));
        _dissolvedTaoHeld += stakersPot;
        _poolWords[netuid] = PackedPool.closed(gen + 1);
        _stakedAlpha[netuid] = 0;
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
        uint256 word = _openPool(netuid);
        address owner = INeuronRegistry(_neurons).hotkeyOwner(hotkey);
        if (owner == address(0)) revert PoolUnknownHotkey(hotkey);
        bytes32 key = _key(netuid, word.generation(), hotkey);
        uint256 take = (alpha * takeOf(hotkey)) / _TAKE_DENOMINATOR;
        SharePool.Totals memory t = _hotkeyPools[key];
        if (t.shares == 0) {
            // Nobody to share with: the whole credit is the owner's stake.
            take = alpha;
        } else {
            t.alpha = _toUint128(t.alpha + alpha - take);
            _hotkeyPools[key] = t;
        }
        if (take != 0) _depositCredit(key, owner, take);
        _stakedAlpha[netuid] += alpha;
        emit EmissionCredited(netuid, hotkey, alpha, take);
    }

    /// @inheritdoc IStakingPools
    function creditStake(uint16 netuid, address hotkey, address coldkey, uint256 alpha)
        external
        onlyFrom(_settlement)
        nonReentrant
    {
        uint256 word = _openPool(netuid);
        if (alpha == 0) revert PoolZeroAmount();
        _depositCredit(_key(netuid, word.generation(), hotkey), coldkey, alpha);
        _stakedAlpha[netuid] += alpha;
        emit StakeCredited(netuid, hotkey, coldkey, alpha);
    }

    // ================================================================== users

    /// @inheritdoc IStakingPools
    function stake(uint16 netuid, address hotkey, uint256 taoAmount, uint256 limitPrice, uint256 deadline)
        external
        nonReentrant
        returns (uint256 alphaOut)
    {
        _checkDeadline(deadline);
        uint256 word = _openPool(netuid);
        bytes32 key = _key(netuid, word.generation(), hotkey);
        uint256 fee;
        (word, alphaOut, fee) = _buy(word, taoAmount, _feeRate, limitPrice);
        if (taoAmount - fee < _minStake) revert PoolStakeBelowMinimum(taoAmount - fee, _minStake);
        _poolWords[netuid] = word;
        _deposit(key, msg.sender, alphaOut, netuid, hotkey);
        _stakedAlpha[netuid] += alphaOut;
        emit Staked(netuid, msg.sender, hotkey, taoAmount, alphaOut, fee);
        // Interaction last (CEI); the token is a trusted protocol contract.
        ITaoToken(_tao).protocolTransferFrom(msg.sender, address(this), taoAmount);
    }

    /// @inheritdoc IStakingPools
    function unstake(uint16 netuid, address hotkey, uint256 alphaAmount, uint256 limitPrice, uint256 deadline)
        external
        nonReentrant
        returns (uint256 taoOut)
    {
        _checkDeadline(deadline);
        uint256 word = _openPool(netuid);
        bool all = _withdraw(_key(netuid, word.generation(), hotkey), msg.sender, alphaAmount, netuid, hotkey);
        uint256 fee;
        (word, taoOut, fee) = _sell(word, alphaAmount, _feeRate, limitPrice);
        if (taoOut < _minStake && !all) revert PoolStakeBelowMinimum(taoOut, _minStake);
        _poolWords[netuid] = word;
        _stakedAlpha[netuid] -= alphaAmount;
        emit Unstaked(netuid, msg.sender, hotkey, alphaAmount, taoOut, fee);
        ITaoToken(_tao).transfer(msg.sender, taoOut);
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
    ) external nonReentrant returns (uint256) {
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
    ) external nonReentrant returns (uint256) {
        _checkDeadline(deadline);
        if (destinationColdkey == address(0)) revert PoolZeroAddress();
        return _move(Move(msg.sender, destinationColdkey, hotkey, hotkey, originNetuid, destinationNetuid, alphaAmount, limitPrice));
    }

    /// @inheritdoc IStakingPools
    function setTake(address hotkey, uint16 take) external {
        if (INeuronRegistry(_neurons).hotkeyOwner(hotkey) != msg.sender) revert PoolNotHotkeyOwner(hotkey, msg.sender);
        if (take < _minTake || take > _maxTake) revert PoolTakeOutOfBounds(take, _minTake, _maxTake);
        TakeState memory s = _takes[hotkey];
        uint16 current = s.set ? s.take : _defaultTake;
        if (take == current) revert PoolTakeUnchanged(take);
        if (take > current && s.lastChange != 0 && block.number < s.lastChange + _takeRateLimit) {
            revert PoolTakeRateLimited(hotkey, s.lastChange + _takeRateLimit);
        }
        _takes[hotkey] = TakeState(take, true, uint64(block.number));
        emit TakeSet(hotkey, msg.sender, take);
    }

    /// @inheritdoc IStakingPools
    function claimDissolved(uint16 netuid, uint32 generation, address hotkey) external nonReentrant returns (uint256 tao) {
        Dissolution memory d = _dissolutions[netuid][generation];
        bytes32 key = _key(netuid, generation, hotkey);
        uint256 shares = _shares[key][msg.sender];
        if (d.stakedAlpha == 0 || shares == 0) revert PoolNothingToClaim(netuid, generation, hotkey, msg.sender);
        SharePool.Totals memory t = _hotkeyPools[key];
        uint256 value = SharePool.valueDown(t, shares);
        tao = (value * d.stakersPot) / d.stakedAlpha;
        t.alpha -= uint128(value);
        t.shares -= uint128(shares);
        _hotkeyPools[key] = t;
        _shares[key][msg.sender] = 0;
        _dissolvedTaoHeld -= tao;
        emit DissolvedStakeClaimed(netuid, msg.sender, hotkey, generation, tao);
        if (tao != 0) ITaoToken(_tao).transfer(msg.sender, tao);
    }

    // ================================================================== views

    /// @inheritdoc IStakingPools
    function spotPrice(uint16 netuid) external view returns (uint256) {
        uint256 word = _poolWords[netuid];
        return PoolMath.priceDown(word.tao(), word.alpha());
    }

    /// @inheritdoc IStakingPools
    function reserves(uint16 netuid) external view returns (uint256 taoIn, uint256 alphaIn) {
        uint256 word = _poolWords[netuid];
        return (word.tao(), word.alpha());
    }

    /// @inheritdoc IStakingPools
    function reservesBatch(uint16[] calldata netuids)
        external
        view
        returns (uint256[] memory taoIn, uint256[] memory alphaIn)
    {
        taoIn = new uint256[](netuids.length);
        alphaIn = new uint256[](netuids.length);
        for (uint256 i; i < netuids.length; ++i) {
            uint256 word = _poolWords[netuids[i]];
            (taoIn[i], alphaIn[i]) = (word.tao(), word.alpha());
        }
    }

    /// @inheritdoc IStakingPools
    function hotkeyAlpha(uint16 netuid, address hotkey) external view returns (uint256) {
        uint256 word = _poolWords[netuid];
        if (!word.isOpen()) return 0;
        return _hotkeyPools[_key(netuid, word.generation(), hotkey)].alpha;
    }

    /// @inheritdoc IStakingPools
    function stakeOf(address coldkey, address hotkey, uint16 netuid) external view returns (uint256) {
        uint256 word = _poolWords[netuid];
        if (!word.isOpen()) return 0;
        bytes32 key = _key(netuid, word.generation(), hotkey);
        return SharePool.valueDown(_hotkeyPools[key], _shares[key][coldkey]);
    }

    /// @inheritdoc IStakingPools
    function sharesOf(address coldkey, address hotkey, uint16 netuid) external view returns (uint256) {
        uint256 word = _poolWords[netuid];
        if (!word.isOpen()) return 0;
        return _shares[_key(netuid, word.generation(), hotkey)][coldkey];
    }

    /// @inheritdoc IStakingPools
    function totalShares(uint16 netuid, address hotkey) external view returns (uint256) {
        uint256 word = _poolWords[netuid];
        if (!word.isOpen()) return 0;
        return _hotkeyPools[_key(netuid, word.generation(), hotkey)].shares;
    }

    /// @inheritdoc IStakingPools
    function poolInfo(uint16 netuid) external view returns (uint256 stakedAlpha, uint32 generation, bool exists) {
        uint256 word = _poolWords[netuid];
        return (_stakedAlpha[netuid], word.generation(), word.isOpen());
    }

    /// @inheritdoc IStakingPools
    function takeOf(address hotkey) public view returns (uint16) {
        TakeState memory s = _takes[hotkey];
        return s.set ? s.take : _defaultTake;
    }

    /// @inheritdoc IStakingPools
    function dissolution(uint16 netuid, uint32 generation) external view returns (Dissolution memory) {
        return _dissolutions[netuid][generation];
    }

    /// @inheritdoc IStakingPools
    function dissolvedTaoHeld() external view returns (uint256) {
        return _dissolvedTaoHeld;
    }

    /// @inheritdoc IStakingPools
    function params() external view returns (StakingPoolsParams memory) {
        return StakingPoolsParams(
            uint64(_minStake), uint16(_feeRate), _minTake, _maxTake, _defaultTake, uint64(_takeRateLimit), uint64(_minReserve)
        );
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
        bytes32 oKey = _key(m.originNetuid, oWord.generation(), m.originHotkey);
        if (m.originNetuid == m.destinationNetuid) {
            // No swap, no fee: a share transfer whose spot value must reach the minimum stake.
            uint256 value = (m.alpha * oWord.tao()) / oWord.alpha();
            if (value < _minStake) revert PoolStakeBelowMinimum(value, _minStake);
            _withdraw(oKey, m.originColdkey, m.alpha, m.originNetuid, m.originHotkey);
            _deposit(_key(m.originNetuid, oWord.generation(), m.destinationHotkey), m.destinationColdkey, m.alpha, m.originNetuid, m.destinationHotkey);
            _emitMoved(m, 0, m.alpha);
            return m.alpha;
        }
        uint256 dWord = _openPool(m.destinationNetuid);
        _withdraw(oKey, m.originColdkey, m.alpha, m.originNetuid, m.originHotkey);
        uint256 taoOut;
        (oWord, taoOut,) = _sell(oWord, m.alpha, _feeRate, 0);
        _poolWords[m.originNetuid] = oWord;
        _stakedAlpha[m.originNetuid] -= m.alpha;
        if (taoOut >= _minStake) {
            // The origin sale paid the move's one fee; the destination buy is fee-free.
            (dWord, alphaIn,) = _buy(dWord, taoOut, 0, type(uint256).max);
            _poolWords[m.destinationNetuid] = dWord;
            bytes32 dKey = _key(m.destinationNetuid, dWord.generation(), m.destinationHotkey);
            _deposit(dKey, m.destinationColdkey, alphaIn, m.destinationNetuid, m.destinationHotkey);
            _stakedAlpha[m.destinationNetuid] += alphaIn;
        }
        // Bound price(origin)/price(destination) after the swaps: (yo * xd) / (xo * yd).
        uint256 ratio = (oWord.tao() * dWord.alpha() * PoolMath.PRICE_SCALE) / (oWord.alpha() * dWord.tao());
        if (ratio < m.limitPrice) revert PoolLimitPriceExceeded(ratio, m.limitPrice);
        _emitMoved(m, taoOut, alphaIn);
        // Below the minimum, the TAO is paid out liquid to the destination coldkey.
        if (alphaIn == 0) ITaoToken(_tao).transfer(m.destinationColdkey, taoOut);
    }

    function _emitMoved(Move memory m, uint256 tao, uint256 alphaIn) private {
        emit StakeMoved(
            m.originColdkey, m.destinationColdkey, m.originHotkey, m.destinationHotkey, m.originNetuid, m.destinationNetuid, m.alpha, tao, alphaIn
        );
    }

    function _buy(uint256 word, uint256 taoIn, uint256 feeRate, uint256 limitPrice)
        private
        view
        returns (uint256, uint256, uint256)
    {
        return PoolSwap.buy(word, taoIn, feeRate, limitPrice, _minReserve);
    }

    function _sell(uint256 word, uint256 alphaIn, uint256 feeRate, uint256 limitPrice)
        private
        view
        returns (uint256, uint256, uint256)
    {
        return PoolSwap.sell(word, alphaIn, feeRate, limitPrice, _minReserve);
    }

    /// @dev Adds `alpha` for `coldkey` to a (hotkey, netuid) share pool; a new hotkey must be known.
    function _deposit(bytes32 key, address coldkey, uint256 alpha, uint16 netuid, address hotkey) private {
        SharePool.Totals memory t = _hotkeyPools[key];
        if (t.shares == 0 && INeuronRegistry(_neurons).hotkeyOwner(hotkey) == address(0)) revert PoolUnknownHotkey(hotkey);
        uint256 minted = SharePool.sharesForDepositDown(t, alpha);
        if (minted == 0) revert PoolZeroShares(netuid, hotkey, alpha);
        _hotkeyPools[key] = SharePool.Totals(_toUint128(t.alpha + alpha), _toUint128(t.shares + minted));
        _shares[key][coldkey] += minted;
    }

    /// @dev Deposit of protocol-credited alpha: if it is too small to mint a share it raises the pool value.
    function _depositCredit(bytes32 key, address coldkey, uint256 alpha) private {
        SharePool.Totals memory t = _hotkeyPools[key];
        uint256 minted = SharePool.sharesForDepositDown(t, alpha);
        _hotkeyPools[key] = SharePool.Totals(_toUint128(t.alpha + alpha), _toUint128(t.shares + minted));
        if (minted != 0) _shares[key][coldkey] += minted;
    }

    /// @dev Removes `alpha` of `coldkey`'s value; returns true when that was all of it.
    function _withdraw(bytes32 key, address coldkey, uint256 alpha, uint16 netuid, address hotkey)
        private
        returns (bool all)
    {
        if (alpha == 0) revert PoolZeroAmount();
        SharePool.Totals memory t = _hotkeyPools[key];
        uint256 held = _shares[key][coldkey];
        uint256 value = SharePool.valueDown(t, held);
        if (alpha > value) revert PoolInsufficientStake(netuid, hotkey, coldkey, value, alpha);
        all = alpha == value;
        uint256 burned = all ? held : SharePool.sharesForWithdrawUp(t, alpha);
        // burned <= held: ceil(alpha * D / V) <= s_c because alpha <= floor(V * s_c / D).
        unchecked {
            _shares[key][coldkey] = held - burned;
            // t.alpha >= value >= alpha and t.shares >= held >= burned.
            _hotkeyPools[key] = SharePool.Totals(t.alpha - uint128(alpha), t.shares - uint128(burned));
        }
    }

    function _inject(uint16 netuid, uint256 taoIn, uint256 alphaIn) private {
        uint256 word = _openPool(netuid);
        _poolWords[netuid] = PackedPool.pack(word.tao() + taoIn, word.alpha() + alphaIn, word.generation());
        emit LiquidityInjected(netuid, taoIn, alphaIn);
    }

    function _openPool(uint16 netuid) private view returns (uint256 word) {
        word = _poolWords[netuid];
        if (!word.isOpen()) revert PoolNotFound(netuid);
    }

    function _checkDeadline(uint256 deadline) private view {
        if (block.timestamp > deadline) revert PoolDeadlineExpired(deadline, block.timestamp);
    }

    function _key(uint16 netuid, uint32 generation, address hotkey) private pure returns (bytes32 k) {
        assembly ("memory-safe") {
            let packed := or(shl(176, and(netuid, 0xffff)), shl(160, and(generation, 0xffffffff)))
            mstore(0x00, or(packed, and(hotkey, 0xffffffffffffffffffffffffffffffffffffffff)))
            k := keccak256(0x00, 0x20)
        }
    }

    function _toUint128(uint256 v) private pure returns (uint128) {
        if (v > type(uint128).max) revert PoolOverflow(v);
        return uint128(v);
    }
}
