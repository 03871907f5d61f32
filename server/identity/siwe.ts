/** Sign-In with Ethereum (EIP-4361) for admin sessions: server nonces (single use, expiring) and message checks. */
import { randomBytes } from 'node:crypto';
import { SiweMessage, SiweErrorType } from 'siwe';
import type { SiweResponse } from 'siwe';
import { getAddress } from 'ethers';
import { parsePkhDid, toPkhDid } from './did.ts';
import {
  IdentityError,
  InvalidSiweMessageError,
  NonceExpiredError,
  NonceReplayedError,
  SiweExpiredError,
  SiweExpiryTooLongError,
  SiweInvalidSignatureError,
  SiweNotYetValidError,
  SiweWrongDomainError,
  UnknownNonceError,
} from './errors.ts';

/** Longest admin session a SIWE message may ask for. */
export const MAX_SIWE_SESSION_SECONDS = 3600;
export const DEFAULT_SIWE_NONCE_TTL_MS = 10 * 60 * 1000;
/** Tolerance for a wallet clock that runs ahead when it writes `Issued At`. */
export const SIWE_ISSUED_AT_SKEW_MS = 60 * 1000;

export type SiweNonceStatus = 'ok' | 'unknown' | 'used' | 'expired';

/**
 * Where issued nonces live. The in-memory implementation below is for now; the lead can back this with a table
 * (`nonce` primary key, `expires_at`, `used_at`): `consume` must be atomic, e.g.
 * `UPDATE … SET used_at = now() WHERE nonce = $1 AND used_at IS NULL RETURNING expires_at`.
 */
export type SiweNonceStore = {
  /** Records a freshly issued nonce, valid until `expiresAt` (ms since epoch). */
  put(nonce: string, expiresAt: number): Promise<void>;
  /** Marks the nonce used and reports its state before: once 'ok', every later call gives 'used' (or 'unknown'). */
  consume(nonce: string, now: number): Promise<SiweNonceStatus>;
};

/** Process-local nonce store: fine for one server process and tests; lost on restart. */
export class InMemorySiweNonceStore implements SiweNonceStore {
  readonly #nonces = new Map<string, { expiresAt: number; used: boolean }>();

  async put(nonce: string, expiresAt: number): Promise<void> {
    this.#purge(Date.now());
    if (this.#nonces.has(nonce)) throw new Error('nonce already issued');
    this.#nonces.set(nonce, { expiresAt, used: false });
  }

  async consume(nonce: string, now: number): Promise<SiweNonceStatus> {
    const entry = this.#nonces.get(nonce);
    if (!entry) return 'unknown';
    if (entry.used) return 'used';
    entry.used = true;
    return entry.expiresAt <= now ? 'expired' : 'ok';
  }

  /** Forgets nonces that expired more than a session length ago (used ones stay until then to report replays). */
  #purge(now: number): void {
    for (const [nonce, entry] of this.#nonces) {
      if (entry.expiresAt + MAX_SIWE_SESSION_SECONDS * 1000 < now) this.#nonces.delete(nonce);
    }
  }
}

export type IssueSiweNonceParameters = {
  store: SiweNonceStore;
  ttlMs?: number;
  /** Clock in ms; injectable for tests. */
  now?: number;
};

/** A new random nonce (32 hex characters, 128 bits) recorded in the store; give it to the wallet to sign. */
export async function issueSiweNonce(parameters: IssueSiweNonceParameters): Promise<{ nonce: string; expiresAt: number }> {
  const nonce = randomBytes(16).toString('hex');
  const expiresAt = (parameters.now ?? Date.now()) + (parameters.ttlMs ?? DEFAULT_SIWE_NONCE_TTL_MS);
  await parameters.store.put(nonce, expiresAt);
  return { nonce, expiresAt };
}

export type VerifySiweLoginParameters = {
  /** The EIP-4361 message text the wallet signed. */
  message: string;
  /** `personal_sign` signature (0x…). */
  signature: string;
  /** Our host (e.g. `vote.example.org`); the message's domain must be exactly this. */
  domain: string;
  store: SiweNonceStore;
  /** Clock in ms; default Date.now(). */
  now?: number;
  /** Session length cap in seconds (default and maximum 3600). */
  maxSessionSeconds?: number;
};

export type SiweSession = {
  /** EIP-55 checksummed signer. */
  address: string;
  /** `did:pkh:eip155:<chainId>:<address>`, to compare with a space's admin list. */
  did: string;
  chainId: number;
  /** ms since epoch. */
  issuedAt: number;
  /** ms since epoch; end the server session no later than this. */
  expiresAt: number;
  nonce: string;
  resources: string[];
  statement?: string;
};

