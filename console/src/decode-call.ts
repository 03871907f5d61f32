/** What a Safe call will do, in words a signer can check: ETH transfers, ERC-20 calls and Safe owner changes. */
import { decodeFunctionData, formatEther, type Abi, type Hex } from 'viem';

export type SafeCall = { to: string; value: string; data: string; operation: number };

export type DecodedCall = {
  /** e.g. "transfer", "send ETH", "addOwnerWithThreshold", or "unknown call". */
  action: string;
  /** The contract or account called. */
  to: string;
  /** ETH sent with the call, in ETH. */
  eth: string | null;
  /** Named arguments, as strings (addresses, raw integer amounts). */
  args: { name: string; value: string }[];
  delegatecall: boolean;
};

// The calls DAO payouts and Safe administration use; anything else is shown as raw data.
const KNOWN_ABI = [
  fn('transfer', [['address', 'recipient'], ['uint256', 'amount']]),
  fn('approve', [['address', 'spender'], ['uint256', 'amount']]),
  fn('transferFrom', [['address', 'from'], ['address', 'recipient'], ['uint256', 'amount']]),
  fn('addOwnerWithThreshold', [['address', 'owner'], ['uint256', 'threshold']]),
  fn('removeOwner', [['address', 'prevOwner'], ['address', 'owner'], ['uint256', 'threshold']]),
  fn('swapOwner', [['address', 'prevOwner'], ['address', 'oldOwner'], ['address', 'newOwner']]),
  fn('changeThreshold', [['uint256', 'threshold']]),
] as const satisfies Abi;

function fn(name: string, inputs: [string, string][]) {
  return { type: 'function', name, stateMutability: 'nonpayable', outputs: [], inputs: inputs.map(([type, argName]) => ({ type, name: argName })) } as const;
}

/** Decodes one call of a Safe batch. */
export function decodeCall(call: SafeCall): DecodedCall {
  const eth = BigInt(call.value || '0') > 0n ? formatEther(BigInt(call.value)) : null;
  const base = { to: call.to, eth, delegatecall: call.operation === 1 };
  if (!call.data || call.data === '0x') return { ...base, action: 'send ETH', args: [] };
  try {
    const decoded = decodeFunctionData({ abi: KNOWN_ABI as unknown as Abi, data: call.data as Hex });
    const abiItem = (KNOWN_ABI as readonly { name: string; inputs: readonly { name: string }[] }[]).find((item) => item.name === decoded.functionName);
    const args = (decoded.args ?? []).map((value, index) => ({ name: abiItem?.inputs[index]?.name ?? `arg${index}`, value: String(value) }));
    return { ...base, action: decoded.functionName, args };
  } catch {
    return { ...base, action: 'unknown call', args: [{ name: 'data', value: call.data }] };
  }
}
