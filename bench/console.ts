/**
 * The web console's weight and first paint: gzipped size of what a first visit downloads (page, JS, CSS)
 * against the 300 kB target, and first contentful paint of `/` in headless Chromium against a service
 * in its own process (median of cold loads, each in a fresh browser context).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { buildConsole } from '../scripts/build-console.ts';
import { launchBrowser } from '../test/support/browser.ts';
import { startTestServer } from '../test/support/server.ts';

const TARGET_KB = 300;
const LOADS = 7;

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'conclave-console-bench-'));
const { files } = await buildConsole({ outdir: path.join(outdir, 'dist') });
let raw = 0;
let gzipped = 0;
for (const file of files) {
  const body = fs.readFileSync(path.join(outdir, 'dist', file));
  raw += body.length;
  gzipped += zlib.gzipSync(body, { level: 9 }).length;
  console.log(`  ${file}: ${(body.length / 1024).toFixed(1)} kB, ${(zlib.gzipSync(body, { level: 9 }).length / 1024).toFixed(1)} kB gzipped`);
}
fs.rmSync(outdir, { recursive: true, force: true });
console.log(`console bundle: ${(raw / 1024).toFixed(1)} kB raw, ${(gzipped / 1024).toFixed(1)} kB gzipped (target ≤ ${TARGET_KB} kB): ${gzipped / 1024 <= TARGET_KB ? 'within' : 'OVER'} target`);

// The service serves console/dist: build it there so the paint measures the current source.
await buildConsole();
const service = await startTestServer();
const browser = await launchBrowser();
try {
  const paints: number[] = [];
  const loaded: number[] = [];
  for (let i = 0; i < LOADS; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${service.url}/`);
    await page.getByRole('heading', { name: 'Spaces', level: 1 }).waitFor();
    const timing = (await page.evaluate(`(() => {
      const paint = performance.getEntriesByName('first-contentful-paint')[0];
      const nav = performance.getEntriesByType('navigation')[0];
      return { fcp: paint ? paint.startTime : null, load: nav ? nav.loadEventEnd : null };
    })()`)) as { fcp: number | null; load: number | null };
    if (timing.fcp !== null) paints.push(timing.fcp);
    if (timing.load !== null) loaded.push(timing.load);
    await context.close();
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
  console.log(`first contentful paint of /: median ${median(paints).toFixed(0)} ms over ${paints.length} cold loads (load event ${median(loaded).toFixed(0)} ms)`);
} finally {
  await browser.close();
  await service.close();
}
