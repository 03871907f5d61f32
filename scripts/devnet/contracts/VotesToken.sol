// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/// Test governance token: ERC20 with permit and block-number checkpointed votes.
/// The deployer receives `initialSupply` and may mint more.
contract VotesToken is ERC20, ERC20Permit, ERC20Votes {
    address public immutable minter;

    constructor(string memory name_, string memory symbol_, uint256 initialSupply)
        ERC20(name_, symbol_)
        ERC20Permit(name_)
    {
        minter = msg.sender;
        _mint(msg.sender, initialSupply);
    }

    function mint(address to, uint256 amount) external {
        require(msg.sender == minter, "only minter");
        _mint(to, amount);
    }

    /// Mints `amount` to each address, optionally delegating each holder's votes to itself
    /// (for large holder sets in benchmarks).
    function mintBatch(address[] calldata to, uint256 amount, bool selfDelegate) external {
        require(msg.sender == minter, "only minter");
        for (uint256 i = 0; i < to.length; i++) {
            _mint(to[i], amount);
            if (selfDelegate) {
                _delegate(to[i], to[i]);
            }
        }
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }

    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }
}
