// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ProtocolAddresses, ProtocolWired} from "./ProtocolWired.sol";
import {ITaoToken} from "./interfaces/ITaoToken.sol";
import {Halving} from "./libraries/Halving.sol";

/// @title TAO
/// @notice ERC-20 with 9 decimals and a 21M cap. Emission alone mints; protocol contracts move
///         and recycle on behalf of the accounts that call them.
contract TaoToken is ITaoToken, ProtocolWired {
    uint256 private _totalSupply;
    mapping(address account => uint256) private _balances;
    mapping(address owner => mapping(address spender => uint256)) private _allowances;

    /// @param genesisAccounts accounts funded at construction (counted in issuance and the cap).
    constructor(ProtocolAddresses memory protocol, address[] memory genesisAccounts, uint256[] memory genesisAmounts)
        ProtocolWired(protocol)
    {
        if (genesisAccounts.length != genesisAmounts.length) {
            revert TaoGenesisLengthMismatch(genesisAccounts.length, genesisAmounts.length);
        }
        for (uint256 i; i < genesisAccounts.length; ++i) {
            _mint(genesisAccounts[i], genesisAmounts[i]);
        }
    }

    modifier onlyProtocol() {
        address s = msg.sender;
        // settlement may be the zero address (not deployed yet); msg.sender is never zero.
        if (s != _subnets && s != _neurons && s != _pools && s != _emission && s != _settlement) {
            revert ProtocolUnauthorizedCaller(s);
        }
        _;
    }

    /// @inheritdoc ITaoToken
    function name() external pure returns (string memory) {
        return "TAO";
    }

    /// @inheritdoc ITaoToken
    function symbol() external pure returns (string memory) {
        return "TAO";
    }

    /// @inheritdoc ITaoToken
    function decimals() external pure returns (uint8) {
        return 9;
    }

    /// @inheritdoc ITaoToken
    function cap() external pure returns (uint256) {
        return Halving.TOTAL_SUPPLY;
    }

    /// @inheritdoc ITaoToken
    function totalSupply() external view returns (uint256) {
        return _totalSupply;
    }

    /// @inheritdoc ITaoToken
    function balanceOf(address account) external view returns (uint256) {
        return _balances[account];
    }

    /// @inheritdoc ITaoToken
    function allowance(address owner, address spender) external view returns (uint256) {
        return _allowances[owner][spender];
    }

    /// @inheritdoc ITaoToken
    function blockEmission() external view returns (uint256) {
        return Halving.emissionForIssuance(_totalSupply);
    }

    /// @inheritdoc ITaoToken
    function emissionForIssuance(uint256 issuance) external pure returns (uint256) {
        return Halving.emissionForIssuance(issuance);
    }

    /// @inheritdoc ITaoToken
    function transfer(address to, uint256 amount) external returns (bool) {
        _transfer(msg.sender, to, amount);
        return true;
    }

    /// @inheritdoc ITaoToken
    function approve(address spender, uint256 amount) external returns (bool) {
        if (spender == address(0)) revert TaoZeroAddress();
        _allowances[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    /// @inheritdoc ITaoToken
    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = _allowances[from][msg.sender];
        if (allowed != type(uint256).max) {
            if (allowed < amount) revert TaoInsufficientAllowance(msg.sender, allowed, amount);
            // allowed >= amount checked above.
            unchecked { _allowances[from][msg.sender] = allowed - amount; }
        }
        _transfer(from, to, amount);
        return true;
    }

    /// @inheritdoc ITaoToken
    function protocolTransferFrom(address from, address to, uint256 amount) external onlyProtocol {
        _transfer(from, to, amount);
    }

    /// @inheritdoc ITaoToken
    function mint(address to, uint256 amount) external onlyFrom(_emission) {
        _mint(to, amount);
    }

    /// @inheritdoc ITaoToken
    function recycle(address from, uint256 amount) external onlyProtocol {
        _update(from, address(0), amount);
        emit Recycled(from, amount, msg.sender);
    }

    function _transfer(address from, address to, uint256 amount) private {
        if (from == address(0) || to == address(0)) revert TaoZeroAddress();
        _update(from, to, amount);
    }

    function _mint(address to, uint256 amount) private {
        if (to == address(0)) revert TaoZeroAddress();
        uint256 supply = _totalSupply;
        if (amount > Halving.TOTAL_SUPPLY - supply) revert TaoCapExceeded(supply, amount);
        _update(address(0), to, amount);
    }

    /// @dev Every balance change goes through here: from == 0 mints, to == 0 recycles.
    function _update(address from, address to, uint256 amount) private {
        if (from == address(0)) {
            // Cap checked by _mint: supply + amount <= 21e15.
            unchecked { _totalSupply += amount; }
        } else {
            uint256 balance = _balances[from];
            if (balance < amount) revert TaoInsufficientBalance(from, balance, amount);
            // balance >= amount checked above.
            unchecked { _balances[from] = balance - amount; }
        }
        if (to == address(0)) {
            // amount <= balance(from) <= totalSupply.
            unchecked { _totalSupply -= amount; }
        } else {
            // balance(to) + amount <= totalSupply <= 21e15.
            unchecked { _balances[to] += amount; }
        }
        emit Transfer(from, to, amount);
    }
}
