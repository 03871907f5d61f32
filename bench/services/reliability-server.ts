/** The service as `server/main.ts` starts it, except that BENCH_HASH_CHAIN=off leaves the log unchained (benchmark only). */
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config/load-config.ts';
import { openDatabase } from '../../server/db/open-database.ts';
import { loadServiceKey } from '../../server/service-key.ts';

const config = loadConfig();
const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
await database.migrate();
const app = await buildApp({ config, database, serviceKey: loadServiceKey(config), hashChain: process.env.BENCH_HASH_CHAIN !== 'off' });
process.on('SIGTERM', async () => {
  await app.close();
  await database.close();
  process.exit(0);
});
await app.listen({ port: config.port, host: config.host });
