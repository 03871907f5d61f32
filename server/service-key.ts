/** The service key: signs receipts and decisions. From config, a file, or generated once and kept. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { computeAddress } from '@ethersproject/transactions';
import sha3 from 'js-sha3';
import secp256k1 from 'secp256k1';
import { ConfigError } from './errors.ts';

export type ServiceKey = {
  /** Checksummed address of the key. */
  address: string;
  /** EIP-191 personal_sign of a text message, as a 65-byte hex signature. */
  signMessage(text: string): string;
  /** Signs a 32-byte digest, as a 65-byte hex signature with v = 27/28. */
  signDigest(digest: string): string;
};

export type LoadServiceKeyParameters = {
  serviceKey?: string | undefined;
  serviceKeyFile?: string | undefined;
  dataDir: string;
};

/** Loads the service key, generating `<dataDir>/service.key` (mode 0600) on first start if none is configured. */
export function loadServiceKey({ serviceKey, serviceKeyFile, dataDir }: LoadServiceKeyParameters): ServiceKey {
  if (serviceKey) return createServiceKey(serviceKey);
  if (serviceKeyFile) return createServiceKey(readKeyFile(serviceKeyFile));
  if (dataDir === ':memory:') return createServiceKey(`0x${crypto.randomBytes(32).toString('hex')}`);
  const file = path.join(dataDir, 'service.key');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const key = `0x${crypto.randomBytes(32).toString('hex')}\n`;
    // 'wx' never overwrites a key another process created meanwhile.
    try {
      fs.writeFileSync(file, key, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return createServiceKey(readKeyFile(file));
}

function readKeyFile(file: string): string {
  const raw = fs.readFileSync(file, 'utf8').trim();
  const key = raw.startsWith('0x') ? raw : `0x${raw}`;
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new ConfigError(`${file} does not hold a 32-byte hex private key`);
  return key;
}

const { keccak_256 } = sha3;

/** EIP-191 personal-message digest of a text, without ethers' generic byte conversions (hot path). */
function personalMessageDigest(text: string): string {
  const body = Buffer.from(text, 'utf8');
  return `0x${keccak_256(Buffer.concat([Buffer.from(`\x19Ethereum Signed Message:\n${body.length}`, 'utf8'), body]))}`;
}

/** The hex private key of each service key, kept off the object (which is passed around widely). */
const secrets = new WeakMap<ServiceKey, string>();

/** The hex private key behind `serviceKey`, for the worker threads that sign with it. */
export function exportServiceKey(serviceKey: ServiceKey): string | undefined {
  return secrets.get(serviceKey);
}

/** Wraps a hex private key. */
export function createServiceKey(privateKeyHex: string): ServiceKey {
  const privateKey = Buffer.from(privateKeyHex.slice(2), 'hex');
  if (!secp256k1.privateKeyVerify(privateKey)) throw new ConfigError('the service key is not a valid secp256k1 key');
  const signDigest = (digest: string): string => {
    const { signature, recid } = secp256k1.ecdsaSign(Buffer.from(digest.slice(2), 'hex'), privateKey);
    return `0x${Buffer.from(signature).toString('hex')}${(27 + recid).toString(16)}`;
  };
  const serviceKey: ServiceKey = {
    address: computeAddress(privateKey),
    signDigest,
    signMessage: (text) => signDigest(personalMessageDigest(text)),
  };
  secrets.set(serviceKey, privateKeyHex);
  return serviceKey;
}
