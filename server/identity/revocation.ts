/** Revocation state of a stored credential: local jti deny-list, then the issuer's StatusList2021 (cached ≤ 5 min). */
import { createHash } from 'node:crypto';
import type { Resolvable } from 'did-resolver';
import { verifyCredential } from 'did-jwt-vc';
import { canonicalDid } from './did.ts';
import { InvalidStatusListError, StatusListUnavailableError } from './errors.ts';
import { fetchText } from './fetch.ts';
import type { FetchLike } from './fetch.ts';
import { getStatusBit, readStatusListPayload } from './status-list.ts';

/** Status-list cache lifetime cap: a revocation takes effect within this time. */
export const MAX_STATUS_LIST_TTL_MS = 5 * 60 * 1000;

/** Clock skew tolerated on a status list's own nbf/iat/exp. */
export const STATUS_LIST_SKEW_SECONDS = 60;

/** What check-membership needs to know about revocation. */
export type RevocationState = {
  revoked: boolean;
  /** Where the revocation was found. */
  source?: 'deny-list' | 'status-list';
  /** sha256 (hex) of the status-list VC-JWT consulted, to record with the vote for later audit. */
  statusListHash?: string;
};

/** Credentials the operator has killed locally by `jti`, effective at once. Back it with a table later. */
export type JtiDenyList = { has(jti: string): boolean | Promise<boolean> };

/** In-memory deny-list (process lifetime only; the lead can replace it with a database-backed one). */
export class InMemoryJtiDenyList implements JtiDenyList {
  readonly #ids = new Set<string>();

  add(jti: string): void {
    this.#ids.add(jti);
  }

  delete(jti: string): boolean {
    return this.#ids.delete(jti);
  }

  has(jti: string): boolean {
    return this.#ids.has(jti);
  }
}

/** The parts of a stored credential record revocation looks at. */
export type RevocableCredential = {
  id: string;
  issuer: string;
  statusListUrl?: string;
  statusListIndex?: number;
};

export type CreateRevocationCheckerParameters = {
  /** Resolves the status-list signer (the credential issuer). */
  resolver: Resolvable;
  /** Transport for status lists; defaults to the global fetch. */
  fetch?: FetchLike;
  denyList?: JtiDenyList;
  /** Cache lifetime of a fetched list, at most (and by default) 5 minutes. */
  ttlMs?: number;
  timeoutMs?: number;
  /** Clock in milliseconds, injectable for tests. */
  now?: () => number;
};

export type RevocationChecker = {
  /** Deny-list, then status bit. Throws StatusListUnavailableError (retryable) or InvalidStatusListError. */
  check(credential: RevocableCredential): Promise<RevocationState>;
  /** Drops cached lists (e.g. after the issuer says it revoked someone). */
  clear(): void;
};

type CachedList = { issuer: string; list: Uint8Array; hash: string; expiresAt: number };

/** Builds the revocation checker used at submission and per vote; fails closed when a list cannot be read. */
export function createRevocationChecker(parameters: CreateRevocationCheckerParameters): RevocationChecker {
  const { resolver, denyList, timeoutMs } = parameters;
  const fetch = parameters.fetch ?? (globalThis.fetch as FetchLike);
  const ttlMs = Math.min(parameters.ttlMs ?? MAX_STATUS_LIST_TTL_MS, MAX_STATUS_LIST_TTL_MS);
  const now = parameters.now ?? Date.now;
  const cache = new Map<string, CachedList>();
  const pending = new Map<string, Promise<CachedList>>();

  async function load(url: string): Promise<CachedList> {
    let jwt: string;
    try {
      jwt = (await fetchText({ fetch, url, timeoutMs, maxLength: 4 * 1024 * 1024, accept: 'application/jwt, text/plain' })).trim();
    } catch (error) {
      throw new StatusListUnavailableError(`${url}: ${(error as Error).message}`);
    }
    let payload: Record<string, unknown>;
    let issuer: string;
    try {
      const verified = await verifyCredential(jwt, resolver, {
        proofPurpose: 'assertionMethod',
        // Unlike membership credentials (skew 0), a list stamped a few seconds ahead by the issuer's clock must not
        // block every vote; accepting a list for a minute past an optional exp is harmless.
        skewTime: STATUS_LIST_SKEW_SECONDS,
        policies: { now: Math.floor(now() / 1000) },
      });
      payload = verified.payload;
      issuer = verified.issuer;
    } catch (error) {
      const message = (error as Error).message;
      if (message.startsWith('resolver_error')) throw new StatusListUnavailableError(`${url}: ${message}`);
      throw new InvalidStatusListError(`${url}: ${message}`);
    }
    let content;
    try {
      content = readStatusListPayload(payload);
    } catch (error) {
      throw new InvalidStatusListError(`${url}: ${(error as Error).message}`);
    }
    if (content.url !== url) throw new InvalidStatusListError(`${url}: the list says it is ${content.url}`);
    if (content.purpose !== 'revocation') throw new InvalidStatusListError(`${url}: purpose ${content.purpose}`);
    const hash = createHash('sha256').update(jwt).digest('hex');
    return { issuer: canonicalDid(issuer), list: content.list, hash, expiresAt: now() + ttlMs };
  }

  async function getList(url: string): Promise<CachedList> {
    const cached = cache.get(url);
    if (cached && cached.expiresAt > now()) return cached;
    const inFlight = pending.get(url);
    if (inFlight) return inFlight;
    const request = load(url);
    pending.set(url, request);
    try {
      const list = await request;
      cache.set(url, list);
      return list;
    } finally {
      pending.delete(url);
    }
  }

  return {
    async check(credential) {
      if (denyList && (await denyList.has(credential.id))) return { revoked: true, source: 'deny-list' };
      if (credential.statusListUrl === undefined || credential.statusListIndex === undefined) return { revoked: false };
      const entry = await getList(credential.statusListUrl);
      if (entry.issuer !== canonicalDid(credential.issuer)) {
        throw new InvalidStatusListError(`${credential.statusListUrl} is signed by ${entry.issuer}, not the credential issuer`);
      }
      if (credential.statusListIndex >= entry.list.length * 8) {
        throw new InvalidStatusListError(`index ${credential.statusListIndex} is beyond the list`);
      }
      const revoked = getStatusBit(entry.list, credential.statusListIndex);
      return revoked
        ? { revoked: true, source: 'status-list', statusListHash: entry.hash }
        : { revoked: false, statusListHash: entry.hash };
    },
    clear() {
      cache.clear();
    },
  };
}
