/** The service in a child process with a temporary data directory of its own, and a reachability probe. */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startServiceProcess as startService, type ServiceProcess } from '../../scripts/devnet/service-process.ts';

export type { ServiceProcess };

/** Whether something listens on host:port (to skip tests whose server is not there). */
export function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(2000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

/** `scripts/devnet`'s service process with its own `DATA_DIR` (service key, embedded data), removed on stop. */
export async function startServiceProcess(env: Record<string, string>): Promise<ServiceProcess> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'conclave-test-'));
  const removeDataDir = () => fs.rmSync(dataDir, { recursive: true, force: true });
  try {
    const service = await startService({ DATA_DIR: dataDir, ...env });
    return {
      ...service,
      async stop() {
        await service.stop();
        removeDataDir();
      },
    };
  } catch (error) {
    removeDataDir();
    throw error;
  }
}
