/** Safe 1.4.1 facts the relay needs: canonical addresses (the same on every chain) and the ABI fragments it calls. */
import { parseAbi } from 'viem';

/** protocol-kit `contractNetworks` entry: the canonical Safe 1.4.1 deployment (singleton factory, CREATE2). */
export const SAFE_141_CONTRACTS = {
  safeSingletonAddress: '0x29fcB43b46531BcA003ddC8FCB67FFE91900C762',
  safeProxyFactoryAddress: '0x4e1DCf7AD4e460CfD30791CCC4F9c8a4f820ec67',
  multiSendAddress: '0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526',
  multiSendCallOnlyAddress: '0x9641d764fc13c8B624c04430C7356C1C7C8102e2',
  fallbackHandlerAddress: '0xfd0732Dc9E303f09fCEf3a7388Ad10A83459Ec99',
  signMessageLibAddress: '0xd53cd0aB83D845Ac265BE939c57F53AD838012c9',
  createCallAddress: '0x9b35Af71d77eaf8d7e40252370304687390A1A52',
  simulateTxAccessorAddress: '0x3d4BA2E0884aa488718476ca2FB8Efc291A46199',
} as const;

export const SAFE_ABI = parseAbi([
  'function nonce() view returns (uint256)',
  'function getOwners() view returns (address[])',
  'function getThreshold() view returns (uint256)',
  'function VERSION() view returns (string)',
  'function approvedHashes(address owner, bytes32 hash) view returns (uint256)',
  'event ExecutionSuccess(bytes32 indexed txHash, uint256 payment)',
  'event ExecutionFailure(bytes32 indexed txHash, uint256 payment)',
  // SafeL2 only: the executed transaction in full; additionalInfo = abi.encode(nonce, msg.sender, threshold).
  'event SafeMultiSigTransaction(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, bytes signatures, bytes additionalInfo)',
]);

/** CompatibilityFallbackHandler.simulate, reached through the Safe's fallback. */
export const FALLBACK_SIMULATE_ABI = parseAbi(['function simulate(address targetContract, bytes calldataPayload) returns (bytes response)']);

/** SimulateTxAccessor.simulate, delegatecalled by the Safe's simulateAndRevert. */
export const ACCESSOR_SIMULATE_ABI = parseAbi([
  'function simulate(address to, uint256 value, bytes data, uint8 operation) returns (uint256 estimate, bool success, bytes returnData)',
]);

export { SAFE_TX_TYPES } from '../schema/safe-tx.ts';
