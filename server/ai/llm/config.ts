/** LLM endpoint configuration: explicit values only (never the SDK's implicit environment variables). */

export type LlmConfig = {
  baseURL: string;
  apiKey: string;
  model: string;
  timeoutMs: number;
  retries: number;
  /** Untrusted text (proposal bodies, reasons) is cut to this many characters. */
  maxInputChars?: number;
  maxTokens?: number;
  /** Consecutive failures after which the endpoint is skipped for `breakerMs`. */
  breakerFailures?: number;
  breakerMs?: number;
};

export class LlmConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LlmConfigError';
  }
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * Reads AI_ENABLED, AI_BASE_URL, AI_API_KEY, AI_MODEL, AI_TIMEOUT_MS, AI_MAX_RETRIES; undefined when disabled
 * or without a base URL. With NODE_ENV=test a non-loopback base URL is refused.
 */
export function llmConfigFromEnv(env: Record<string, string | undefined>): LlmConfig | undefined {
  if (env.AI_ENABLED !== undefined && !['1', 'true', 'yes'].includes(env.AI_ENABLED.toLowerCase())) return undefined;
  if (!env.AI_BASE_URL) return undefined;
  const config: LlmConfig = {
    baseURL: env.AI_BASE_URL,
    apiKey: env.AI_API_KEY || 'local-placeholder',
    model: env.AI_MODEL || 'local-model',
    timeoutMs: Number(env.AI_TIMEOUT_MS ?? 20000),
    retries: Number(env.AI_MAX_RETRIES ?? 1),
  };
  checkConfig(config, env.NODE_ENV);
  return config;
}

/** Validates a configuration; in tests only loopback endpoints are allowed. */
export function checkConfig(config: LlmConfig, nodeEnv?: string): void {
  let url: URL;
  try {
    url = new URL(config.baseURL);
  } catch {
    throw new LlmConfigError('AI base URL is not a URL');
  }
  if (!/^https?:$/.test(url.protocol)) throw new LlmConfigError('AI base URL must be http(s)');
  if (nodeEnv === 'test' && !LOOPBACK.has(url.hostname)) throw new LlmConfigError('non-loopback AI endpoint refused in tests');
  if (!(config.timeoutMs > 0) || !(config.retries >= 0)) throw new LlmConfigError('AI timeout and retries must be positive');
}
