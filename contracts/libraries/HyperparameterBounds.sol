// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ISubnetRegistry} from "../interfaces/ISubnetRegistry.sol";

/// @notice Bounds on owner-settable hyperparameters (subtensor's admin-utils checks, chain units).
///         Tempo and the lowest maxUids are profile parameters (devnet allows a short tempo).
library HyperparameterBounds {
    /// @notice Largest maxUids: an epoch's openEpoch and settle must each fit one transaction
    ///         under EIP-7825's 2^24 gas cap (bench_gas_settlement: ~10.6M and ~9.4M at 512 UIDs,
    ///         ~21M and ~19M at 1024). Subtensor's default is 256.
    uint16 internal constant MAX_UIDS = 512;
    /// @notice Largest maxValidators (subtensor's for a new subnet, root-only there): bounds the
    ///         bonds settlement carries (64 rows of at most 512 entries, ~2M gas of calldata).
    uint16 internal constant MAX_VALIDATORS = 64;
    /// @notice Longest immunity / rate limit / cutoff an owner may set: 30 days of 12 s blocks.
    uint64 internal constant MAX_PERIOD = 216_000;
    /// @notice Highest bonds moving average an owner may set (subtensor: 975,000 of 1e6).
    uint64 internal constant MAX_BONDS_MOVING_AVERAGE = 975_000;
    /// @notice Lowest liquid-alpha high bound (0.8 as a u16 fraction).
    uint16 internal constant MIN_ALPHA_HIGH = 52_428;
    /// @notice Longest commit-reveal period, in epochs.
    uint64 internal constant MAX_COMMIT_REVEAL_PERIOD = 100;
    /// @notice min_burn must stay below 1 TAO; max_burn above 0.1 TAO (subtensor).
    uint64 internal constant MIN_BURN_CEILING = 1e9;
    uint64 internal constant MAX_BURN_FLOOR = 1e8;

    /// @notice Reverts with SubnetHyperparameterOutOfBounds(name, value) on the first violation.
    function check(ISubnetRegistry.Hyperparameters memory hp, uint16 minTempo, uint16 maxTempo, uint16 minAllowedUids)
        internal
        pure
    {
        _range("tempo", hp.tempo, minTempo, maxTempo);
        _range("maxUids", hp.maxUids, minAllowedUids, MAX_UIDS);
        _range("maxValidators", hp.maxValidators, 1, hp.maxUids < MAX_VALIDATORS ? hp.maxUids : MAX_VALIDATORS);
        _range("immunityPeriod", hp.immunityPeriod, 0, MAX_PERIOD);
        _range("minAllowedWeights", hp.minAllowedWeights, 0, hp.maxUids);
        _range("weightsRateLimit", hp.weightsRateLimit, 0, MAX_PERIOD);
        _range("activityCutoff", hp.activityCutoff, 1, MAX_PERIOD);
        _range("kappa", hp.kappa, 1, type(uint16).max);
        _range("bondsMovingAverage", hp.bondsMovingAverage, 0, MAX_BONDS_MOVING_AVERAGE);
        _range("alphaHigh", hp.alphaHigh, MIN_ALPHA_HIGH, type(uint16).max);
        _range("alphaLow", hp.alphaLow, 1, hp.alphaHigh);
        _range("commitRevealPeriod", hp.commitRevealPeriod, 1, MAX_COMMIT_REVEAL_PERIOD);
        _range("maxBurn", hp.maxBurn, MAX_BURN_FLOOR + 1, type(uint64).max);
        _range("minBurn", hp.minBurn, 1, hp.maxBurn < MIN_BURN_CEILING ? hp.maxBurn : MIN_BURN_CEILING - 1);
        _range("servingRateLimit", hp.servingRateLimit, 0, MAX_PERIOD);
    }

    function _range(string memory name, uint256 value, uint256 lo, uint256 hi) private pure {
        if (value < lo || value > hi) revert ISubnetRegistry.SubnetHyperparameterOutOfBounds(name, value);
    }
}
