// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice TAO: ERC-20 with 9 decimals (1 TAO = 1e9 rao) and a 21M cap; minted only by Emission.
/// @dev Owned by the core-contracts engineer; the functions below are the cross-contract surface
///      other contracts rely on. Extend (errors, events, views), never change these signatures.
///      Issuance: `totalSupply()` is the issuance counter that drives the halving. Recycling
///      destroys tokens and so lowers it (future emission rises); there is no "burn" that keeps it.
interface ITaoToken {
    function totalSupply() external view returns (uint256);
    function balanceOf(address account) external view returns (uint256);
    function transfer(address to, uint256 amount) external returns (bool);

    /// @notice Moves `amount` from `from` to `to` without an allowance. Only protocol contracts
    ///         (subnets, neurons, pools, emission, settlement) may call it, and only on behalf of
    ///         the account that called them.
    function protocolTransferFrom(address from, address to, uint256 amount) external;

    /// @notice Mints `amount` to `to`. Only Emission. Reverts past the 21M cap.
    function mint(address to, uint256 amount) external;

    /// @notice Destroys `amount` held by `from` (recycling lowers issuance). Only protocol contracts.
    function recycle(address from, uint256 amount) external;

    // ---- ERC-20 surface beyond the cross-contract one ----

    /// @notice Standard ERC-20 transfer event; mint is from the zero address, recycle to it.
    event Transfer(address indexed from, address indexed to, uint256 value);
    /// @notice Standard ERC-20 approval event.
    event Approval(address indexed owner, address indexed spender, uint256 value);
    /// @notice `amount` held by `from` was recycled (destroyed, issuance lowered) by `by`.
    event Recycled(address indexed from, uint256 amount, address indexed by);

    /// @notice `account` holds `balance`, less than the `needed` amount.
    error TaoInsufficientBalance(address account, uint256 balance, uint256 needed);
    /// @notice `spender` may move `allowance` of the owner's TAO, less than `needed`.
    error TaoInsufficientAllowance(address spender, uint256 allowance, uint256 needed);
    /// @notice Minting `amount` would pass the 21M cap (`supply` already issued).
    error TaoCapExceeded(uint256 supply, uint256 amount);
    /// @notice Transfer or approval to/from the zero address.
    error TaoZeroAddress();
    /// @notice The genesis account and amount arrays differ in length.
    error TaoGenesisLengthMismatch(uint256 accounts, uint256 amounts);

    function name() external view returns (string memory);
    function symbol() external view returns (string memory);
    function decimals() external view returns (uint8);
    function allowance(address owner, address spender) external view returns (uint256);
    function approve(address spender, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);

    /// @notice The 21M cap in rao.
    function cap() external view returns (uint256);
    /// @notice TAO emitted per block at the current issuance (spec 1.1 halving), in rao.
    function blockEmission() external view returns (uint256);
    /// @notice Halving function of spec 1.1 for an arbitrary issuance, in rao.
    function emissionForIssuance(uint256 issuance) external pure returns (uint256);
}
