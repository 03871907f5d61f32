import t from 'tap';
import { loadConfig } from '../server/config/load-config.ts';
import { ConfigError } from '../server/errors.ts';

t.test('defaults', async (tt) => {
  const config = loadConfig({ env: {} });
  tt.equal(config.port, 4000);
  tt.equal(config.host, '127.0.0.1');
  tt.match(config.dataDir, /\/data$/);
  tt.equal(config.databaseUrl, undefined);
  tt.equal(config.timestampMaxAge, 6 * 24 * 3600);
  tt.equal(config.aliasMaxAge, 90 * 24 * 3600);
  tt.same(config.identityDidMethods, ['key', 'pkh', 'web']);
  tt.equal(config.siweDomain, '127.0.0.1:4000');
  tt.equal(config.relayExecutorKey, undefined);
  tt.equal(config.publicUrl, 'http://127.0.0.1:4000');
});

t.test('values are read and typed', async (tt) => {
  const config = loadConfig({
    env: { PORT: '8080', DATABASE_URL: 'postgres://u@h:5432/db', RPC_URLS: '{"1":"http://127.0.0.1:8545"}', GRAPHIQL: 'false', DATA_DIR: ':memory:' },
  });
  tt.equal(config.port, 8080);
  tt.equal(config.databaseUrl, 'postgres://u@h:5432/db');
  tt.same(config.rpcUrls, { 1: 'http://127.0.0.1:8545' });
  tt.equal(config.graphiql, false);
  tt.equal(config.dataDir, ':memory:');
  const relay = loadConfig({ env: { RELAY_EXECUTOR_KEY: 'ab'.repeat(32), PUBLIC_URL: 'https://vote.example.org/' } });
  tt.equal(relay.relayExecutorKey, `0x${'ab'.repeat(32)}`);
  tt.equal(relay.publicUrl, 'https://vote.example.org');
});

t.test('a bad value is a clear error naming the variable, never echoing a secret', async (tt) => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'eighty' }, /^PORT must be a whole number/],
    [{ PORT: '70000' }, /^PORT must be between 0 and 65535/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL must start with postgres:/],
    [{ DATABASE_URL: 'not a url' }, /^DATABASE_URL is not a valid URL/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of/],
    [{ GRAPHIQL: 'maybe' }, /^GRAPHIQL must be true or false/],
    [{ RPC_URLS: '{"1": 5}' }, /^RPC_URLS: network 1 needs/],
    [{ IDENTITY_DID_METHODS: 'key,btc' }, /^IDENTITY_DID_METHODS must be a comma-separated list of key, pkh, web, ethr/],
    [{ IDENTITY_DID_METHODS: 'key,ethr' }, /^IDENTITY_DID_METHODS includes ethr, which needs an http\(s\) RPC_URLS entry/],
    [{ ETHR_DID_REGISTRIES: '{"31337": "0x12"}' }, /^ETHR_DID_REGISTRIES: network 31337 needs a 0x address/],
    [{ SERVICE_KEY: '0xsecretsecret' }, /^SERVICE_KEY must be a 32-byte hex private key$/],
    [{ RELAY_EXECUTOR_KEY: '0xsecretsecret' }, /^RELAY_EXECUTOR_KEY must be a 32-byte hex private key$/],
    [{ RELAY_INTERVAL_MS: '10' }, /^RELAY_INTERVAL_MS must be between 50/],
    [{ PUBLIC_URL: 'ftp://x' }, /^PUBLIC_URL must start with http:/],
    [{ LLM_BASE_URL: 'ftp://secretsecret' }, /^LLM_BASE_URL: AI base URL must be http\(s\)/],
    [{ LLM_BASE_URL: 'http://127.0.0.1:1/v1', LLM_API_KEY: 'secretsecret', LLM_TIMEOUT_MS: 'soon' }, /^LLM_TIMEOUT_MS must be a whole number/],
    [{ LLM_BASE_URL: 'https://api.example.com/v1', LLM_API_KEY: 'secretsecret', NODE_ENV: 'test' }, /non-loopback/],
    [{ RISK_DEBOUNCE_SECONDS: '-1' }, /^RISK_DEBOUNCE_SECONDS must be a whole number/],
    [{ RISK_LIVE_ANALYZERS: 'many' }, /^RISK_LIVE_ANALYZERS must be a whole number/],
    [{ RISK_LIVE_ANALYZER_VOTES: '-5' }, /^RISK_LIVE_ANALYZER_VOTES must be a whole number/],
  ];
  for (const [env, message] of cases) {
    tt.throws(() => loadConfig({ env }), ConfigError, Object.keys(env)[0]);
    try {
      loadConfig({ env });
    } catch (error) {
      tt.match((error as Error).message, message);
      tt.notMatch((error as Error).message, /secretsecret/);
    }
  }
});

t.test('the LLM endpoint: off without LLM_BASE_URL, typed with it, the key kept out of serialisation', async (tt) => {
  tt.equal(loadConfig({ env: {} }).llm, undefined);
  tt.equal(loadConfig({ env: {} }).riskDebounceSeconds, 30);
  tt.equal(loadConfig({ env: {} }).riskLiveAnalyzers, 200);
  tt.equal(loadConfig({ env: { RISK_LIVE_ANALYZERS: '0' } }).riskLiveAnalyzers, 0);
  tt.equal(loadConfig({ env: {} }).riskLiveAnalyzerVotes, 500_000);
  const config = loadConfig({
    env: { LLM_BASE_URL: 'http://127.0.0.1:11434/v1', LLM_API_KEY: 'sk-secretsecret', LLM_MODEL: 'llama3', LLM_TIMEOUT_MS: '15000', LLM_MAX_RETRIES: '2', RISK_INTERVAL_MS: '1000' },
  });
  tt.match(config.llm, { baseURL: 'http://127.0.0.1:11434/v1', model: 'llama3', timeoutMs: 15000, retries: 2 });
  tt.equal(config.llm!.apiKey, 'sk-secretsecret', 'the client can read the key');
  tt.notMatch(JSON.stringify(config), /secretsecret/, 'serialising the configuration does not reveal it');
  tt.equal(config.riskIntervalMs, 1000);
});
