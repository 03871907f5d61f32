/** Test helpers for identity: real issuer keys, a local HTTP server on port 0, a manual clock. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';
import { Wallet } from 'ethers';
import type { IdentityError } from '../../server/identity/errors.ts';
import { generateEd25519IssuerKey, issuerFromKeyFile } from '../../server/identity/issuer-key.ts';
import type { IssuerSigner } from '../../server/identity/issuer-key.ts';

/** A fresh Ed25519 did:key issuer. */
export function didKeyIssuer(): IssuerSigner {
  return issuerFromKeyFile(generateEd25519IssuerKey());
}

/** A fresh did:pkh issuer signing ES256K-R with an EOA key. */
export function didPkhIssuer(): IssuerSigner {
  const wallet = Wallet.createRandom();
  return issuerFromKeyFile({
    kind: 'conclave-issuer-key',
    did: `did:pkh:eip155:1:${wallet.address}`,
    alg: 'ES256K-R',
    privateKeyHex: wallet.privateKey,
  });
}

export type LocalServer = {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Path → body (served as 200); anything else is 404. */
  routes: Map<string, string>;
  /** Requests received, by path. */
  hits: string[];
  close(): Promise<void>;
};

/** A node:http server on 127.0.0.1 port 0 serving `routes`. */
export async function startLocalServer(): Promise<LocalServer> {
  const routes = new Map<string, string>();
  const hits: string[] = [];
  const server = createServer((request, response) => {
    const path = request.url ?? '/';
    hits.push(path);
    const body = routes.get(path);
    if (body === undefined) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': path.endsWith('.json') ? 'application/json' : 'application/jwt' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    routes,
    hits,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A clock in milliseconds that only moves when told. */
export function manualClock(start = Date.UTC(2026, 0, 1)): { now: () => number; advance(ms: number): void } {
  let current = start;
  return {
    now: () => current,
    advance(ms: number) {
      current += ms;
    },
  };
}

/** Replaces one character in the middle of a string segment with a different one. */
export function flipCharacter(text: string, at: number): string {
  const replacement = text[at] === 'A' ? 'B' : 'A';
  return text.slice(0, at) + replacement + text.slice(at + 1);
}

/** Asserts that `promise` rejects with an instance of `type` whose message is exactly `message`. */
export async function rejectsWith(
  t: Test,
  promise: Promise<unknown>,
  type: new (...args: never[]) => IdentityError,
  message: string,
): Promise<void> {
  try {
    await promise;
    t.fail(`expected ${type.name}`);
  } catch (error) {
    t.type(error, type, type.name);
    t.equal((error as Error).message, message);
  }
}
