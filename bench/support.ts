/** Shared benchmark helpers: a service in its own process, fast pre-signed votes, and load from autocannon. */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { _TypedDataEncoder } from '@ethersproject/hash';
import { computeAddress } from '@ethersproject/transactions';
import secp256k1 from 'secp256k1';
import { MESSAGE_TYPES, SNAPSHOT_DOMAIN, type MessageKind } from '../schema/eip712.ts';
import { createPostgresDatabase } from '../test/support/database.ts';

export type Service = { url: string; process: ChildProcess; stop(): Promise<void> };

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A fresh database on the local PostgreSQL server; returns its URL and a drop function. */
export function freshPostgres(serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres') {
  return createPostgresDatabase(serverUrl, 'conclave_bench');
}

/**
 * Starts `npm start`'s entry point (or another `entry`) in a child process and waits until it answers.
 * With BENCH_CPU_PROF=DIR the service writes a V8 CPU profile into DIR when it stops.
 */
export async function startService(env: Record<string, string>, entry = 'server/main.ts'): Promise<Service> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'conclave-bench-'));
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF)}`] : [];
  const child = spawn(process.execPath, [...profile, entry], {
    cwd: path.resolve(import.meta.dirname, '..'),
    env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      if (attempt > 300) throw new Error('service did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    url,
    process: child,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type Key = { address: string; privateKey: Buffer };

/** Random keys (fast: no wallet objects). */
export function randomKeys(count: number): Key[] {
  return Array.from({ length: count }, () => {
    let privateKey: Buffer;
    do privateKey = crypto.randomBytes(32);
    while (!secp256k1.privateKeyVerify(privateKey));
    return { privateKey, address: computeAddress(privateKey) };
  });
}

/** Signs a message of `kind` as Snapshot clients do, with the native signer (fast enough to pre-make 10^5). */
export function signEnvelope(key: Key, kind: MessageKind, message: Record<string, unknown>): string {
  const { primaryType, fields } = MESSAGE_TYPES[kind];
  const types = { [primaryType]: fields };
  const full: Record<string, unknown> = { from: key.address, ...message };
  const ordered = Object.fromEntries(fields.map((field) => [field.name, full[field.name]]));
  const digest = _TypedDataEncoder.hash(SNAPSHOT_DOMAIN, types, ordered);
  const { signature, recid } = secp256k1.ecdsaSign(Buffer.from(digest.slice(2), 'hex'), key.privateKey);
  const sig = `0x${Buffer.from(signature).toString('hex')}${(27 + recid).toString(16)}`;
  return JSON.stringify({ address: key.address, sig, data: { domain: SNAPSHOT_DOMAIN, types, message: ordered } });
}

/** Signed settings creating bench.eth, where anyone votes with one ticket. */
export function spaceBody(controller: Key): string {
  return signEnvelope(controller, 'settings', {
    space: 'bench.eth',
    timestamp: Math.floor(Date.now() / 1000),
    settings: JSON.stringify({ name: 'Bench', strategies: [{ name: 'ticket', params: {} }] }),
  });
}

/** A signed single-choice proposal in bench.eth, open from a minute ago for a day. */
export function proposalBody(controller: Key, title: string): string {
  const now = Math.floor(Date.now() / 1000);
  return signEnvelope(controller, 'proposal', {
    space: 'bench.eth', timestamp: now, type: 'single-choice', title, body: '', discussion: '',
    choices: ['For', 'Against', 'Abstain'], labels: [], start: now - 60, end: now + 86_400, snapshot: 1,
    plugins: '{}', privacy: '', app: '',
  });
}

/** `count` signed votes on `proposal` in bench.eth, each from a new key. */
export function voteBodies(proposal: string, count: number): string[] {
  const now = Math.floor(Date.now() / 1000);
  return randomKeys(count).map((key, index) =>
    signEnvelope(key, 'vote', { space: 'bench.eth', timestamp: now, proposal, choice: (index % 3) + 1, reason: '', app: 'bench', metadata: '{}' }),
  );
}

/** POSTs one body and fails loudly if refused. */
export async function postOk(url: string, body: string): Promise<{ id: string }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const json = (await response.json()) as { id: string };
  if (!response.ok) throw new Error(`refused: ${JSON.stringify(json)}`);
  return json;
}

export type LoadResult = { requestsPerSecond: number; p50: number; p99: number; errors: number; non2xx: number; total: number };

/**
 * Sends every body once, `connections` at a time (optionally capped at `rate` requests/s). The rate is over the
 * time from the start to the last response: autocannon resolves only at its next 1-second sampling tick, which
 * would add up to a second to a run of a few seconds and flatten every difference measured with it.
 */
export async function fire(url: string, bodies: string[], connections: number, rate?: number): Promise<LoadResult> {
  let next = 0;
  const started = process.hrtime.bigint();
  let last = started;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections,
        amount: bodies.length,
        overallRate: rate,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        requests: [{ setupRequest: (request: Record<string, unknown>) => ({ ...request, body: bodies[next++ % bodies.length] }) }],
      } as unknown as autocannon.Options,
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    instance.on('response', () => {
      last = process.hrtime.bigint();
    });
  });
  const seconds = Number(last - started) / 1e9;
  return {
    requestsPerSecond: result.requests.total / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
    total: result.requests.total,
  };
}

/** POSTs the same body (or a new one from `body()` per request) for `seconds`. */
export async function hammer(url: string, body: string | (() => string), connections: number, seconds: number) {
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    ...(typeof body === 'string'
      ? { body }
      : { requests: [{ setupRequest: (request: Record<string, unknown>) => ({ ...request, body: body() }) }] }),
  } as autocannon.Options);
  return { requestsPerSecond: result.requests.average, total: result.requests.total, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors };
}

/** Prints a figure with its ratio to a reference or a target. */
export function report(label: string, value: number, unit: string, reference: number, referenceLabel: string) {
  console.log(`${label.padEnd(58)} ${value.toFixed(value < 100 ? 1 : 0).padStart(8)} ${unit.padEnd(8)} ${(value / reference).toFixed(2)}x ${referenceLabel}`);
}

/**
 * CPU time (user + system, ms) a process has used so far, from /proc/PID/stat; 0 when it is gone.
 * With `thread`, that thread's alone (/proc/PID/task/TID/stat; the main thread's TID is the PID).
 */
export function processCpuMs(pid: number, thread?: number): number {
  try {
    const stat = fs.readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state; utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Linux's USER_HZ: the unit of /proc CPU times (100 on every mainstream kernel). */
const CLOCK_TICKS = 100;

/** The server processes (backends) of the database at `url`: their CPU is the SQL's cost. */
export async function backendPids(url: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    return rows.map((row) => row.pid);
  } finally {
    await client.end();
  }
}

/** Total CPU (ms) of a set of processes. */
export function cpuOf(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + processCpuMs(pid), 0);
}
