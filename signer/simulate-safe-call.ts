/** Dry run of a Safe transaction from the Safe itself (no signatures): would its call or batch revert now? */
import { decodeAbiParameters, decodeErrorResult, decodeFunctionResult, encodeFunctionData, parseAbi, type Hex, type PublicClient } from 'viem';
import { ACCESSOR_SIMULATE_ABI, FALLBACK_SIMULATE_ABI, SAFE_141_CONTRACTS } from './safe-contracts.ts';

export type SimulateSafeCallParameters = {
  client: PublicClient;
  safe: string;
  to: string;
  value: string;
  data: string;
  operation: number;
};

export type SimulateSafeCallReturnType = { success: true } | { success: false; reason: string };

/**
 * Runs the call as the Safe would (`simulateAndRevert` with SimulateTxAccessor, reached through the
 * CompatibilityFallbackHandler), so a MultiSend batch delegatecalled runs in the Safe's context. A Safe
 * without that handler falls back to a plain `eth_call` from the Safe (calls only).
 */
export async function simulateSafeCall({ client, safe, to, value, data, operation }: SimulateSafeCallParameters): Promise<SimulateSafeCallReturnType> {
  const inner = encodeFunctionData({ abi: ACCESSOR_SIMULATE_ABI, functionName: 'simulate', args: [to as Hex, BigInt(value), data as Hex, operation] });
  const outer = encodeFunctionData({ abi: FALLBACK_SIMULATE_ABI, functionName: 'simulate', args: [SAFE_141_CONTRACTS.simulateTxAccessorAddress, inner] });
  let response: Hex | undefined;
  try {
    const result = await client.call({ to: safe as Hex, data: outer });
    if (result.data && result.data !== '0x') response = decodeFunctionResult({ abi: FALLBACK_SIMULATE_ABI, functionName: 'simulate', data: result.data });
  } catch {
    response = undefined;
  }
  if (response) {
    // The handler returns the accessor's output; some handler versions keep simulateAndRevert's
    // (success, length) prefix in front of it.
    for (const candidate of [response, `0x${response.slice(2 + 128)}` as Hex]) {
      try {
        const [, success, returnData] = decodeAbiParameters(ACCESSOR_SIMULATE_ABI[0].outputs, candidate);
        return success ? { success: true } : { success: false, reason: revertReason(returnData) };
      } catch {
        // try the next layout, then the plain call
      }
    }
  }
  if (operation !== 0) return { success: false, reason: 'cannot simulate a delegatecall on a Safe without the compatibility fallback handler' };
  try {
    await client.call({ account: safe as Hex, to: to as Hex, value: BigInt(value), data: data as Hex });
    return { success: true };
  } catch (error) {
    return { success: false, reason: (error as { shortMessage?: string }).shortMessage ?? String(error) };
  }
}

const ERROR_ABI = parseAbi(['error Error(string)', 'error Panic(uint256)']);

function revertReason(data: Hex): string {
  if (data === '0x') return 'reverted without a reason';
  try {
    const decoded = decodeErrorResult({ abi: ERROR_ABI, data });
    return decoded.errorName === 'Error' ? `reverted: ${String(decoded.args[0])}` : `panic ${String(decoded.args[0])}`;
  } catch {
    return `reverted with data ${data.slice(0, 74)}`;
  }
}
