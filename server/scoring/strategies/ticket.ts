/** `ticket`: every address has the same power, `params.value` (default 1). */
import type { Strategy } from '../strategy.ts';
import { StrategyParamsError } from '../errors.ts';

const ticketValue = (params: Record<string, unknown>): number => {
  const value = params.value ?? 1;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new StrategyParamsError('ticket', 'params.value must be a non-negative number');
  }
  return value;
};

export const ticket: Strategy = {
  name: 'ticket',
  validateParams(params) {
    ticketValue(params);
  },
  async getPower({ addresses, params }) {
    const value = ticketValue(params);
    return Object.fromEntries(addresses.map((address) => [address, value]));
  },
};
