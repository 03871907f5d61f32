import fs from 'node:fs';
import t from 'tap';
import { parse } from 'yaml';
import { startTestServer } from './support/server.ts';

// openapi.yaml documents exactly the routes the service serves.
const server = await startTestServer();
t.teardown(() => server.close());

const spec = parse(fs.readFileSync(new URL('../openapi.yaml', import.meta.url), 'utf8')) as {
  paths: Record<string, Record<string, unknown>>;
};
const documented = Object.entries(spec.paths)
  .flatMap(([path, operations]) =>
    Object.keys(operations).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
  )
  .sort();
const served = [...new Set(server.app.routeList)].sort();

t.same(served.filter((route) => !documented.includes(route)), [], 'every served route is documented');
t.same(documented.filter((route) => !served.includes(route)), [], 'every documented route is served');
