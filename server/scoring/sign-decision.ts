/** Signs a decision with the service key (EIP-712), and checks such a signature. */
import { _TypedDataEncoder } from '@ethersproject/hash';
import { recoverSigner } from '../ingest/recover-signer.ts';
import type { ServiceKey } from '../service-key.ts';
import { DECISION_DOMAIN, DECISION_TYPES } from '../../schema/eip712.ts';
import type { DecisionMessage } from './compute-decision.ts';

/** The EIP-712 digest of a decision: its id. */
export function decisionDigest(message: DecisionMessage): string {
  return _TypedDataEncoder.hash(DECISION_DOMAIN, DECISION_TYPES, message);
}

/** Returns the decision's id and the service key's signature over it (deterministic, RFC 6979). */
export function signDecision(serviceKey: ServiceKey, message: DecisionMessage): { id: string; signature: string; signer: string } {
  const id = decisionDigest(message);
  return { id, signature: serviceKey.signDigest(id), signer: serviceKey.address };
}

/** Whether `signature` over `message` was made by `signer`. */
export function verifyDecision(message: DecisionMessage, signature: string, signer: string): boolean {
  return recoverSigner(decisionDigest(message), signature) === signer;
}
