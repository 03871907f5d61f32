/** The strategies the service knows, by name. */
import type { Strategy } from '../strategy.ts';
import { delegation } from './delegation.ts';
import { erc20BalanceOf } from './erc20-balance-of.ts';
import { erc20Votes } from './erc20-votes.ts';
import { ethBalance } from './eth-balance.ts';
import { ticket } from './ticket.ts';
import { whitelist } from './whitelist.ts';

export const STRATEGIES: ReadonlyMap<string, Strategy> = new Map(
  [whitelist, ticket, ethBalance, erc20BalanceOf, erc20Votes, delegation].map((strategy) => [strategy.name, strategy]),
);
