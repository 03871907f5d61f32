/** StatusList2021 bitstrings and issuer-signed status-list VC-JWTs: create, update, decode. */
import { gunzipSync, gzipSync } from 'node:zlib';
import { decodeJWT } from 'did-jwt';
import { createVerifiableCredentialJwt } from 'did-jwt-vc';
import type { JwtCredentialPayload } from 'did-jwt-vc';
import type { IssuerSigner } from './issuer-key.ts';
import { VC_CONTEXT_V1 } from './issue-credential.ts';

/** Minimum list length (bits) recommended for herd privacy: 16 KiB uncompressed. */
export const STATUS_LIST_MIN_LENGTH = 131_072;
/** Largest decompressed list accepted (bytes), against gzip bombs: 2^24 entries. */
export const STATUS_LIST_MAX_BYTES = 2 * 1024 * 1024;
export const STATUS_LIST_CONTEXT = 'https://w3id.org/vc/status-list/2021/v1';

/** A zeroed bitstring of `length` entries (a multiple of 8). */
export function createStatusList(length: number = STATUS_LIST_MIN_LENGTH): Uint8Array {
  if (!Number.isSafeInteger(length) || length <= 0 || length % 8 !== 0 || length / 8 > STATUS_LIST_MAX_BYTES) {
    throw new RangeError(`status list length must be a positive multiple of 8 up to ${STATUS_LIST_MAX_BYTES * 8}`);
  }
  return new Uint8Array(length / 8);
}

function position(list: Uint8Array, index: number): { byte: number; mask: number } {
  if (!Number.isSafeInteger(index) || index < 0 || index >= list.length * 8) {
    throw new RangeError(`status list index ${index} is outside 0..${list.length * 8 - 1}`);
  }
  // Index 0 is the left-most (most significant) bit of the first byte (StatusList2021 §2.2).
  return { byte: index >> 3, mask: 0x80 >> (index & 7) };
}

/** True when entry `index` is set (revoked). */
export function getStatusBit(list: Uint8Array, index: number): boolean {
  const { byte, mask } = position(list, index);
  return (list[byte] & mask) !== 0;
}

/** Sets or clears entry `index` in place. */
export function setStatusBit(list: Uint8Array, index: number, value: boolean): void {
  const { byte, mask } = position(list, index);
  list[byte] = value ? list[byte] | mask : list[byte] & ~mask;
}

/** `encodedList`: base64url (no padding) of the gzipped bitstring. */
export function encodeStatusList(list: Uint8Array): string {
  return gzipSync(list).toString('base64url');
}

/** Inverse of encodeStatusList; also accepts the Bitstring Status List multibase `u` prefix. */
export function decodeStatusList(encoded: string): Uint8Array {
  const text = encoded.startsWith('u') ? encoded.slice(1) : encoded;
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(text)) throw new Error('encodedList is not base64url');
  return new Uint8Array(gunzipSync(Buffer.from(text, 'base64url'), { maxOutputLength: STATUS_LIST_MAX_BYTES }));
}

export type StatusListContent = { url: string; purpose: string; list: Uint8Array };

/** Reads url, purpose and bitstring from a status-list VC-JWT payload; throws an Error naming the problem. */
export function readStatusListPayload(payload: Record<string, unknown>): StatusListContent {
  const vc = payload.vc as Record<string, unknown> | undefined;
  if (typeof vc !== 'object' || vc === null) throw new Error('no vc claim');
  const types = Array.isArray(vc.type) ? vc.type : [vc.type];
  if (!types.includes('StatusList2021Credential')) throw new Error('not a StatusList2021Credential');
  const subject = vc.credentialSubject as Record<string, unknown> | undefined;
  if (typeof subject !== 'object' || subject === null || subject.type !== 'StatusList2021') {
    throw new Error('credentialSubject is not a StatusList2021');
  }
  if (typeof subject.encodedList !== 'string') throw new Error('no encodedList');
  const url = typeof payload.jti === 'string' ? payload.jti : typeof vc.id === 'string' ? vc.id : '';
  const purpose = typeof subject.statusPurpose === 'string' ? subject.statusPurpose : '';
  return { url, purpose, list: decodeStatusList(subject.encodedList) };
}

export type CreateStatusListCredentialParameters = {
  issuer: IssuerSigner;
  /** Where the list will be served; becomes the credential id (`jti`) and what credentials point to. */
  url: string;
  list: Uint8Array;
  /** Unix seconds, default now. */
  validFrom?: number;
  /** Optional lifetime in seconds; without it the list does not expire (freshness comes from re-fetching). */
  validForSeconds?: number;
};

/** Signs a revocation status list as a VC-JWT (type StatusList2021Credential) from the credential issuer. */
export async function createStatusListCredential(parameters: CreateStatusListCredentialParameters): Promise<string> {
  const { issuer, url, list } = parameters;
  const validFrom = parameters.validFrom ?? Math.floor(Date.now() / 1000);
  const payload: JwtCredentialPayload = {
    jti: url,
    sub: `${url}#list`,
    iat: validFrom,
    nbf: validFrom,
    ...(parameters.validForSeconds ? { exp: validFrom + parameters.validForSeconds } : {}),
    vc: {
      '@context': [VC_CONTEXT_V1, STATUS_LIST_CONTEXT],
      type: ['VerifiableCredential', 'StatusList2021Credential'],
      credentialSubject: { type: 'StatusList2021', statusPurpose: 'revocation', encodedList: encodeStatusList(list) },
    },
  };
  return createVerifiableCredentialJwt(payload, issuer);
}

export type UpdateStatusListCredentialParameters = {
  issuer: IssuerSigner;
  /** The current status-list VC-JWT (must be this issuer's). */
  jwt: string;
  index: number;
  revoked: boolean;
  validFrom?: number;
  validForSeconds?: number;
};

/** Re-signs the list with entry `index` set (revoked) or cleared (reinstated). */
export async function updateStatusListCredential(parameters: UpdateStatusListCredentialParameters): Promise<string> {
  const { payload } = decodeJWT(parameters.jwt);
  if (payload.iss !== parameters.issuer.did) throw new Error('the status list belongs to another issuer');
  const { url, list } = readStatusListPayload(payload);
  if (!url) throw new Error('the status list has no id (jti)');
  setStatusBit(list, parameters.index, parameters.revoked);
  return createStatusListCredential({
    issuer: parameters.issuer,
    url,
    list,
    validFrom: parameters.validFrom,
    validForSeconds: parameters.validForSeconds,
  });
}
