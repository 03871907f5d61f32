/** Validation of the `{address, decimals, symbol?}` params shared by token strategies (Snapshot's shape). */
import { getAddress } from '@ethersproject/address';
import { StrategyParamsError } from '../errors.ts';

export type TokenParams = { address?: string; decimals: number; symbol?: string };

export type ParseTokenParamsOptions = { requireAddress: boolean; defaultDecimals?: number };

/** Checks params and returns them normalised (checksummed address); throws StrategyParamsError. */
export function parseTokenParams(
  strategy: string,
  params: Record<string, unknown>,
  options: ParseTokenParamsOptions,
): TokenParams {
  const result: TokenParams = { decimals: 0 };
  if (options.requireAddress || params.address !== undefined) {
    if (typeof params.address !== 'string') throw new StrategyParamsError(strategy, 'address must be a string');
    try {
      result.address = getAddress(params.address);
    } catch {
      throw new StrategyParamsError(strategy, 'address is not a valid address');
    }
  }
  const decimals = params.decimals ?? options.defaultDecimals;
  if (typeof decimals !== 'number' || !Number.isInteger(decimals) || decimals < 0 || decimals > 77) {
    throw new StrategyParamsError(strategy, 'decimals must be an integer from 0 to 77');
  }
  result.decimals = decimals;
  if (params.symbol !== undefined) {
    if (typeof params.symbol !== 'string' || params.symbol.length > 16) {
      throw new StrategyParamsError(strategy, 'symbol must be a string of at most 16 characters');
    }
    result.symbol = params.symbol;
  }
  return result;
}

/** Decodes one uint256 result of a multicalled read; a failed or empty read is an error. */
export function requireUint(result: { success: boolean; returnData: string }, what: string): bigint {
  if (!result.success) throw new Error(`${what} reverted`);
  if (result.returnData.length < 66) throw new Error(`${what} returned no value (is it a contract?)`);
  return BigInt(result.returnData.slice(0, 66));
}
