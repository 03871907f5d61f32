/** Typed configuration from environment variables, with defaults and a clear error on a bad value. */
import path from 'node:path';
import { ConfigError } from '../errors.ts';

export type Config = {
  port: number;
  host: string;
  /** Directory of the embedded database and generated keys. */
  dataDir: string;
  /** PostgreSQL server URL; when absent the embedded PGlite database in `dataDir` is used. */
  databaseUrl: string | undefined;
  /** Hex private key of the service (receipts, decisions), or a file holding it. */
  serviceKey: string | undefined;
  serviceKeyFile: string | undefined;
  logLevel: string;
  /** Accepted message age and lead, in seconds (Snapshot: 6 days back, 5 minutes ahead). */
  timestampMaxAge: number;
  timestampMaxLead: number;
  /** How long an alias authorises its session key, in seconds. */
  aliasMaxAge: number;
  graphiql: boolean;
  /** JSON-RPC endpoint per network id, e.g. {"1": "https://…"}. */
  rpcUrls: Record<string, string>;
  /** Seconds after a proposal's end before its decision, so votes in flight land first. */
  decisionSettleSeconds: number;
  /** How often ended proposals are swept for decisions, in milliseconds. */
  finalizeIntervalMs: number;
  /** Signature recovery: native libsecp256k1, or pure JS for platforms without the binding. */
  signatureBackend: 'native' | 'js';
  /** DID methods accepted for credential issuers: `key` and `pkh` resolve offline, `web` fetches over HTTPS. */
  identityDidMethods: string[];
  /** The domain a Sign-In with Ethereum message must name (pinned: a message signed for another site is refused). */
  siweDomain: string;
};

export type LoadConfigParameters = { env?: NodeJS.ProcessEnv };

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads the service configuration from the environment. */
export function loadConfig({ env = process.env }: LoadConfigParameters = {}): Config {
  const dataDir = str(env, 'DATA_DIR', './data');
  return {
    port: int(env, 'PORT', 4000, 0, 65535),
    host: str(env, 'HOST', '127.0.0.1'),
    dataDir: dataDir === ':memory:' ? dataDir : path.resolve(dataDir),
    databaseUrl: optionalUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    serviceKey: optionalHexKey(env, 'SERVICE_KEY'),
    serviceKeyFile: env.SERVICE_KEY_FILE || undefined,
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', LOG_LEVELS),
    timestampMaxAge: int(env, 'TIMESTAMP_MAX_AGE', 6 * 24 * 3600, 60, 365 * 24 * 3600),
    timestampMaxLead: int(env, 'TIMESTAMP_MAX_LEAD', 300, 0, 24 * 3600),
    aliasMaxAge: int(env, 'ALIAS_MAX_AGE', 90 * 24 * 3600, 60, 10 * 365 * 24 * 3600),
    graphiql: bool(env, 'GRAPHIQL', env.NODE_ENV !== 'production'),
    rpcUrls: jsonRecord(env, 'RPC_URLS'),
    decisionSettleSeconds: int(env, 'DECISION_SETTLE_SECONDS', 60, 0, 3600),
    finalizeIntervalMs: int(env, 'FINALIZE_INTERVAL_MS', 5000, 100, 3_600_000),
    signatureBackend: oneOf(env, 'SIGNATURE_BACKEND', 'native', ['native', 'js']) as 'native' | 'js',
    identityDidMethods: list(env, 'IDENTITY_DID_METHODS', ['key', 'pkh', 'web'], ['key', 'pkh', 'web']),
    siweDomain: str(env, 'SIWE_DOMAIN', `${str(env, 'HOST', '127.0.0.1')}:${str(env, 'PORT', '4000')}`),
  };
}

function list(env: NodeJS.ProcessEnv, name: string, fallback: string[], allowed: string[]): string[] {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const values = raw.split(',').map((value) => value.trim()).filter((value) => value !== '');
  const wrong = values.find((value) => !allowed.includes(value));
  if (wrong !== undefined || values.length === 0) {
    throw new ConfigError(`${name} must be a comma-separated list of ${allowed.join(', ')}, got "${raw}"`);
  }
  return [...new Set(values)];
}

function str(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const value = env[name];
  return value === undefined || value === '' ? fallback : value;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function oneOf(env: NodeJS.ProcessEnv, name: string, fallback: string, allowed: string[]): string {
  const value = str(env, name, fallback);
  if (!allowed.includes(value)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value;
}

function optionalUrl(env: NodeJS.ProcessEnv, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(`${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  return raw;
}

function optionalHexKey(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const key = raw.startsWith('0x') ? raw : `0x${raw}`;
  // The value is a secret: the error never repeats it.
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new ConfigError(`${name} must be a 32-byte hex private key`);
  return key;
}

function jsonRecord(env: NodeJS.ProcessEnv, name: string): Record<string, string> {
  const raw = env[name];
  if (raw === undefined || raw === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(`${name} must be a JSON object of network id to URL`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`${name} must be a JSON object of network id to URL`);
  }
  for (const [network, url] of Object.entries(parsed)) {
    if (typeof url !== 'string' || !/^(https?|wss?):\/\//.test(url)) {
      throw new ConfigError(`${name}: network ${network} needs an http(s) or ws(s) URL`);
    }
  }
  return parsed as Record<string, string>;
}
