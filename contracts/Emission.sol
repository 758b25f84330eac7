// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ProtocolWired, ProtocolAddresses} from "./ProtocolWired.sol";
import {ReentrancyGuard} from "./libraries/ReentrancyGuard.sol";
import {Halving} from "./libraries/Halving.sol";
import {EmissionMath} from "./libraries/EmissionMath.sol";
import {PoolMath} from "./libraries/PoolMath.sol";
import {IEmission} from "./interfaces/IEmission.sol";
import {IStakingPools} from "./interfaces/IStakingPools.sol";
import {ISubnetRegistry} from "./interfaces/ISubnetRegistry.sol";
import {ITaoToken} from "./interfaces/ITaoToken.sol";

/// @title Emission
/// @notice Lazy per-block emission: halving, price-EMA shares, injection at spot, pending alpha.
/// @dev Semantics of one `accrue` over n blocks (n <= maxBlocksPerAccrue; the rest is carried):
///      * Prices: the spot prices read at accrual time stand for every block of the accrual. This is
///        exact because every pool-moving interaction calls `accrueCurrent` first (the reserves
///        read are those every block of the window had; injection at the spot price leaves the
///        price unchanged up to the rounding of alpha_in). Blocks are accrued before the subnet
///        set changes (SubnetRegistry calls `accrueCurrent`, which refuses to leave a backlog).
///      * Closed form (EmissionMath): with fixed prices each EMA is P + d·r^t, so every subnet's TAO
///        over a run of blocks needs two sums shared by all subnets: O(n + chunks × subnets) work.
///      * Chunks: the block emission E and each alpha emission are piecewise constant in issuance.
///        The n blocks are cut where the TAO issuance (advancing E per emitting block, exactly as a
///        per-block loop would) reaches the next halving threshold, or where an alpha issuance
///        could (bounded by alpha_out + E·x/y per block); inside a chunk both rates are constant.
///        TAO per subnet is floored once per chunk; alpha_in = floor(tao_in · x / y) per chunk.
///      * Error bound: each subnet's tao_in is floor(exact per-block sum) or 1 rao less per chunk
///        (fixed-point error < 1e-20 of a block's emission per block); the EMA is within 1 wei of
///        the per-block value for any n a call can cover. Σ tao_in <= E × emitting blocks always.
///      * Deviations (docs/DEVIATIONS.md): no EMA age factor (EMAPriceHalvingBlocks), alpha_in
///        uncapped, MinerBurned = 0, every subnet with an open pool is eligible.
contract Emission is IEmission, ProtocolWired, ReentrancyGuard {
    uint256 private constant _WAD = 1e18;

    uint256 private immutable _emaAlpha;
    uint256 private immutable _ownerCut;
    uint256 private immutable _maxBlocks;
    uint256 private immutable _maxChunks;

    uint256 private _lastAccrualBlock;
    mapping(uint16 => SubnetEmission) private _state;

    /// @dev Pending buckets packed in one slot: alpha_out is capped at 21e15 per subnet (< 2^64).
    struct PendingPacked {
        uint64 ownerCut;
        uint64 serverAlpha;
        uint64 validatorAlpha;
        uint64 blocks;
    }

    mapping(uint16 => PendingPacked) private _pending;

    /// @dev Per-subnet working set of one accrual.
    struct Live {
        uint16 netuid;
        bool live;
        uint256 tao; // y, pool TAO reserve
        uint256 alpha; // x, pool alpha reserve
        uint256 p; // P = min(spot, 1), WAD
        int256 d; // p̄(0) − P
        uint256 alphaIssuance;
        uint256 taoIn;
        uint256 alphaIn;
        uint256 alphaOut;
        uint256 owner;
        uint256 server;
        uint256 validator;
    }

    constructor(ProtocolAddresses memory protocol, EmissionParams memory p) ProtocolWired(protocol) {
        if (p.emaAlpha < 1e9 || p.emaAlpha > _WAD) revert EmissionInvalidParam("emaAlpha", p.emaAlpha);
        if (p.maxBlocksPerAccrue == 0) revert EmissionInvalidParam("maxBlocksPerAccrue", 0);
        if (p.maxChunksPerAccrue == 0) revert EmissionInvalidParam("maxChunksPerAccrue", 0);
        _emaAlpha = p.emaAlpha;
        _ownerCut = p.ownerCut;
        _maxBlocks = p.maxBlocksPerAccrue;
        _maxChunks = p.maxChunksPerAccrue;
        _lastAccrualBlock = block.number;
    }

    /// @inheritdoc IEmission
    function accrue() external nonReentrant {
        uint256 from = _lastAccrualBlock;
        if (block.number <= from) return;
        uint256 n = block.number - from;
        _accrue(from, n > _maxBlocks ? _maxBlocks : n);
    }

    /// @inheritdoc IEmission
    function accrueCurrent() external {
        uint256 from = _lastAccrualBlock;
        // The common case (already accrued this block) skips the lock: one SLOAD.
        if (block.number <= from) return;
        _accrueCurrent(from);
    }

    function _accrueCurrent(uint256 from) private nonReentrant {
        uint256 n = block.number - from;
        if (n > _maxBlocks) revert EmissionBacklog(from, block.number, _maxBlocks);
        _accrue(from, n);
        // The chunk budget can stop short of n (many halvings in one window): refuse the rest too.
        if (_lastAccrualBlock != block.number) revert EmissionBacklog(_lastAccrualBlock, block.number, _maxBlocks);
    }

    function _accrue(uint256 from, uint256 n) private {
        Live[] memory subnets = _load();
        (uint256 done, uint256 u) = _run(subnets, n);
        uint256 to = from + done;
        _lastAccrualBlock = to;
        _store(subnets, u, done, from, to);
    }

    /// @inheritdoc IEmission
    function movingPrice(uint16 netuid) external view returns (uint256) {
        return _state[netuid].movingPrice;
    }

    /// @inheritdoc IEmission
    function pending(uint16 netuid) external view returns (Pending memory) {
        PendingPacked memory q = _pending[netuid];
        return Pending(q.ownerCut, q.serverAlpha, q.validatorAlpha, q.blocks);
    }

    /// @inheritdoc IEmission
    function drainPending(uint16 netuid) external onlyFrom(_settlement) nonReentrant returns (Pending memory out) {
        PendingPacked memory q = _pending[netuid];
        out = Pending(q.ownerCut, q.serverAlpha, q.validatorAlpha, q.blocks);
        delete _pending[netuid];
        emit PendingDrained(netuid, out.ownerCut, out.serverAlpha, out.validatorAlpha, out.blocks);
        uint256 total = out.ownerCut + out.serverAlpha + out.validatorAlpha;
        // Settlement credits stake from what was drained, never more (StakingPools tracks it).
        if (total != 0) IStakingPools(_pools).releaseEmission(netuid, total);
    }

    /// @inheritdoc IEmission
    function lastAccrualBlock() external view returns (uint256) {
        return _lastAccrualBlock;
    }

    /// @inheritdoc IEmission
    function subnetEmission(uint16 netuid) external view returns (SubnetEmission memory) {
        return _state[netuid];
    }

    /// @inheritdoc IEmission
    function params() external view returns (EmissionParams memory) {
        return EmissionParams(uint64(_emaAlpha), uint16(_ownerCut), uint32(_maxBlocks), uint16(_maxChunks));
    }

    /// @inheritdoc IEmission
    function poolCreated(uint16 netuid, uint256 alphaSeed) external onlyFrom(_pools) {
        _state[netuid] = SubnetEmission(0, uint128(alphaSeed), true);
        delete _pending[netuid];
        emit SubnetEmissionOpened(netuid, alphaSeed);
    }

    /// @inheritdoc IEmission
    function poolDissolved(uint16 netuid) external onlyFrom(_pools) {
        PendingPacked memory q = _pending[netuid];
        delete _state[netuid];
        delete _pending[netuid];
        emit SubnetEmissionClosed(netuid, uint256(q.ownerCut) + q.serverAlpha + q.validatorAlpha);
    }

    // ================================================================== internals

    /// @dev Reads the subnets, their pools and their emission state.
    function _load() private view returns (Live[] memory subnets) {
        uint16[] memory netuids = ISubnetRegistry(_subnets).activeNetuids();
        (uint256[] memory tao, uint256[] memory alpha) = IStakingPools(_pools).reservesBatch(netuids);
        subnets = new Live[](netuids.length);
        for (uint256 i; i < netuids.length; ++i) {
            Live memory s = subnets[i];
            s.netuid = netuids[i];
            SubnetEmission memory st = _state[s.netuid];
            if (!st.active || alpha[i] == 0 || tao[i] == 0) continue;
            s.live = true;
            s.tao = tao[i];
            s.alpha = alpha[i];
            uint256 spot = PoolMath.priceDown(tao[i], alpha[i]);
            s.p = spot < _WAD ? spot : _WAD;
            s.d = int256(uint256(st.movingPrice)) - int256(s.p);
            s.alphaIssuance = st.alphaIssuance;
        }
    }

    /// @dev Runs up to `n` blocks in constant-rate chunks; returns the blocks done and r^done (RAY).
    function _run(Live[] memory subnets, uint256 n) private view returns (uint256 done, uint256 u) {
        uint256 sWad;
        int256 dSum;
        for (uint256 i; i < subnets.length; ++i) {
            if (!subnets[i].live) continue;
            sWad += subnets[i].p * _WAD;
            dSum += subnets[i].d;
        }
        uint256 r = (_WAD - _emaAlpha) * 1e9; // RAY
        uint256 issuance = ITaoToken(_tao).totalSupply();
        u = EmissionMath.RAY;
        for (uint256 c; c < _maxChunks && done < n; ++c) {
            uint256 e = Halving.emissionForIssuance(issuance);
            uint256 m = _chunkLength(subnets, issuance, e, n - done);
            (uint256 a, uint256 b, uint256 emitting, uint256 uNext) = EmissionMath.chunkSums(sWad, dSum, u, r, m);
            _applyChunk(subnets, e, a, b, emitting, m);
            issuance += e * emitting;
            u = uNext;
            done += m;
        }
    }

    /// @dev Adds one chunk's TAO, alpha_in and alpha_out to every live subnet.
    function _applyChunk(Live[] memory subnets, uint256 e, uint256 a, uint256 b, uint256 emitting, uint256 m)
        private
        view
    {
        uint256 cap = e * emitting;
        uint256 minted;
        for (uint256 i; i < subnets.length; ++i) {
            Live memory s = subnets[i];
            if (!s.live) continue;
            uint256 taoIn = PoolMath.mulDivDown(e, EmissionMath.shareSum(s.p, s.d, a, b), EmissionMath.K);
            if (minted + taoIn > cap) taoIn = cap - minted; // unreachable by the error bound; a hard cap regardless
            minted += taoIn;
            uint256 alphaIn = (taoIn * s.alpha) / s.tao;
            uint256 perBlock = Halving.emissionForIssuance(s.alphaIssuance);
            (uint256 owner, uint256 server, uint256 validator) = EmissionMath.splitAlphaOut(perBlock, _ownerCut);
            s.taoIn += taoIn;
            s.alphaIn += alphaIn;
            s.alphaOut += perBlock * m; // includes the split's unassigned dust (issuance counts it)
            s.owner += owner * m;
            s.server += server * m;
            s.validator += validator * m;
            s.alphaIssuance += alphaIn + perBlock * m;
        }
    }

    /// @dev Length of the next chunk: at most `left`, and no halving (TAO or any alpha) inside it.
    function _chunkLength(Live[] memory subnets, uint256 issuance, uint256 e, uint256 left)
        private
        pure
        returns (uint256 m)
    {
        m = EmissionMath.blocksBeforeHalving(issuance, e);
        if (m > left) m = left;
        for (uint256 i; i < subnets.length; ++i) {
            Live memory s = subnets[i];
            if (!s.live) continue;
            uint256 alphaPerBlock = Halving.emissionForIssuance(s.alphaIssuance) + (e * s.alpha + s.tao - 1) / s.tao;
            uint256 k = EmissionMath.blocksBeforeHalving(s.alphaIssuance, alphaPerBlock);
            if (k < m) m = k;
        }
    }

    /// @dev Writes EMA, issuance and pending; mints and injects the TAO; emits the events.
    function _store(Live[] memory subnets, uint256 u, uint256 blocks, uint256 from, uint256 to) private {
        uint256 total;
        uint16[] memory netuids = new uint16[](subnets.length);
        uint256[] memory taoIn = new uint256[](subnets.length);
        uint256[] memory alphaIn = new uint256[](subnets.length);
        for (uint256 i; i < subnets.length; ++i) {
            Live memory s = subnets[i];
            netuids[i] = s.netuid;
            if (!s.live) continue;
            uint256 ema = EmissionMath.emaAfter(s.p, s.d, u);
            _state[s.netuid] = SubnetEmission(uint64(ema), _toUint128(s.alphaIssuance), true);
            PendingPacked memory q = _pending[s.netuid];
            _pending[s.netuid] = PendingPacked(
                _toUint64(q.ownerCut + s.owner),
                _toUint64(q.serverAlpha + s.server),
                _toUint64(q.validatorAlpha + s.validator),
                _toUint64(q.blocks + blocks)
            );
            taoIn[i] = s.taoIn;
            alphaIn[i] = s.alphaIn;
            total += s.taoIn;
            emit EmissionAccrued(s.netuid, uint64(from), uint64(to), s.taoIn, s.alphaIn, s.alphaOut, ema);
        }
        emit Accrued(uint64(from), uint64(to), total);
        if (total != 0) {
            ITaoToken(_tao).mint(_pools, total);
            IStakingPools(_pools).injectBatch(netuids, taoIn, alphaIn);
        }
    }

    function _toUint64(uint256 v) private pure returns (uint64) {
        if (v > type(uint64).max) revert EmissionOverflow(v);
        return uint64(v);
    }

    function _toUint128(uint256 v) private pure returns (uint128) {
        if (v > type(uint128).max) revert EmissionOverflow(v);
        return uint128(v);
    }
}
