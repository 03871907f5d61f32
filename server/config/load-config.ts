/** Typed configuration from environment variables, with defaults and a clear error on a bad value. */
import fs from 'node:fs';
import path from 'node:path';
import { checkConfig, LlmConfigError, type LlmConfig } from '../ai/llm/config.ts';
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
  /** Worker threads recovering ingest signatures; 0 recovers on the main thread. */
  signatureWorkers: number;
  /**
   * How far V8 lets the old generation grow past the live heap before the next full GC, in percent (V8's
   * `--heap-growing-percent`); 0 leaves V8's own factor, up to 4x the live heap on a machine with ≥ 2 GB of heap limit.
   */
  heapGrowingPercent: number;
  /**
   * DID methods accepted for credential issuers: `key` and `pkh` resolve offline, `web` fetches over HTTPS,
   * `ethr` reads the ERC-1056 registry through RPC_URLS.
   */
  identityDidMethods: string[];
  /** did:ethr: ERC-1056 registry per network id where it is not the default deployment (e.g. a local chain). */
  ethrDidRegistries: Record<string, string>;
  /** The domain a Sign-In with Ethereum message must name (pinned: a message signed for another site is refused). */
  siweDomain: string;
  /** PostgreSQL URL for GraphQL reads (a replica); writes and event details use `databaseUrl`. */
  databaseReadUrl: string | undefined;
  /** Redis URL: cross-instance events go through Redis pub/sub instead of PostgreSQL LISTEN/NOTIFY. */
  redisUrl: string | undefined;
  /** Operator key for the webhook administration routes (`authorization: Bearer <key>`); unset = disabled. */
  adminApiKey: string | undefined;
  /** Signer relay: hex private key that executes confirmed Safe transactions where a space enables it (secret). */
  relayExecutorKey: string | undefined;
  /** Signer relay: how often new decisions are queued, in milliseconds. */
  relayIntervalMs: number;
  /** Signer relay: how often open Safe transactions are checked against the chain, in milliseconds. */
  relayWatchIntervalMs: number;
  /** The service's public base URL (links in Safe transactions' `origin`); default from HOST and PORT. */
  publicUrl: string;
  /** How often open proposals are swept for risk reports to recompute, in milliseconds. */
  riskIntervalMs: number;
  /** A proposal's risk report is recomputed at most once per this many seconds. */
  riskDebounceSeconds: number;
  /** Open proposals whose incremental risk analyzer an instance keeps in memory (least recently used dropped); 0 disables. */
  riskLiveAnalyzers: number;
  /** Most vote versions those analyzers hold together (least recently used dropped past it). */
  riskLiveAnalyzerVotes: number;
  /** OpenAI-compatible endpoint of the advisory LLM layer; undefined without LLM_BASE_URL (deterministic text). */
  llm: LlmConfig | undefined;
  /** Seconds between signed checkpoints of the log head; 0: none. */
  checkpointInterval: number;
  /** Requests per IP (or per API key, at its own quota) per window; 0: no limit. */
  rateLimitMax: number;
  /** Signed messages per signer address per window; 0: no limit. */
  rateLimitSignerMax: number;
  /** The rate-limit window, in seconds. */
  rateLimitWindow: number;
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
  realtime: RealtimeConfig;
};

/** Subscriptions, background jobs and webhooks. */
export type RealtimeConfig = {
  /** Active subscriptions one websocket may hold. */
  maxSubscriptionsPerConnection: number;
  /** Events queued for one subscription before its client is dropped as too slow. */
  maxQueuedEvents: number;
  /** Bytes the websocket may have unsent before its client is dropped as too slow. */
  maxBufferedBytes: number;
  /** Background jobs run in this instance (off: the instance only serves). */
  jobs: boolean;
  /** How often a job worker polls for due jobs, in seconds. */
  jobPollSeconds: number;
  /** First webhook retry delay in ms; each retry doubles it, up to `webhookRetryMaxMs`. */
  webhookRetryBaseMs: number;
  webhookRetryMaxMs: number;
  /** How long a delivery is retried before it is marked failed, in seconds (at least 24 h by default). */
  webhookRetryWindowSeconds: number;
  /** Time allowed for one delivery attempt, in ms. */
  webhookTimeoutMs: number;
};

