/**
 * `npm run verify-log [-- --chain-only]`: checks the log of the configured database (DATABASE_URL, or
 * the embedded one in DATA_DIR) from its first entry; exits 1 at the first divergence, 78 on bad config.
 */
import { loadConfig } from '../server/config/load-config.ts';
import { openDatabase } from '../server/db/open-database.ts';
import { ConfigError } from '../server/errors.ts';
import { verifyLog } from '../server/log/verify-log.ts';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`verify-log: configuration error: ${error.message}`);
  process.exit(78);
}
const chainOnly = process.argv.includes('--chain-only');
const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
const started = process.hrtime.bigint();
let outcome;
try {
  outcome = await verifyLog({ db: database.db, config, chainOnly });
} finally {
  await database.close();
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const rate = Math.round(outcome.messages / Math.max(seconds, 1e-9));
if (outcome.ok) {
  const head = outcome.head ? `head mci ${outcome.head.mci} hash ${outcome.head.hash}` : 'empty log';
  const tables = Object.entries(outcome.rows).map(([table, rows]) => `${table} ${rows}`).join(', ');
  console.log(`verify-log: OK: ${outcome.messages} messages (${head}) in ${seconds.toFixed(2)} s, ${rate} messages/s`);
  if (!chainOnly) console.log(`verify-log: derived tables match the replayed log: ${tables}`);
  process.exit(0);
}
const { check, mci, detail } = outcome.divergence!;
console.error(`verify-log: DIVERGENCE (${check}) at ${mci === null ? 'unknown mci' : `mci ${mci}`}: ${detail}`);
console.error(`verify-log: ${outcome.messages} messages before it verified`);
process.exit(1);
