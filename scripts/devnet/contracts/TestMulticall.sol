// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// The read-only part of the Multicall3 interface (aggregate3, getEthBalance, getBlockNumber),
/// installed at Multicall3's canonical address on the local test chain. aggregate3 is written in
/// assembly: it writes each result straight into the ABI-encoded return buffer, which makes large
/// batches several times cheaper to interpret than a plain Solidity loop (same return bytes).
contract TestMulticall {
    struct Call3 {
        address target;
        bool allowFailure;
        bytes callData;
    }

    struct Result {
        bool success;
        bytes returnData;
    }

    function aggregate3(Call3[] calldata) external payable returns (Result[] memory) {
        assembly {
            let array := add(4, calldataload(4)) // the array's length word
            let n := calldataload(array)
            let offsets := add(array, 0x20)
            let out := mload(0x40)
            mstore(out, 0x20) // offset of the returned array
            mstore(add(out, 0x20), n)
            let head := add(out, 0x40) // n offsets of the result tuples, relative to head
            let tail := add(head, mul(n, 0x20))
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let tuple := add(offsets, calldataload(add(offsets, mul(i, 0x20))))
                let data := add(tuple, calldataload(add(tuple, 0x40)))
                let dataLength := calldataload(data)
                mstore(add(head, mul(i, 0x20)), sub(tail, head))
                // the call's input is staged where its output will go
                calldatacopy(add(tail, 0x60), add(data, 0x20), dataLength)
                let success := call(gas(), calldataload(tuple), 0, add(tail, 0x60), dataLength, 0, 0)
                if iszero(or(success, calldataload(add(tuple, 0x20)))) {
                    mstore(0x00, 0x08c379a000000000000000000000000000000000000000000000000000000000)
                    mstore(0x04, 0x20)
                    mstore(0x24, 23)
                    mstore(0x44, "Multicall3: call failed")
                    revert(0x00, 0x64)
                }
                let returnLength := returndatasize()
                mstore(tail, success)
                mstore(add(tail, 0x20), 0x40)
                mstore(add(tail, 0x40), returnLength)
                returndatacopy(add(tail, 0x60), 0, returnLength)
                mstore(add(add(tail, 0x60), returnLength), 0) // zero padding
                tail := add(add(tail, 0x60), and(add(returnLength, 31), not(31)))
            }
            return(out, sub(tail, out))
        }
    }

    function getEthBalance(address account) external view returns (uint256) {
        return account.balance;
    }

    function getBlockNumber() external view returns (uint256) {
        return block.number;
    }
}
