// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ProtocolAddresses, ProtocolWired} from "./ProtocolWired.sol";
import {IMetagraphViews} from "./interfaces/IMetagraphViews.sol";
import {ISubnetRegistry} from "./interfaces/ISubnetRegistry.sol";
import {INeuronRegistry} from "./interfaces/INeuronRegistry.sol";
import {IStakingPools} from "./interfaces/IStakingPools.sol";
import {IEmission} from "./interfaces/IEmission.sol";

/// @title MetagraphViews
/// @notice Stateless read-side aggregator over the registries, pools and emission.
contract MetagraphViews is IMetagraphViews, ProtocolWired {
    constructor(ProtocolAddresses memory protocol) ProtocolWired(protocol) {}

    /// @inheritdoc IMetagraphViews
    function subnet(uint16 netuid) public view returns (SubnetView memory v) {
        v.netuid = netuid;
        v.blockNumber = uint64(block.number);
        ISubnetRegistry registry = ISubnetRegistry(_subnets);
        v.exists = registry.subnetExists(netuid);
        if (!v.exists) return v;
        ISubnetRegistry.SubnetInfo memory info = registry.subnetInfo(netuid);
        (v.ownerColdkey, v.ownerHotkey, v.registeredAt, v.lockPaid) =
            (info.ownerColdkey, info.ownerHotkey, info.registeredAt, info.lockPaid);
        v.hyperparameters = registry.hyperparameters(netuid);
        INeuronRegistry neurons = INeuronRegistry(_neurons);
        v.n = neurons.subnetN(netuid);
        v.burn = neurons.burnPrice(netuid);
        IStakingPools pools = IStakingPools(_pools);
        (v.taoIn, v.alphaIn) = pools.reserves(netuid);
        v.spotPrice = pools.spotPrice(netuid);
        v.movingPrice = IEmission(_emission).movingPrice(netuid);
    }

    /// @inheritdoc IMetagraphViews
    function subnets() external view returns (SubnetView[] memory views) {
        uint16[] memory netuids = ISubnetRegistry(_subnets).activeNetuids();
        views = new SubnetView[](netuids.length);
        for (uint256 i; i < netuids.length; ++i) {
            views[i] = subnet(netuids[i]);
        }
    }

    /// @inheritdoc IMetagraphViews
    function metagraph(uint16 netuid, uint16 start, uint16 count) external view returns (MetagraphPage memory page) {
        INeuronRegistry.NeuronInfo[] memory infos = INeuronRegistry(_neurons).neurons(netuid, start, count);
        uint256 len = infos.length;
        page.netuid = netuid;
        page.n = INeuronRegistry(_neurons).subnetN(netuid);
        page.start = start;
        page.blockNumber = uint64(block.number);
        page.hotkeys = new address[](len);
        page.coldkeys = new address[](len);
        page.alphaStake = new uint256[](len);
        page.registeredAt = new uint64[](len);
        page.lastUpdate = new uint64[](len);
        page.validatorPermit = new bool[](len);
        page.incentive = new uint16[](len);
        page.dividends = new uint16[](len);
        page.emission = new uint64[](len);
        page.axons = new INeuronRegistry.AxonInfo[](len);
        IStakingPools pools = IStakingPools(_pools);
        for (uint256 i; i < len; ++i) {
            INeuronRegistry.NeuronInfo memory info = infos[i];
            page.hotkeys[i] = info.hotkey;
            page.coldkeys[i] = info.coldkey;
            page.alphaStake[i] = pools.hotkeyAlpha(netuid, info.hotkey);
            page.registeredAt[i] = info.registeredAt;
            page.lastUpdate[i] = info.lastUpdate;
            page.validatorPermit[i] = info.validatorPermit;
            page.incentive[i] = info.incentive;
            page.dividends[i] = info.dividends;
            page.emission[i] = info.emission;
            page.axons[i] = info.axon;
        }
    }
}
