/** The browser wallet (EIP-1193 `window.ethereum`): an owner's EIP-712 SafeTx confirmation and execTransaction. */
import { encodeFunctionData, type Abi, type Hex } from 'viem';
import { SAFE_TX_TYPES } from '../../schema/safe-tx.ts';

type Eip1193 = { request(args: { method: string; params?: unknown[] }): Promise<unknown> };

declare global {
  interface Window {
    ethereum?: Eip1193;
  }
}

/** The fields of a Safe transaction the owners sign. */
export type SafeTx = {
  safe: string;
  chainId: number;
  to: string;
  value: string;
  data: string;
  operation: number;
  safeTxGas: string;
  baseGas: string;
  gasPrice: string;
  gasToken: string;
  refundReceiver: string;
  nonce: number;
};

export class WalletError extends Error {}

function provider(): Eip1193 {
  if (!window.ethereum) throw new WalletError('No browser wallet found (EIP-1193 window.ethereum).');
  return window.ethereum;
}

/** Asks the wallet for its account (the first one it exposes). */
export async function connectWallet(): Promise<string> {
  const accounts = (await provider().request({ method: 'eth_requestAccounts' })) as string[];
  if (!accounts?.length) throw new WalletError('The wallet exposed no account.');
  return accounts[0];
}

/** Makes the wallet use `chainId` (a signature or transaction on another chain would be useless). */
async function ensureChain(chainId: number): Promise<void> {
  const current = Number(await provider().request({ method: 'eth_chainId' }));
  if (current === chainId) return;
  await provider().request({ method: 'wallet_switchEthereumChain', params: [{ chainId: `0x${chainId.toString(16)}` }] });
}

/** The SafeTx EIP-712 typed data (Safe ≥ 1.3 domain: chainId and verifyingContract). */
export function safeTxTypedData(tx: SafeTx) {
  return {
    types: {
      EIP712Domain: [
        { name: 'chainId', type: 'uint256' },
        { name: 'verifyingContract', type: 'address' },
      ],
      SafeTx: [...SAFE_TX_TYPES.SafeTx],
    },
    primaryType: 'SafeTx',
    domain: { chainId: tx.chainId, verifyingContract: tx.safe },
    message: {
      to: tx.to,
      value: tx.value,
      data: tx.data,
      operation: tx.operation,
      safeTxGas: tx.safeTxGas,
      baseGas: tx.baseGas,
      gasPrice: tx.gasPrice,
      gasToken: tx.gasToken,
      refundReceiver: tx.refundReceiver,
      nonce: String(tx.nonce),
    },
  };
}

/** Has `account` sign the SafeTx with eth_signTypedData_v4; returns the 65-byte signature. */
export async function signSafeTx(account: string, tx: SafeTx): Promise<string> {
  await ensureChain(tx.chainId);
  return (await provider().request({ method: 'eth_signTypedData_v4', params: [account, JSON.stringify(safeTxTypedData(tx))] })) as string;
}

// execTransaction takes the signed SafeTx fields but the nonce (the Safe's own), then the signatures.
const EXEC_TRANSACTION_ABI: Abi = [
  {
    type: 'function',
    name: 'execTransaction',
    stateMutability: 'payable',
    inputs: [...SAFE_TX_TYPES.SafeTx.filter((field) => field.name !== 'nonce'), { name: 'signatures', type: 'bytes' }],
    outputs: [{ name: 'success', type: 'bool' }],
  },
];

/** The Safe's `signatures` argument: each owner's 65-byte signature, ordered by owner address as the Safe requires. */
export function packSignatures(confirmations: { owner: string; signature: string }[]): Hex {
  const sorted = [...confirmations].sort((a, b) => (a.owner.toLowerCase() < b.owner.toLowerCase() ? -1 : 1));
  return `0x${sorted.map((c) => c.signature.replace(/^0x/, '')).join('')}`;
}

/** Sends execTransaction from `account` with the owners' confirmations; returns the transaction hash. */
export async function executeSafeTx(account: string, tx: SafeTx, confirmations: { owner: string; signature: string }[]): Promise<string> {
  await ensureChain(tx.chainId);
  const data = encodeFunctionData({
    abi: EXEC_TRANSACTION_ABI,
    functionName: 'execTransaction',
    args: [
      tx.to as Hex,
      BigInt(tx.value),
      tx.data as Hex,
      tx.operation,
      BigInt(tx.safeTxGas),
      BigInt(tx.baseGas),
      BigInt(tx.gasPrice),
      tx.gasToken as Hex,
      tx.refundReceiver as Hex,
      packSignatures(confirmations),
    ],
  });
  return (await provider().request({ method: 'eth_sendTransaction', params: [{ from: account, to: tx.safe, data }] })) as string;
}
