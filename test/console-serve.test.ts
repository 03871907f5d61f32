import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { buildConsole } from '../scripts/build-console.ts';
import { CONSOLE_CSP } from '../server/console/plugin.ts';
import { startTestServer } from './support/server.ts';

// The console is served by the service: a fresh build in a temporary directory, so the test checks what
// scripts/build-console.ts produces now.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'conclave-console-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const { files } = await buildConsole({ outdir: path.join(dir, 'dist') });
const [, js, css] = files;

t.test('a browser gets the page at /, API clients keep the service info', async (tt) => {
  const server = await startTestServer({}, { consoleDir: path.join(dir, 'dist') });
  tt.teardown(() => server.close());
  const page = await fetch(`${server.url}/`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
  tt.equal(page.status, 200);
  tt.match(page.headers.get('content-type'), /^text\/html/);
  tt.equal(page.headers.get('cache-control'), 'no-cache', 'the page is revalidated, so a new build shows at once');
  tt.equal(page.headers.get('content-security-policy'), CONSOLE_CSP);
  const html = await page.text();
  tt.match(html, `/console/${js}`);
  tt.match(html, `/console/${css}`);

  const info = await fetch(`${server.url}/`);
  tt.match(info.headers.get('content-type'), /^application\/json/);
  tt.match(await info.json(), { name: 'conclave', relayer: server.app.serviceKey.address });

  const bundle = await fetch(`${server.url}/console/${js}`, { headers: { 'accept-encoding': 'gzip' } });
  tt.equal(bundle.status, 200);
  tt.match(bundle.headers.get('content-type'), /^text\/javascript/);
  tt.equal(bundle.headers.get('cache-control'), 'public, max-age=31536000, immutable', 'hashed names are cached for good');
  tt.equal(bundle.headers.get('content-encoding'), 'gzip');
  tt.equal(await bundle.text(), fs.readFileSync(path.join(dir, 'dist', js), 'utf8'), 'gzip is decoded to the built file');
  tt.equal((await fetch(`${server.url}/console/${css}`)).headers.get('content-type'), 'text/css; charset=utf-8');
  tt.equal((await fetch(`${server.url}/console/nope.js`)).status, 404);
  tt.equal((await fetch(`${server.url}/console/..%2Fpackage.json`)).status, 404, 'only files of the build are served');
});

t.test('without a build, a browser is told how to build it', async (tt) => {
  const server = await startTestServer({}, { consoleDir: path.join(dir, 'missing') });
  tt.teardown(() => server.close());
  const page = await fetch(`${server.url}/`, { headers: { accept: 'text/html' } });
  tt.equal(page.status, 503);
  tt.match(await page.text(), /npm run build:console/);
  tt.equal((await fetch(`${server.url}/`)).status, 200, 'the service itself is up');
});
