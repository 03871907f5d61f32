/** Reads a proposal's Safe payload from its `plugins`: conclave's `safe` (one batch per choice) or oSnap's read-only shape. */
import { getAddress, isAddress, isHex } from 'viem';
import type { SafeCall } from '../schema/relay-tables.ts';
import { ClientError } from '../server/errors.ts';

export type SafePayload = {
  source: 'safe' | 'oSnap';
  network: string;
  /** Checksummed Safe address. */
  safe: string;
  /** Choice number (1-based, as a string) → calls. */
  batches: Record<string, SafeCall[]>;
};

export type ParseSafePayloadParameters = {
  plugins: Record<string, unknown>;
  /** The proposal's voting type and choices: batches name choices that exist (basic: only choice 1, "For"). */
  type: string;
  choices: readonly string[];
};

/** Most calls in one batch. */
export const MAX_BATCH_CALLS = 50;

/** The payload, or null when the proposal carries none; a malformed payload throws a ClientError. */
export function parseSafePayload({ plugins, type, choices }: ParseSafePayloadParameters): SafePayload | null {
  const own = plugins.safe;
  const oSnap = plugins.oSnap;
  if (own !== undefined && oSnap !== undefined) throw bad('use either plugins.safe or plugins.oSnap, not both');
  if (own !== undefined) {
    if (!isObject(own)) throw bad('plugins.safe must be an object');
    const network = networkOf(own.network);
    const safe = addressOf(own.safe, 'plugins.safe.safe');
    if (!isObject(own.batches) || Object.keys(own.batches).length === 0) throw bad('plugins.safe.batches must name at least one choice');
    const batches: Record<string, SafeCall[]> = {};
    for (const [choice, calls] of Object.entries(own.batches)) {
      const number = Number(choice);
      const allowed = type === 'basic' ? number === 1 : Number.isInteger(number) && number >= 1 && number <= choices.length;
      if (!/^\d+$/.test(choice) || !allowed) {
        throw bad(type === 'basic' ? 'plugins.safe.batches: basic proposals carry one batch, for choice 1' : `plugins.safe.batches: no choice ${choice}`);
      }
      batches[String(number)] = callsOf(calls, `plugins.safe.batches.${choice}`);
    }
    return { source: 'safe', network, safe, batches };
  }
  if (oSnap !== undefined) {
    if (!isObject(oSnap) || !Array.isArray(oSnap.safes)) throw bad('plugins.oSnap.safes must be an array');
    if (oSnap.safes.length !== 1) throw bad('plugins.oSnap: the relay executes for exactly one Safe');
    const entry = oSnap.safes[0] as unknown;
    if (!isObject(entry)) throw bad('plugins.oSnap.safes[0] must be an object');
    if (type !== 'basic') throw bad('plugins.oSnap needs basic voting');
    const network = networkOf(entry.network ?? entry.chainId);
    const safe = addressOf(entry.safeAddress, 'plugins.oSnap.safes[0].safeAddress');
    const transactions = Array.isArray(entry.transactions) ? entry.transactions : null;
    if (!transactions) throw bad('plugins.oSnap.safes[0].transactions must be an array');
    // oSnap's `formatted` is [to, operation, value, data]; the plain fields say the same.
    const calls = transactions.map((tx: unknown) => {
      if (!isObject(tx)) return tx;
      if (Array.isArray(tx.formatted) && tx.formatted.length === 4) {
        const [to, operation, value, data] = tx.formatted as unknown[];
        return { to, operation, value, data };
      }
      return tx;
    });
    return { source: 'oSnap', network, safe, batches: { '1': callsOf(calls, 'plugins.oSnap.safes[0].transactions') } };
  }
  return null;
}

function callsOf(raw: unknown, where: string): SafeCall[] {
  if (!Array.isArray(raw) || raw.length === 0) throw bad(`${where} must be a non-empty array of calls`);
  if (raw.length > MAX_BATCH_CALLS) throw bad(`${where}: at most ${MAX_BATCH_CALLS} calls`);
  return raw.map((call, index) => {
    const at = `${where}[${index}]`;
    if (!isObject(call)) throw bad(`${at} must be an object`);
    const to = addressOf(call.to, `${at}.to`);
    const value = call.value === undefined ? '0' : String(call.value);
    if (!/^\d{1,78}$/.test(value) || BigInt(value) >= 2n ** 256n) throw bad(`${at}.value must be a whole number of wei`);
    const data = call.data === undefined || call.data === '' ? '0x' : call.data;
    if (typeof data !== 'string' || !isHex(data) || data.length % 2 !== 0) throw bad(`${at}.data must be 0x-prefixed hex bytes`);
    const operation = call.operation === undefined ? 0 : Number(call.operation);
    if (operation !== 0 && operation !== 1) throw bad(`${at}.operation must be 0 (call) or 1 (delegatecall)`);
    return { to, value: BigInt(value).toString(), data: data.toLowerCase(), operation };
  });
}

function networkOf(raw: unknown): string {
  const network = typeof raw === 'number' ? String(raw) : raw;
  if (typeof network !== 'string' || !/^\d{1,12}$/.test(network)) throw bad('the Safe payload needs a network (chain id)');
  return network;
}

function addressOf(raw: unknown, where: string): string {
  if (typeof raw !== 'string' || !isAddress(raw, { strict: false })) throw bad(`${where} must be an address`);
  return getAddress(raw);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function bad(reason: string): ClientError {
  return new ClientError(`wrong proposal format: ${reason}`);
}
