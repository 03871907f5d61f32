/** `npm run migrate`: applies pending migrations to the configured database and exits. */
import { loadConfig } from '../config/load-config.ts';
import { openDatabase } from './open-database.ts';

const config = loadConfig();
const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
try {
  await database.migrate();
  console.log(`migrations applied (${database.driver})`);
} finally {
  await database.close();
}