export type LoadConfigParameters = { env?: NodeJS.ProcessEnv };

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads the service configuration from the environment. */
export function loadConfig({ env = process.env }: LoadConfigParameters = {}): Config {
  const dataDir = str(env, 'DATA_DIR', './data');
  const port = int(env, 'PORT', 4000, 0, 65535);
  const host = str(env, 'HOST', '127.0.0.1');
  const config: Config = {
    port,
    host,
    dataDir: dataDir === ':memory:' ? dataDir : path.resolve(dataDir),
    databaseUrl: optionalUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    serviceKey: optionalHexKey(env, 'SERVICE_KEY'),
    serviceKeyFile: env.SERVICE_KEY_FILE || undefined,
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', LOG_LEVELS),
    timestampMaxAge: int(env, 'TIMESTAMP_MAX_AGE', 6 * 24 * 3600, 60, 365 * 24 * 3600),
    timestampMaxLead: int(env, 'TIMESTAMP_MAX_LEAD', 300, 0, 24 * 3600),
    aliasMaxAge: int(env, 'ALIAS_MAX_AGE', 90 * 24 * 3600, 60, 10 * 365 * 24 * 3600),
    graphiql: bool(env, 'GRAPHIQL', env.NODE_ENV !== 'production'),
    rpcUrls: networkRecord(env, 'RPC_URLS', URL_VALUE),
    decisionSettleSeconds: int(env, 'DECISION_SETTLE_SECONDS', 60, 0, 3600),
    finalizeIntervalMs: int(env, 'FINALIZE_INTERVAL_MS', 5000, 100, 3_600_000),
    signatureBackend: oneOf(env, 'SIGNATURE_BACKEND', 'native', ['native', 'js']) as 'native' | 'js',
    signatureWorkers: int(env, 'SIGNATURE_WORKERS', 1, 0, 64),
    heapGrowingPercent: int(env, 'HEAP_GROWING_PERCENT', 50, 0, 1000),
    identityDidMethods: list(env, 'IDENTITY_DID_METHODS', ['key', 'pkh', 'web'], ['key', 'pkh', 'web', 'ethr']),
    ethrDidRegistries: networkRecord(env, 'ETHR_DID_REGISTRIES', ADDRESS_VALUE),
    siweDomain: str(env, 'SIWE_DOMAIN', `${str(env, 'HOST', '127.0.0.1')}:${str(env, 'PORT', '4000')}`),
    databaseReadUrl: optionalUrl(env, 'DATABASE_READ_URL', ['postgres:', 'postgresql:']),
    redisUrl: optionalUrl(env, 'REDIS_URL', ['redis:', 'rediss:']),
    adminApiKey: optionalSecret(env, 'ADMIN_API_KEY'),
    realtime: {
      maxSubscriptionsPerConnection: int(env, 'SUBSCRIPTIONS_PER_CONNECTION', 20, 1, 1000),
      maxQueuedEvents: int(env, 'SUBSCRIPTION_MAX_QUEUE', 1000, 1, 1_000_000),
      maxBufferedBytes: int(env, 'SUBSCRIPTION_MAX_BUFFERED_BYTES', 1024 * 1024, 1024, 1024 * 1024 * 1024),
      jobs: bool(env, 'JOBS', true),
      jobPollSeconds: int(env, 'JOB_POLL_SECONDS', 2, 1, 600),
      webhookRetryBaseMs: int(env, 'WEBHOOK_RETRY_BASE_MS', 30_000, 1, 24 * 3600 * 1000),
      webhookRetryMaxMs: int(env, 'WEBHOOK_RETRY_MAX_MS', 6 * 3600 * 1000, 1, 7 * 24 * 3600 * 1000),
      webhookRetryWindowSeconds: int(env, 'WEBHOOK_RETRY_WINDOW_SECONDS', 25 * 3600, 1, 30 * 24 * 3600),
      webhookTimeoutMs: int(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
    },
    relayExecutorKey: optionalHexKey(env, 'RELAY_EXECUTOR_KEY'),
    relayIntervalMs: int(env, 'RELAY_INTERVAL_MS', 500, 50, 3_600_000),
    relayWatchIntervalMs: int(env, 'RELAY_WATCH_INTERVAL_MS', 5000, 50, 3_600_000),
    publicUrl: (optionalUrl(env, 'PUBLIC_URL', ['http:', 'https:']) ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, ''),
    riskIntervalMs: int(env, 'RISK_INTERVAL_MS', 5000, 100, 3_600_000),
    riskDebounceSeconds: int(env, 'RISK_DEBOUNCE_SECONDS', 30, 0, 86_400),
    riskLiveAnalyzers: int(env, 'RISK_LIVE_ANALYZERS', 200, 0, 100_000),
    riskLiveAnalyzerVotes: int(env, 'RISK_LIVE_ANALYZER_VOTES', 500_000, 0, 1e9),
    llm: llmConfig(env),
    checkpointInterval: int(env, 'CHECKPOINT_INTERVAL', 60, 0, 7 * 24 * 3600),
    rateLimitMax: int(env, 'RATE_LIMIT_MAX', 100_000, 0, 1e9),
    rateLimitSignerMax: int(env, 'RATE_LIMIT_SIGNER_MAX', 10_000, 0, 1e9),
    rateLimitWindow: int(env, 'RATE_LIMIT_WINDOW', 60, 1, 24 * 3600),
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
    corsOrigins: origins(env, 'CORS_ORIGINS', ['*']),
    securityHeaders: bool(env, 'SECURITY_HEADERS', true),
  };
  if (config.databaseReadUrl && !config.databaseUrl) throw new ConfigError('DATABASE_READ_URL needs DATABASE_URL');
  if (config.identityDidMethods.includes('ethr') && !Object.values(config.rpcUrls).some((url) => /^https?:\/\//.test(url))) {
    throw new ConfigError('IDENTITY_DID_METHODS includes ethr, which needs an http(s) RPC_URLS entry for the issuers\' network');
  }
  return config;
}

function optionalSecret(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  // The value is a secret: the error never repeats it.
  if (raw.length < 16) throw new ConfigError(`${name} must be at least 16 characters`);
  return raw;
}

/** LLM_BASE_URL, LLM_API_KEY, LLM_MODEL, LLM_TIMEOUT_MS, LLM_MAX_RETRIES; the key is never echoed in errors. */
function llmConfig(env: NodeJS.ProcessEnv): LlmConfig | undefined {
  const baseURL = env.LLM_BASE_URL;
  if (baseURL === undefined || baseURL === '') return undefined;
  const config: LlmConfig = {
    baseURL,
    // Local servers ignore the key, but the openai client refuses to start without one.
    apiKey: str(env, 'LLM_API_KEY', 'local-placeholder'),
    model: str(env, 'LLM_MODEL', 'local-model'),
    timeoutMs: int(env, 'LLM_TIMEOUT_MS', 20_000, 100, 600_000),
    retries: int(env, 'LLM_MAX_RETRIES', 1, 0, 10),
  };
  try {
    checkConfig(config, env.NODE_ENV);
  } catch (error) {
    if (error instanceof LlmConfigError) throw new ConfigError(`LLM_BASE_URL: ${error.message}`);
    throw error;
  }
  // Keeps the key out of anything that serialises the configuration (logs, error reports).
  Object.defineProperty(config, 'apiKey', { value: config.apiKey, enumerable: false });
  return config;
}

/** A comma-separated list of allowed words. */
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

/** Allowed CORS origins: '*' or full origins; an empty value turns CORS off. */
function origins(env: NodeJS.ProcessEnv, name: string, fallback: string[]): string[] {
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

/** What a network-keyed JSON setting holds: its description in errors and the test each value must pass. */
type NetworkValue = { what: string; needs: string; valid: RegExp };

const URL_VALUE: NetworkValue = { what: 'URL', needs: 'an http(s) or ws(s) URL', valid: /^(https?|wss?):\/\// };
const ADDRESS_VALUE: NetworkValue = { what: 'address', needs: 'a 0x address', valid: /^0x[0-9a-fA-F]{40}$/ };

/** A JSON object of network id to a value (RPC URL, contract address), each checked. */
function networkRecord(env: NodeJS.ProcessEnv, name: string, value: NetworkValue): Record<string, string> {
  const raw = env[name];
  if (raw === undefined || raw === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(`${name} must be a JSON object of network id to ${value.what}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`${name} must be a JSON object of network id to ${value.what}`);
  }
  for (const [network, entry] of Object.entries(parsed)) {
    if (typeof entry !== 'string' || !value.valid.test(entry)) throw new ConfigError(`${name}: network ${network} needs ${value.needs}`);
  }
  return parsed as Record<string, string>;
}
