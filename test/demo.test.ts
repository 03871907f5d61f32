import t from 'tap';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

// `npm run demo` start to finish, as a newcomer runs it (its own chain, service and embedded database; the
// demo ignores DATABASE_URL, so this is the same run on PGlite and under a PostgreSQL DATABASE_URL).
const root = path.resolve(import.meta.dirname, '..');

type Run = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

/** Runs the demo on a free port; `interruptWhen` sends SIGINT once stdout matches it. */
function runDemo(interruptWhen?: RegExp): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['scripts/demo.ts', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (interruptWhen && !interrupted && interruptWhen.test(stdout)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The chain node's and the service's process ids and the data directory, as the demo printed them. */
function started(stdout: string) {
  const chainPid = Number(/\(id 31337, pid (\d+)\)/.exec(stdout)?.[1]);
  const servicePid = Number(/\(pid (\d+), GraphQL/.exec(stdout)?.[1]);
  const dataDir = /data (\S+conclave-demo-\S+)\)/.exec(stdout)?.[1];
  return { chainPid, servicePid, dataDir };
}

t.test('the demo runs start to finish: decision signed, two confirmations, executed, the exact amount arrives, nothing left running', async (tt) => {
  const run = await runDemo();
  tt.equal(run.code, 0, `exit code (stderr: ${run.stderr.slice(-2000)})`);
  const out = run.stdout;
  tt.match(out, /→ http:\/\/127\.0\.0\.1:\d+\/#\/space\/demo-dao\.eth/, 'a link to the space page');
  tt.match(out, /→ http:\/\/127\.0\.0\.1:\d+\/#\/proposal\/0x[0-9a-f]{64}/, 'a link to the proposal page');
  tt.match(out, /→ http:\/\/127\.0\.0\.1:\d+\/#\/safe\/0x[0-9a-fA-F]{40}/, 'a link to the Safe page');
  tt.match(out, /278 holders funded in block \d+; 283 votes to cast, 30 of the voters are a sybil ring/);
  tt.match(out, /all votes sent: 283 accepted, 0 refused/);
  tt.match(out, /⚑ sybil-cluster \((low|medium|high)\)/, 'a sybil flag printed live');
  tt.match(out, /sybil-cluster \((medium|high)\): \d+ wallets, ([1-9]\d*) of them in the sybil ring/, 'the report at close flags ring wallets');
  tt.match(out, /decision signed: passed \(For [\d,]+, Against [\d,]+, Abstain [\d,]+ TT/);
  tt.match(out, /decision hash 0x[0-9a-f]{64}\n\s+signer 0x[0-9a-fA-F]{40}, signature 0x[0-9a-f]+/);
  tt.match(out, /safeTxHash 0x[0-9a-f]{64}, nonce 0, 2 confirmations required, status queued/);
  tt.match(out, /confirmation 1\/2 by owner 0x[0-9a-fA-F]{40}\n\s+confirmation 2\/2 by owner 0x[0-9a-fA-F]{40}/);
  tt.match(out, /executed in transaction 0x[0-9a-f]{64} \(block \d+\) by 0x[0-9a-fA-F]{40}, successful: true/);
  tt.match(out, /before 0 TT, after 250,000 TT/);
  tt.match(out, /funds arrived: 250,000 TT \(250000000000000000000000 units; exactly the 250,000 TT voted\)/);
  tt.match(out, /decision trail: queued → .* → executed → effects-checked/);
  tt.match(out, /demo finished in \d+(\.\d)? s/);

  const { chainPid, servicePid, dataDir } = started(out);
  tt.ok(chainPid > 0 && servicePid > 0, 'the demo printed the processes it started');
  tt.notOk(alive(chainPid), 'the chain node is gone');
  tt.notOk(alive(servicePid), 'the service is gone');
  tt.ok(dataDir && !fs.existsSync(dataDir), 'the temporary data directory is removed');
});

t.test('Ctrl-C stops the processes the demo started', async (tt) => {
  const run = await runDemo(/\(pid \d+, GraphQL/);
  tt.equal(run.code, 130, `exit code after SIGINT (stderr: ${run.stderr.slice(-2000)})`);
  tt.match(run.stdout, /SIGINT: stopping the service and the chain/);
  const { chainPid, servicePid, dataDir } = started(run.stdout);
  tt.ok(chainPid > 0 && servicePid > 0);
  tt.notOk(alive(chainPid), 'the chain node is gone');
  tt.notOk(alive(servicePid), 'the service is gone');
  tt.ok(dataDir && !fs.existsSync(dataDir), 'the temporary data directory is removed');
});
