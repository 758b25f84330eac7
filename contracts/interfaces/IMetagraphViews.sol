// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ISubnetRegistry} from "./ISubnetRegistry.sol";
import {INeuronRegistry} from "./INeuronRegistry.sol";

/// @notice Read a whole subnet's metagraph in a few eth_calls: parallel arrays over UIDs, paged.
/// @dev Owned by the core-contracts engineer. Pages of ~256 UIDs stay well inside a default
///      eth_call gas cap; page through maxUids (up to 512) with `start`/`count`.
interface IMetagraphViews {
    /// @notice Subnet-wide facts for a client's metagraph header.
    struct SubnetView {
        uint16 netuid;
        bool exists;
        address ownerColdkey;
        address ownerHotkey;
        uint64 registeredAt;
        uint256 lockPaid;
        uint16 n;
        uint256 burn;
        uint256 taoIn;
        uint256 alphaIn;
        uint256 spotPrice;
        uint256 movingPrice;
        uint64 blockNumber;
        ISubnetRegistry.Hyperparameters hyperparameters;
    }

    /// @notice UIDs start..start+len-1 as parallel arrays (len = min(count, n - start)).
    struct MetagraphPage {
        uint16 netuid;
        uint16 n;
        uint16 start;
        uint64 blockNumber;
        address[] hotkeys;
        address[] coldkeys;
        uint256[] alphaStake;
        uint64[] registeredAt;
        uint64[] lastUpdate;
        bool[] validatorPermit;
        uint16[] incentive;
        uint16[] dividends;
        uint64[] emission;
        INeuronRegistry.AxonInfo[] axons;
    }

    /// @notice Header of `netuid`: owner, hyperparameters, burn price, pool, counts.
    function subnet(uint16 netuid) external view returns (SubnetView memory);

    /// @notice Headers of every registered subnet.
    function subnets() external view returns (SubnetView[] memory);

    /// @notice UIDs start.. of `netuid` (at most `count`) as parallel arrays.
    function metagraph(uint16 netuid, uint16 start, uint16 count) external view returns (MetagraphPage memory);
}
