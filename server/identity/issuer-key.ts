/** Issuer signing keys: generate an Ed25519 did:key, read and write the JSON key file used by the issuer CLI. */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { base58btc } from 'multiformats/bases/base58';
import { EdDSASigner, ES256KSigner } from 'did-jwt';
import type { Signer } from 'did-jwt';
import { computeAddress, getBytes, hexlify } from 'ethers';
import { parseEthrDid, parsePkhDid } from './did.ts';

/** Multicodec `ed25519-pub` (0xed) as an unsigned varint. */
const ED25519_PUB_PREFIX = Uint8Array.of(0xed, 0x01);

/** A signing issuer as did-jwt-vc expects it. */
export type IssuerSigner = { did: string; alg: 'EdDSA' | 'ES256K-R'; signer: Signer };

/**
 * The key file: `{"kind":"conclave-issuer-key","did":…,"alg":"EdDSA","privateKeyHex":"<32-byte seed>"}`, or
 * `alg: "ES256K-R"` with a did:pkh (or address-form did:ethr) DID and its secp256k1 key. did:web issuers use an EdDSA key whose public half is
 * published in their DID document.
 */
export type IssuerKeyFile = { kind: 'conclave-issuer-key'; did: string; alg: 'EdDSA' | 'ES256K-R'; privateKeyHex: string };

/** `did:key:z6Mk…` of an Ed25519 public key. */
export function ed25519DidKey(publicKey: Uint8Array): string {
  const bytes = new Uint8Array(ED25519_PUB_PREFIX.length + publicKey.length);
  bytes.set(ED25519_PUB_PREFIX);
  bytes.set(publicKey, ED25519_PUB_PREFIX.length);
  return `did:key:${base58btc.encode(bytes)}`;
}

/** A fresh Ed25519 did:key issuer key (node:crypto randomness). */
export function generateEd25519IssuerKey(): IssuerKeyFile {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  if (!jwk.d || !jwk.x) throw new Error('node:crypto returned an Ed25519 JWK without d/x');
  const seed = Buffer.from(jwk.d, 'base64url');
  const publicKey = Buffer.from(jwk.x, 'base64url');
  return { kind: 'conclave-issuer-key', did: ed25519DidKey(publicKey), alg: 'EdDSA', privateKeyHex: seed.toString('hex') };
}

/** The Ed25519 public key for a 32-byte seed, through node:crypto. */
function ed25519PublicKey(seed: Uint8Array): Uint8Array {
  // PKCS#8 DER prefix for an Ed25519 private key (RFC 8410), followed by the 32-byte seed.
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const publicJwk = createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })).export({ format: 'jwk' });
  return Buffer.from(publicJwk.x ?? '', 'base64url');
}

/** Validates a parsed key file and returns a signer; throws an Error saying what is wrong with the file. */
export function issuerFromKeyFile(file: unknown): IssuerSigner {
  if (typeof file !== 'object' || file === null) throw new Error('issuer key file must hold a JSON object');
  const { kind, did, alg, privateKeyHex } = file as Record<string, unknown>;
  if (kind !== 'conclave-issuer-key') throw new Error('issuer key file: kind must be "conclave-issuer-key"');
  if (typeof did !== 'string' || typeof privateKeyHex !== 'string' || !/^(0x)?[0-9a-fA-F]{64}$/.test(privateKeyHex)) {
    throw new Error('issuer key file: needs "did" and a 32-byte "privateKeyHex"');
  }
  const key = getBytes(privateKeyHex.startsWith('0x') ? privateKeyHex : `0x${privateKeyHex}`);
  if (alg === 'EdDSA') {
    if (did.startsWith('did:key:') && ed25519DidKey(ed25519PublicKey(key)) !== did) {
      throw new Error('issuer key file: the private key does not belong to the did:key');
    }
    if (!did.startsWith('did:key:') && !did.startsWith('did:web:')) {
      throw new Error('issuer key file: EdDSA keys are for did:key or did:web issuers');
    }
    return { did, alg, signer: EdDSASigner(key) };
  }
  if (alg === 'ES256K-R') {
    // A did:ethr whose owner was changed in its registry no longer answers to this key: resolution will say so.
    const account = parsePkhDid(did) ?? parseEthrDid(did);
    if (!account) throw new Error('issuer key file: ES256K-R keys are for did:pkh:eip155 or did:ethr issuers');
    if (computeAddress(hexlify(key)) !== account.address) {
      throw new Error('issuer key file: the private key does not belong to the DID\'s address');
    }
    return { did, alg, signer: ES256KSigner(key, true) };
  }
  throw new Error('issuer key file: alg must be "EdDSA" or "ES256K-R"');
}
