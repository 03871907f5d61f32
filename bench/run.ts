/** `npm run bench`: runs every benchmark in bench/ one after another, each in its own process (bench/services/ holds the service variants they start). */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const here = import.meta.dirname;
const only = process.argv.slice(2);
const benches = fs
  .readdirSync(here)
  .filter((file) => file.endsWith('.ts') && !['run.ts', 'support.ts'].includes(file))
  .filter((file) => only.length === 0 || only.some((name) => file.startsWith(name)))
  .sort();
let failed = 0;
for (const file of benches) {
  console.log(`\n## ${file}`);
  const { status } = spawnSync(process.execPath, [path.join(here, file)], { stdio: 'inherit' });
  if (status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