/**
 * Parses and verifies a SIWE login: pinned domain, `Expiration Time` present and at most `maxSessionSeconds` after
 * `Issued At`, not expired or not yet valid, signature by `address` (EOA; no EIP-1271 without an RPC), and the nonce
 * issued by us and not used before (consumed only after the signature checks out). Throws an IdentityError.
 */
export async function verifySiweLogin(parameters: VerifySiweLoginParameters): Promise<SiweSession> {
  const { message, signature, domain, store } = parameters;
  const now = parameters.now ?? Date.now();
  const maxSessionMs = Math.min(parameters.maxSessionSeconds ?? MAX_SIWE_SESSION_SECONDS, MAX_SIWE_SESSION_SECONDS) * 1000;

  let siwe: SiweMessage;
  try {
    if (typeof message !== 'string' || message.length > 8192) throw new Error('message must be a string of at most 8192 characters');
    siwe = new SiweMessage(message);
  } catch (error) {
    throw new InvalidSiweMessageError(describe(error));
  }
  if (siwe.domain !== domain) throw new SiweWrongDomainError(`message is for ${siwe.domain}`);

  const issuedAt = Date.parse(siwe.issuedAt ?? '');
  const expiresAt = Date.parse(siwe.expirationTime ?? '');
  if (Number.isNaN(issuedAt)) throw new InvalidSiweMessageError('no valid Issued At');
  if (Number.isNaN(expiresAt)) throw new SiweExpiryTooLongError('no Expiration Time');
  if (expiresAt - issuedAt > maxSessionMs || expiresAt - now > maxSessionMs) {
    throw new SiweExpiryTooLongError(`expiry more than ${maxSessionMs / 1000}s away`);
  }
  if (expiresAt <= now) throw new SiweExpiredError(`expired at ${siwe.expirationTime}`);
  const notBefore = siwe.notBefore ? Date.parse(siwe.notBefore) : undefined;
  if (issuedAt > now + SIWE_ISSUED_AT_SKEW_MS || (notBefore !== undefined && !(notBefore <= now))) {
    throw new SiweNotYetValidError();
  }

  // EOA signatures only (65 bytes); siwe would log ethers' complaint about anything else before failing.
  if (typeof signature !== 'string' || !/^0x[0-9a-fA-F]{130}$/.test(signature)) {
    throw new SiweInvalidSignatureError('not a 65-byte hex signature');
  }
  let result: SiweResponse;
  try {
    result = await siwe.verify(
      { signature, domain, nonce: siwe.nonce, time: new Date(now).toISOString() },
      { suppressExceptions: true },
    );
  } catch (error) {
    throw new SiweInvalidSignatureError(describe(error));
  }
  if (!result.success) throw mapSiweError(result);

  const status = await store.consume(siwe.nonce, now);
  if (status === 'unknown') throw new UnknownNonceError();
  if (status === 'used') throw new NonceReplayedError();
  if (status === 'expired') throw new NonceExpiredError();

  const address = getAddress(siwe.address);
  return {
    address,
    did: toPkhDid(address, siwe.chainId),
    chainId: siwe.chainId,
    issuedAt,
    expiresAt,
    nonce: siwe.nonce,
    resources: siwe.resources ?? [],
    ...(siwe.statement ? { statement: siwe.statement } : {}),
  };
}

/**
 * True when `address` (a SIWE session's) is in a space's admin list, whose entries are 0x addresses or
 * `did:pkh:eip155:<chain>:<address>` (EOAs: any chain; compared case-insensitively).
 */
export function isListedAdmin(address: string, admins: readonly string[]): boolean {
  const wanted = address.toLowerCase();
  return admins.some((entry) => (parsePkhDid(entry)?.address ?? entry).toLowerCase() === wanted);
}

function mapSiweError(result: SiweResponse): IdentityError {
  const type = result.error?.type;
  if (type === SiweErrorType.EXPIRED_MESSAGE) return new SiweExpiredError(type);
  if (type === SiweErrorType.NOT_YET_VALID_MESSAGE) return new SiweNotYetValidError(type);
  if (type === SiweErrorType.DOMAIN_MISMATCH) return new SiweWrongDomainError(type);
  if (type === SiweErrorType.INVALID_SIGNATURE) return new SiweInvalidSignatureError(type);
  return new InvalidSiweMessageError(String(type));
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'type' in error) return String((error as { type: unknown }).type);
  return String(error);
}
