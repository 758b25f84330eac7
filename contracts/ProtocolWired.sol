// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice The addresses of every protocol contract, fixed at construction.
/// @dev The deploy script predicts each address from the deployer's nonce (CREATE), so every
///      contract can hold the others as immutables: no wiring transaction, no storage reads.
struct ProtocolAddresses {
    address tao;
    address subnets;
    address neurons;
    address pools;
    address emission;
    address settlement;
}

/// @notice Base for protocol contracts: holds the sibling addresses and the caller check.
abstract contract ProtocolWired {
    /// @notice A protocol-only entry point was called by `caller`.
    error ProtocolUnauthorizedCaller(address caller);

    address internal immutable _tao;
    address internal immutable _subnets;
    address internal immutable _neurons;
    address internal immutable _pools;
    address internal immutable _emission;
    address internal immutable _settlement;

    constructor(ProtocolAddresses memory protocol) {
        _tao = protocol.tao;
        _subnets = protocol.subnets;
        _neurons = protocol.neurons;
        _pools = protocol.pools;
        _emission = protocol.emission;
        _settlement = protocol.settlement;
    }

    modifier onlyFrom(address expected) {
        if (msg.sender != expected) revert ProtocolUnauthorizedCaller(msg.sender);
        _;
    }

    /// @notice The addresses this contract was wired with.
    function protocolAddresses() external view returns (ProtocolAddresses memory) {
        return ProtocolAddresses(_tao, _subnets, _neurons, _pools, _emission, _settlement);
    }
}
