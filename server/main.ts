/** `npm start`: loads config, opens and migrates the database, serves, and shuts down gracefully. */
import { buildApp } from './app.ts';
import { loadConfig } from './config/load-config.ts';
import { openDatabase } from './db/open-database.ts';
import { limitHeapGrowth } from './config/limit-heap-growth.ts';
import { ConfigError } from './errors.ts';
import { useSignatureBackend } from './ingest/recover-signer.ts';
import { backfillChain } from './log/backfill-chain.ts';
import { loadServiceKey } from './service-key.ts';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`conclave: configuration error: ${error.message}`);
    process.exit(78);
  }
  throw error;
}

limitHeapGrowth({ percent: config.heapGrowingPercent });
useSignatureBackend(config.signatureBackend);
const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
await database.migrate();
const readDatabase = config.databaseReadUrl ? await openDatabase({ databaseUrl: config.databaseReadUrl }) : undefined;
const serviceKey = loadServiceKey(config);
const app = await buildApp({ config, database, readDatabase, serviceKey });
// Entries from before the hash chain get theirs once; a no-op afterwards.
const chained = await backfillChain(database.db);
if (chained > 0) app.log.info({ entries: chained }, 'hash-chained the entries written before the chain existed');

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  app.log.info({ signal }, 'shutting down');
  const timer = setTimeout(() => {
    app.log.error('shutdown took too long, exiting');
    process.exit(1);
  }, 10_000);
  timer.unref();
  await app.close();
  await readDatabase?.close();
  await database.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

await app.listen({ port: config.port, host: config.host });
app.log.info(
  { database: database.driver === 'pg' ? 'postgresql' : `pglite (${config.dataDir})`, relayer: serviceKey.address },
  'conclave ready',
);
