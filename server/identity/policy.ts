/** A space's identity policy (`identity` in the space settings): who may issue membership credentials. */
import { canonicalDid, didMethod, isDid, parsePkhDid } from './did.ts';
import { IdentityPolicyError } from './errors.ts';

export const DEFAULT_CREDENTIAL_TYPE = 'DAOMembershipCredential';
/** DID methods an issuer may use: key and pkh resolve offline, web and ethr need their resolvers configured. */
export const ISSUER_DID_METHODS: readonly string[] = ['key', 'pkh', 'web', 'ethr'];
export const MAX_TRUSTED_ISSUERS = 32;
/** Ten years; a larger `maxAge` is almost certainly a unit mistake (milliseconds). */
export const MAX_MAX_AGE_SECONDS = 10 * 366 * 24 * 3600;

export type IdentityPolicy = {
  /** When true, only voters holding a valid membership credential for the space may vote. */
  required: boolean;
  /** Issuer DIDs trusted by the space, in canonical form (did:pkh addresses checksummed). */
  trustedIssuers: string[];
  /** VC type the credential must carry besides `VerifiableCredential`. */
  credentialType: string;
  /** Maximum age in seconds of a credential, counted from its issuance (`iat`, else `nbf`). */
  maxAge?: number;
  /** Whether a StatusList2021 entry is mandatory (default true: a credential without one cannot be revoked). */
  requireStatus: boolean;
};

const KEYS = new Set(['required', 'trustedIssuers', 'credentialType', 'maxAge', 'requireStatus']);
const TYPE_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,127}$/;

export type ParseIdentityPolicyOptions = {
  /** DID methods this server can resolve (default all four); pass e.g. ['key', 'pkh'] when did:web/did:ethr are off. */
  issuerMethods?: readonly string[];
};

/** Validates `identity` settings and fills defaults; throws IdentityPolicyError naming the bad field. */
export function parseIdentityPolicy(input: unknown, options: ParseIdentityPolicyOptions = {}): IdentityPolicy {
  const methods = options.issuerMethods ?? ISSUER_DID_METHODS;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new IdentityPolicyError('identity must be an object');
  }
  const settings = input as Record<string, unknown>;
  for (const key of Object.keys(settings)) {
    if (!KEYS.has(key)) throw new IdentityPolicyError(`unknown field "${key}"`);
  }

  const required = settings.required ?? false;
  if (typeof required !== 'boolean') throw new IdentityPolicyError('required must be true or false');

  const rawIssuers = settings.trustedIssuers ?? [];
  if (!Array.isArray(rawIssuers)) throw new IdentityPolicyError('trustedIssuers must be an array of DIDs');
  if (rawIssuers.length > MAX_TRUSTED_ISSUERS) {
    throw new IdentityPolicyError(`trustedIssuers has more than ${MAX_TRUSTED_ISSUERS} entries`);
  }
  const trustedIssuers: string[] = [];
  rawIssuers.forEach((issuer: unknown, i: number) => {
    if (!isDid(issuer)) throw new IdentityPolicyError(`trustedIssuers[${i}] is not a DID`);
    const method = didMethod(issuer);
    if (!methods.includes(method) || !ISSUER_DID_METHODS.includes(method)) {
      throw new IdentityPolicyError(
        `trustedIssuers[${i}] uses did:${method}; supported: ${methods.map((m) => `did:${m}`).join(', ')}`,
      );
    }
    if (method === 'pkh' && !parsePkhDid(issuer)) {
      throw new IdentityPolicyError(`trustedIssuers[${i}] is not a did:pkh:eip155:<chain>:<address>`);
    }
    const canonical = canonicalDid(issuer);
    if (trustedIssuers.includes(canonical)) throw new IdentityPolicyError(`trustedIssuers[${i}] is listed twice`);
    trustedIssuers.push(canonical);
  });
  if (required && trustedIssuers.length === 0) {
    throw new IdentityPolicyError('required is true but trustedIssuers is empty: nobody could vote');
  }

  const credentialType = settings.credentialType ?? DEFAULT_CREDENTIAL_TYPE;
  if (typeof credentialType !== 'string' || !TYPE_PATTERN.test(credentialType)) {
    throw new IdentityPolicyError('credentialType must be a VC type name such as DAOMembershipCredential');
  }
  if (credentialType === 'VerifiableCredential') {
    throw new IdentityPolicyError('credentialType must be more specific than VerifiableCredential');
  }

  const maxAge = settings.maxAge;
  if (maxAge !== undefined) {
    if (typeof maxAge !== 'number' || !Number.isSafeInteger(maxAge) || maxAge <= 0) {
      throw new IdentityPolicyError('maxAge must be a positive whole number of seconds');
    }
    if (maxAge > MAX_MAX_AGE_SECONDS) {
      throw new IdentityPolicyError('maxAge is more than ten years: it is in seconds, not milliseconds');
    }
  }

  const requireStatus = settings.requireStatus ?? true;
  if (typeof requireStatus !== 'boolean') throw new IdentityPolicyError('requireStatus must be true or false');

  return {
    required,
    trustedIssuers,
    credentialType,
    ...(maxAge === undefined ? {} : { maxAge: maxAge as number }),
    requireStatus,
  };
}

/** True when `issuer` (any case of a did:pkh address) is in the policy's trusted list. */
export function isTrustedIssuer(policy: IdentityPolicy, issuer: string): boolean {
  return isDid(issuer) && policy.trustedIssuers.includes(canonicalDid(issuer));
}
