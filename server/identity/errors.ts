/** Typed identity errors: one class per reason, each with a short message a voter or admin can understand. */

/** Every identity rejection: `message` is the short text shown to people, `code` is stable for APIs and logs. */
export class IdentityError extends Error {
  /** Stable snake_case code for API responses (e.g. `credential_expired`). */
  readonly code: string;
  /** True when the same input may succeed later (network, unreachable issuer); never true for a bad credential. */
  readonly retryable: boolean;
  /** Technical detail for logs (library message, offending value); never needed by the voter. */
  readonly detail: string | undefined;

  constructor(code: string, message: string, detail?: string, retryable = false) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.detail = detail;
    this.retryable = retryable;
  }
}

// Membership credential: submission and per-vote check.

export class NoCredentialError extends IdentityError {
  constructor(detail?: string) {
    super('no_credential', 'no credential', detail);
  }
}

export class UntrustedIssuerError extends IdentityError {
  constructor(detail?: string) {
    super('untrusted_issuer', 'untrusted issuer', detail);
  }
}

export class CredentialExpiredError extends IdentityError {
  constructor(detail?: string) {
    super('credential_expired', 'credential expired', detail);
  }
}

export class CredentialNotYetValidError extends IdentityError {
  constructor(detail?: string) {
    super('credential_not_yet_valid', 'credential not yet valid', detail);
  }
}

export class CredentialRevokedError extends IdentityError {
  constructor(detail?: string) {
    super('credential_revoked', 'credential revoked', detail);
  }
}

export class WrongSubjectError extends IdentityError {
  constructor(detail?: string) {
    super('wrong_subject', 'wrong subject', detail);
  }
}

export class WrongSpaceError extends IdentityError {
  constructor(detail?: string) {
    super('wrong_space', 'wrong space', detail);
  }
}

/** The signature does not match the content or the issuer's keys (tampered token, rogue key). */
export class InvalidCredentialSignatureError extends IdentityError {
  constructor(detail?: string) {
    super('invalid_credential_signature', 'invalid credential signature', detail);
  }
}

/** Not a well-formed VC-JWT (garbage, bad JSON, missing required VC fields, unsupported algorithm). */
export class InvalidCredentialError extends IdentityError {
  constructor(detail?: string) {
    super('invalid_credential', 'invalid credential', detail);
  }
}

export class WrongCredentialTypeError extends IdentityError {
  constructor(detail?: string) {
    super('wrong_credential_type', 'wrong credential type', detail);
  }
}

/** Issued longer ago than the space's `maxAge`. */
export class CredentialTooOldError extends IdentityError {
  constructor(detail?: string) {
    super('credential_too_old', 'credential too old', detail);
  }
}

export class CredentialWithoutExpiryError extends IdentityError {
  constructor(detail?: string) {
    super('credential_without_expiry', 'credential has no expiry', detail);
  }
}

export class CredentialWithoutStatusError extends IdentityError {
  constructor(detail?: string) {
    super('credential_without_status', 'credential has no status entry', detail);
  }
}

/** The issuer's DID document could not be fetched (did:web, did:ethr): retryable, unless the method is not enabled. */
export class IssuerUnresolvableError extends IdentityError {
  constructor(detail?: string, retryable = true) {
    super('issuer_unresolvable', 'issuer unresolvable', detail, retryable);
  }
}

// Revocation.

/** The status list could not be fetched; votes fail closed until it can. */
export class StatusListUnavailableError extends IdentityError {
  constructor(detail?: string) {
    super('status_list_unavailable', 'status list unavailable', detail, true);
  }
}

/** The status list is malformed, badly signed, or signed by someone other than the credential issuer. */
export class InvalidStatusListError extends IdentityError {
  constructor(detail?: string) {
    super('invalid_status_list', 'invalid status list', detail);
  }
}

// Space settings.

/** Bad `identity` settings of a space; `reason` says what to fix. */
export class IdentityPolicyError extends IdentityError {
  readonly reason: string;

  constructor(reason: string) {
    super('invalid_identity_policy', `invalid identity policy: ${reason}`, reason);
    this.reason = reason;
  }
}

// SIWE admin sessions.

export class InvalidSiweMessageError extends IdentityError {
  constructor(detail?: string) {
    super('invalid_siwe_message', 'invalid sign-in message', detail);
  }
}

export class SiweWrongDomainError extends IdentityError {
  constructor(detail?: string) {
    super('siwe_wrong_domain', 'wrong domain', detail);
  }
}

export class SiweExpiredError extends IdentityError {
  constructor(detail?: string) {
    super('siwe_expired', 'sign-in message expired', detail);
  }
}

export class SiweNotYetValidError extends IdentityError {
  constructor(detail?: string) {
    super('siwe_not_yet_valid', 'sign-in message not yet valid', detail);
  }
}

/** No `Expiration Time`, or one more than the allowed session length after `Issued At`. */
export class SiweExpiryTooLongError extends IdentityError {
  constructor(detail?: string) {
    super('siwe_expiry_too_long', 'sign-in expiry too long', detail);
  }
}

export class SiweInvalidSignatureError extends IdentityError {
  constructor(detail?: string) {
    super('siwe_invalid_signature', 'invalid sign-in signature', detail);
  }
}

export class UnknownNonceError extends IdentityError {
  constructor(detail?: string) {
    super('unknown_nonce', 'unknown nonce', detail);
  }
}

export class NonceReplayedError extends IdentityError {
  constructor(detail?: string) {
    super('nonce_replayed', 'nonce already used', detail);
  }
}

export class NonceExpiredError extends IdentityError {
  constructor(detail?: string) {
    super('nonce_expired', 'nonce expired', detail);
  }
}
