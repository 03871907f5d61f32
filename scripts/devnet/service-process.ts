/** `server/main.ts` in a child process (as `npm start` runs it), for crash and outage tests and the demo. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from './chain.ts';

export { freePort };

export type ServiceProcess = {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr. */
  output(): string;
  /** SIGKILL: no shutdown hook runs. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM and wait (SIGKILL after 20 s). */
  stop(): Promise<void>;
};

const running = new Set<ChildProcess>();
// A test or demo that fails halfway must not leave services behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts the service with `env` (an undefined value unsets an inherited variable) and waits (bounded) until `/healthz` answers. */
export async function startServiceProcess(env: Record<string, string | undefined>, port?: number): Promise<ServiceProcess> {
  const listenPort = port ?? (await freePort());
  let output = '';
  const child = spawn(process.execPath, ['--require', path.join(import.meta.dirname, 'parent-watchdog.cjs'), 'server/main.ts'], {
    cwd: path.resolve(import.meta.dirname, '../..'),
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(listenPort),
      LOG_LEVEL: 'warn',
      CONCLAVE_PARENT_PID: String(process.pid),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));
  const url = `http://127.0.0.1:${listenPort}`;
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}: ${output}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      if (attempt > 1200) {
        child.kill('SIGKILL');
        throw new Error(`service did not start: ${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = signal === 'SIGKILL' ? undefined : setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  };
  return { url, child, output: () => output, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}
