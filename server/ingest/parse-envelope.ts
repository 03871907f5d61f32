/** Checks the shape of a signed envelope and identifies its kind from its EIP-712 types. */
import { MESSAGE_TYPES, SNAPSHOT_DOMAIN, type MessageKind, type TypedField } from '../../schema/eip712.ts';
import { ClientError } from '../errors.ts';
import { typedDataDigest } from './typed-data-digest.ts';

/** Messages larger than this, as JSON text, are refused (Snapshot's limit). */
export const MAX_MESSAGE_CHARS = 100_000;

export type Envelope = {
  address: string;
  sig: string;
  data: {
    domain: { name: string; version: string; chainId?: number };
    types: Record<string, TypedField[]>;
    message: Record<string, unknown> & { from: string; timestamp: number };
    primaryType?: string;
  };
};

export type ParsedEnvelope = {
  envelope: Envelope;
  kind: MessageKind;
  /** The message id: the EIP-712 digest of exactly what was signed. */
  id: string;
  message: Envelope['data']['message'];
};

export type ParseEnvelopeParameters = {
  body: unknown;
  /** Server time in seconds. */
  now: number;
  timestampMaxAge: number;
  timestampMaxLead: number;
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const KIND_BY_SIGNATURE = new Map<string, MessageKind>(
  Object.entries(MESSAGE_TYPES).map(([kind, { primaryType, fields }]) => [
    typeSignature(primaryType, fields),
    kind as MessageKind,
  ]),
);

function typeSignature(primaryType: string, fields: TypedField[]): string {
  return `${primaryType}(${fields.map((field) => `${field.type} ${field.name}`).join(',')})`;
}

/** Validates the envelope in Snapshot's order and returns its kind and id; throws a ClientError otherwise. */
export function parseEnvelope({ body, now, timestampMaxAge, timestampMaxLead }: ParseEnvelopeParameters): ParsedEnvelope {
  if (!isObject(body)) throw new ClientError('wrong envelope format');
  if (!isStorable(body)) throw new ClientError('wrong envelope format');
  const size = JSON.stringify(body).length;
  if (size > MAX_MESSAGE_CHARS) throw new ClientError('too large message');
  const { address, sig, data } = body;
  if (Object.keys(body).some((key) => !['address', 'sig', 'data'].includes(key))) {
    throw new ClientError('wrong envelope format');
  }
  if (typeof address !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(address)) throw new ClientError('wrong envelope format');
  if (typeof sig !== 'string' || !/^0x[0-9a-fA-F]*$/.test(sig)) throw new ClientError('wrong envelope format');
  if (!isObject(data)) throw new ClientError('wrong envelope format');
  if (Object.keys(data).some((key) => !['domain', 'types', 'message', 'primaryType'].includes(key))) {
    throw new ClientError('wrong envelope format');
  }
  const { domain, types, message, primaryType } = data;
  if (!isObject(domain) || !isObject(types) || !isObject(message)) throw new ClientError('wrong envelope format');
  if (primaryType !== undefined && typeof primaryType !== 'string') throw new ClientError('wrong envelope format');
  if (typeof message.from !== 'string' || message.from.length === 0 || message.from.length > 256) {
    throw new ClientError('wrong envelope format');
  }
  if (typeof message.timestamp !== 'number' || !Number.isSafeInteger(message.timestamp)) {
    throw new ClientError('wrong envelope format');
  }
  if (message.timestamp < now - timestampMaxAge || message.timestamp > now + timestampMaxLead) {
    throw new ClientError('wrong timestamp');
  }
  if (typeof message.proposal === 'string' && /\s/.test(message.proposal)) {
    throw new ClientError('proposal cannot contain whitespace');
  }
  const domainKeys = Object.keys(domain);
  if (
    domain.name !== SNAPSHOT_DOMAIN.name ||
    domain.version !== SNAPSHOT_DOMAIN.version ||
    domainKeys.some((key) => !['name', 'version', 'chainId'].includes(key)) ||
    (domain.chainId !== undefined && !(Number.isSafeInteger(domain.chainId) && (domain.chainId as number) > 0))
  ) {
    throw new ClientError('wrong domain');
  }
  const kind = identifyKind(types, primaryType);
  const { fields } = MESSAGE_TYPES[kind];
  // Every signed field must be present and nothing else: what is stored is exactly what was signed.
  const messageKeys = Object.keys(message);
  if (messageKeys.length !== fields.length || fields.some((field) => !(field.name in message))) {
    throw new ClientError('wrong envelope format');
  }
  const typedMessage = message as ParsedEnvelope['message'];
  let id: string;
  try {
    id = typedDataDigest(kind, typedMessage, domain.chainId as number | undefined);
  } catch {
    throw new ClientError('wrong envelope format');
  }
  return {
    envelope: body as unknown as Envelope,
    kind,
    id,
    message: typedMessage,
  };
}

/** Deepest nesting an envelope needs (a weighted choice sits at depth 4). */
const MAX_DEPTH = 16;

// String.prototype.isWellFormed is in Node 20+, not yet in this project's TypeScript lib.
const isGoodString = (text: string) => (text as unknown as { isWellFormed(): boolean }).isWellFormed() && !text.includes('\u0000');

/**
 * True when the JSON value nests at most MAX_DEPTH levels and every string (keys too) is well-formed
 * Unicode without NUL: what jsonb stores and hashes back unchanged. Recursion stops at MAX_DEPTH, so no
 * input overflows the stack; it allocates nothing (this runs on every message).
 */
function isStorable(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return isGoodString(value);
  if (typeof value !== 'object' || value === null) return true;
  if (depth >= MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) if (!isStorable(value[index], depth + 1)) return false;
    return true;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (!isGoodString(key) || !isStorable((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

/** Finds the kind whose primary type and fields match `types` exactly (names, types and order). */
function identifyKind(types: Record<string, unknown>, primaryType: string | undefined): MessageKind {
  const names = Object.keys(types).filter((name) => name !== 'EIP712Domain');
  if (names.length !== 1) throw new ClientError('wrong types');
  const [name] = names;
  if (primaryType !== undefined && primaryType !== name) throw new ClientError('wrong types');
  const fields = types[name];
  if (!Array.isArray(fields) || fields.length === 0 || fields.length > 32) throw new ClientError('wrong types');
  for (const field of fields) {
    if (
      !isObject(field) ||
      typeof field.name !== 'string' ||
      typeof field.type !== 'string' ||
      Object.keys(field).join(',') !== 'name,type'
    ) {
      throw new ClientError('wrong types');
    }
  }
  const kind = KIND_BY_SIGNATURE.get(typeSignature(name, fields as TypedField[]));
  if (!kind) throw new ClientError('wrong types');
  return kind;
}
