// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IStakingPools} from "../interfaces/IStakingPools.sol";

/// @notice Validator take per hotkey (spec 6.1): a u16 fraction of credited emission, within bounds,
///         that may fall at any time but rise only once per rate-limit window.
library HotkeyTake {
    /// @notice One hotkey's take, packed in one slot; `set` distinguishes an explicit take from the default.
    struct State {
        uint16 take;
        bool set;
        uint64 lastChange;
    }

    /// @notice The hotkey's take, or `defaultTake` if it never set one.
    function current(mapping(address => State) storage self, address hotkey, uint16 defaultTake)
        internal
        view
        returns (uint16)
    {
        State memory s = self[hotkey];
        return s.set ? s.take : defaultTake;
    }

    /// @notice Sets `hotkey`'s take after checking bounds, change and rate limit (caller checks ownership).
    function set(
        mapping(address => State) storage self,
        address hotkey,
        uint16 take,
        uint16 minTake,
        uint16 maxTake,
        uint16 defaultTake,
        uint256 rateLimit
    ) internal {
        if (take < minTake || take > maxTake) revert IStakingPools.PoolTakeOutOfBounds(take, minTake, maxTake);
        State memory s = self[hotkey];
        uint16 old = s.set ? s.take : defaultTake;
        // A hotkey that never set a take may set the default explicitly (subtensor has no entry yet).
        if (take == old && s.set) revert IStakingPools.PoolTakeUnchanged(take);
        // Subtensor refuses an increase while now - last <= limit: the first allowed block is last + limit + 1.
        if (take > old && s.lastChange != 0 && block.number - s.lastChange <= rateLimit) {
            revert IStakingPools.PoolTakeRateLimited(hotkey, s.lastChange + rateLimit + 1);
        }
        self[hotkey] = State(take, true, uint64(block.number));
    }
}
