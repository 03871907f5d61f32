// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// The interface and events of Gnosis' DelegateRegistry (used by Snapshot's `delegation` strategy),
/// installed at its canonical address on the local test chain.
contract TestDelegateRegistry {
    mapping(address => mapping(bytes32 => address)) public delegation;

    event SetDelegate(address indexed delegator, bytes32 indexed id, address indexed delegate);
    event ClearDelegate(address indexed delegator, bytes32 indexed id, address indexed delegate);

    function setDelegate(bytes32 id, address delegate) external {
        require(delegate != msg.sender, "Can't delegate to self");
        require(delegate != address(0), "Can't delegate to 0x0");
        address current = delegation[msg.sender][id];
        require(delegate != current, "Already delegated to this address");
        delegation[msg.sender][id] = delegate;
        if (current != address(0)) {
            emit ClearDelegate(msg.sender, id, current);
        }
        emit SetDelegate(msg.sender, id, delegate);
    }

    function clearDelegate(bytes32 id) external {
        address current = delegation[msg.sender][id];
        require(current != address(0), "No delegate set");
        delegation[msg.sender][id] = address(0);
        emit ClearDelegate(msg.sender, id, current);
    }
}
