/** The strategies the service knows, by name. */
import type { Strategy } from '../strategy.ts';
import { ticket } from './ticket.ts';
import { whitelist } from './whitelist.ts';

export const STRATEGIES: ReadonlyMap<string, Strategy> = new Map([whitelist, ticket].map((strategy) => [strategy.name, strategy]));
