/** Typed configuration from environment variables, with defaults and a clear error on a bad value. */
import fs from 'node:fs';
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
  /** Signature recovery: native libsecp256k1, or pure JS for platforms without the binding. */
  signatureBackend: 'native' | 'js';
  /** Seconds between signed checkpoints of the log head; 0: none. */
  checkpointInterval: number;
  /** Requests per IP (or per API key, at its own quota) per window; 0: no limit. */
  rateLimitMax: number;
  /** Signed messages per signer address per window; 0: no limit. */
  rateLimitSignerMax: number;
  /** The rate-limit window, in seconds. */
  rateLimitWindow: number;
  /** Shared rate-limit store for several instances; in-process when absent. */
  redisUrl: string | undefined;
  /** API key → requests per window (`x-api-key`), from API_KEYS or API_KEYS_FILE (JSON). */
  apiKeys: Record<string, number>;
  /** Trust X-Forwarded-For for the client IP (behind a reverse proxy). */
  trustProxy: boolean;
  /** Largest request body and request header block, in bytes. */
  bodyLimit: number;
  headerLimit: number;
  /** Milliseconds: idle socket, whole request, idle keep-alive connection. */
  connectionTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  /** GraphQL: nesting depth, operations per document, root fields per operation, fields per document. */
  graphqlMaxDepth: number;
  graphqlMaxOperations: number;
  graphqlMaxRootFields: number;
  graphqlMaxComplexity: number;
  /** Proposals one space may receive in the last 24 hours and the last 30 days. */
  proposalLimitDay: number;
  proposalLimitMonth: number;
  /** Allowed CORS origins ('*' for any); an empty list turns CORS headers off. */
  corsOrigins: string[];
  /** Security headers (helmet) on every response. */
  securityHeaders: boolean;
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
    signatureBackend: oneOf(env, 'SIGNATURE_BACKEND', 'native', ['native', 'js']) as 'native' | 'js',
    checkpointInterval: int(env, 'CHECKPOINT_INTERVAL', 60, 0, 7 * 24 * 3600),
    rateLimitMax: int(env, 'RATE_LIMIT_MAX', 100_000, 0, 1e9),
    rateLimitSignerMax: int(env, 'RATE_LIMIT_SIGNER_MAX', 10_000, 0, 1e9),
    rateLimitWindow: int(env, 'RATE_LIMIT_WINDOW', 60, 1, 24 * 3600),
    redisUrl: optionalUrl(env, 'REDIS_URL', ['redis:', 'rediss:']),
    apiKeys: apiKeys(env),
    trustProxy: bool(env, 'TRUST_PROXY', false),
    bodyLimit: int(env, 'BODY_LIMIT', 512 * 1024, 1024, 64 * 1024 * 1024),
    headerLimit: int(env, 'HEADER_LIMIT', 16 * 1024, 1024, 1024 * 1024),
    connectionTimeout: int(env, 'CONNECTION_TIMEOUT', 120_000, 0, 3_600_000),
    requestTimeout: int(env, 'REQUEST_TIMEOUT', 60_000, 0, 3_600_000),
    keepAliveTimeout: int(env, 'KEEP_ALIVE_TIMEOUT', 72_000, 1, 3_600_000),
    graphqlMaxDepth: int(env, 'GRAPHQL_MAX_DEPTH', 5, 1, 100),
    graphqlMaxOperations: int(env, 'GRAPHQL_MAX_OPERATIONS', 5, 1, 1000),
    graphqlMaxRootFields: int(env, 'GRAPHQL_MAX_ROOT_FIELDS', 5, 1, 1000),
    graphqlMaxComplexity: int(env, 'GRAPHQL_MAX_COMPLEXITY', 1000, 1, 1e6),
    proposalLimitDay: int(env, 'PROPOSAL_LIMIT_DAY', 1000, 0, 1e9),
    proposalLimitMonth: int(env, 'PROPOSAL_LIMIT_MONTH', 10_000, 0, 1e9),
    corsOrigins: list(env, 'CORS_ORIGINS', ['*']),
    securityHeaders: bool(env, 'SECURITY_HEADERS', true),
  };
}

function list(env: NodeJS.ProcessEnv, name: string, fallback: string[]): string[] {
  const raw = env[name];
  if (raw === undefined) return fallback;
  const items = raw.split(',').map((item) => item.trim()).filter(Boolean);
  for (const item of items) {
    if (item !== '*' && !/^https?:\/\/[^/\s]+$/.test(item)) {
      throw new ConfigError(`${name} must be '*' or a comma-separated list of origins like https://example.org, got "${item}"`);
    }
  }
  return items;
}

/** API keys are secrets: errors name the variable and the problem, never a key. */
function apiKeys(env: NodeJS.ProcessEnv): Record<string, number> {
  let raw = env.API_KEYS;
  let name = 'API_KEYS';
  if (env.API_KEYS_FILE) {
    name = 'API_KEYS_FILE';
    try {
      raw = fs.readFileSync(env.API_KEYS_FILE, 'utf8');
    } catch {
      throw new ConfigError(`API_KEYS_FILE cannot be read`);
    }
  }
  if (raw === undefined || raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(`${name} must be a JSON object of API key to requests per window`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`${name} must be a JSON object of API key to requests per window`);
  }
  for (const [index, [key, quota]] of Object.entries(parsed).entries()) {
    if (key.length < 16) throw new ConfigError(`${name}: key #${index + 1} is shorter than 16 characters`);
    if (typeof quota !== 'number' || !Number.isSafeInteger(quota) || quota < 1) {
      throw new ConfigError(`${name}: key #${index + 1} needs a whole number of requests per window`);
    }
  }
  return parsed as Record<string, number>;
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
