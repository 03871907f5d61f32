/** An identity rejection as the ClientError a client sees: the short reason; 503 when retrying may succeed. */
import { ClientError } from '../errors.ts';
import type { IdentityError } from '../identity/errors.ts';

/** Maps an IdentityError to a ClientError with the same message. */
export function identityClientError(error: IdentityError): ClientError {
  return new ClientError(error.message, error.retryable ? 503 : 400);
}
