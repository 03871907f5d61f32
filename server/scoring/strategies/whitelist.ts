/** `whitelist`: listed addresses have power; `params.addresses` is a list (power 1 each) or a map address → power. */
import { getAddress } from '@ethersproject/address';
import type { Strategy } from '../strategy.ts';
import { StrategyParamsError } from '../errors.ts';

function powerTable(params: Record<string, unknown>): Map<string, number> {
  const { addresses } = params;
  const table = new Map<string, number>();
  if (Array.isArray(addresses)) {
    for (const address of addresses) {
      if (typeof address !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(address)) {
        throw new StrategyParamsError('whitelist', 'every address must be a 0x-prefixed 20-byte hex address');
      }
      table.set(getAddress(address), 1);
    }
    return table;
  }
  if (typeof addresses === 'object' && addresses !== null) {
    for (const [address, power] of Object.entries(addresses)) {
      if (!/^0x[0-9a-fA-F]{40}$/.test(address)) {
        throw new StrategyParamsError('whitelist', 'every address must be a 0x-prefixed 20-byte hex address');
      }
      if (typeof power !== 'number' || !Number.isFinite(power) || power < 0) {
        throw new StrategyParamsError('whitelist', `power of ${address} must be a non-negative number`);
      }
      table.set(getAddress(address), power);
    }
    return table;
  }
  throw new StrategyParamsError('whitelist', 'params.addresses must be a list of addresses or a map of address to power');
}

// Space settings are immutable once frozen into a proposal, so parsed tables can be kept by identity.
const tables = new WeakMap<Record<string, unknown>, Map<string, number>>();

export const whitelist: Strategy = {
  name: 'whitelist',
  validateParams(params) {
    powerTable(params);
  },
  async getPower({ addresses, params }) {
    let table = tables.get(params);
    if (!table) {
      table = powerTable(params);
      tables.set(params, table);
    }
    const result: Record<string, number> = {};
    for (const address of addresses) {
      const power = table.get(address);
      if (power) result[address] = power;
    }
    return result;
  },
};
