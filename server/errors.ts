/** Typed errors. A ClientError's message is the `error_description` a client sees, as in Snapshot. */

/** A message or request was rejected for a reason the client can act on (HTTP 400 unless stated). */
export class ClientError extends Error {
  override name = 'ClientError';
  readonly statusCode: number;
  constructor(description: string, statusCode = 400) {
    super(description);
    this.statusCode = statusCode;
  }
}

/** The service cannot take the request right now (database gone, shutting down): retry later. */
export class UnavailableError extends Error {
  override name = 'UnavailableError';
  readonly retryAfterSeconds: number;
  constructor(description = 'service unavailable', retryAfterSeconds = 5, options?: { cause?: unknown }) {
    super(description, options);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A configuration value is missing or malformed. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
