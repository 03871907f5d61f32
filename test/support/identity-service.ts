/** Helpers for identity tests through the running service: spaces with a policy, proposals, votes, SIWE logins. */
import { sql } from 'drizzle-orm';
import { SiweMessage } from 'siwe';
import type { Wallet } from '@ethersproject/wallet';
import { queryRows } from '../../server/db/open-database.ts';
import { createStatusList, createStatusListCredential, updateStatusListCredential } from '../../server/identity/status-list.ts';
import type { IssuerSigner } from '../../server/identity/issuer-key.ts';
import { postJson } from './client.ts';
import type { LocalServer } from './identity.ts';
import type { TestServer } from './server.ts';
import { sign } from './sign.ts';

export const now = () => Math.floor(Date.now() / 1000);

/** Row counts of every table a credential, a revocation or a vote could write, plus the log head. */
export async function tableCounts(server: TestServer): Promise<Record<string, string>> {
  const [row] = await queryRows<Record<string, string>>(
    server.database.db,
    sql`SELECT (SELECT count(*) FROM messages) AS messages, (SELECT coalesce(max(mci), 0) FROM messages) AS head,
               (SELECT count(*) FROM votes) AS votes, (SELECT count(*) FROM vote_history) AS history,
               (SELECT count(*) FROM credentials) AS credentials, (SELECT count(*) FROM revoked_credentials) AS revoked`,
  );
  return row;
}

/** Space settings JSON with a `ticket` strategy (everyone has 1) and the given extras. */
export function spaceSettings(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ name: 'Members DAO', network: '1', strategies: [{ name: 'ticket', params: {} }], ...extra });
}

/** Creates or updates a space; throws with the reason if refused. */
export async function putSpace(server: TestServer, controller: Wallet, space: string, extra: Record<string, unknown> = {}) {
  const response = await postJson(server.url, await sign(controller, 'settings', { space, settings: spaceSettings(extra) }));
  if (response.status !== 200) throw new Error(`settings refused: ${JSON.stringify(response.body)}`);
}

/** Creates a single-choice proposal starting at `start`; returns its id. */
export async function createProposal(server: TestServer, author: Wallet, space: string, start: number, end = now() + 3600): Promise<string> {
  const response = await postJson(
    server.url,
    await sign(author, 'proposal', { space, title: `proposal starting ${start}`, choices: ['For', 'Against'], start, end }),
  );
  if (response.status !== 200) throw new Error(`proposal refused: ${JSON.stringify(response.body)}`);
  return response.body.id;
}

/** Signs and sends a vote for choice 1. */
export async function vote(server: TestServer, voter: Wallet, space: string, proposal: string, fields: Record<string, unknown> = {}) {
  return postJson(server.url, await sign(voter, 'vote', { space, proposal, choice: 1, ...fields }));
}

/** A status list at `path` on the local server, with helpers to revoke an index. */
export async function servedStatusList(local: LocalServer, issuer: IssuerSigner, path: string) {
  const url = `${local.origin}${path}`;
  local.routes.set(path, await createStatusListCredential({ issuer, url, list: createStatusList() }));
  return {
    url,
    async revoke(index: number) {
      local.routes.set(path, await updateStatusListCredential({ issuer, jwt: local.routes.get(path)!, index, revoked: true }));
    },
  };
}

/** Signs a SIWE message for `domain` with a nonce from the service. */
export async function siweLogin(server: TestServer, wallet: Wallet, options: { domain?: string; nonce?: string } = {}) {
  const nonce = options.nonce ?? ((await (await fetch(`${server.url}/api/auth/nonce`)).json()) as { nonce: string }).nonce;
  const issuedAt = Date.now();
  const domain = options.domain ?? server.config.siweDomain;
  const message = new SiweMessage({
    domain,
    address: wallet.address,
    statement: 'Sign in to administer the space',
    uri: `https://${domain}/admin`,
    version: '1',
    chainId: 1,
    nonce,
    issuedAt: new Date(issuedAt).toISOString(),
    expirationTime: new Date(issuedAt + 30 * 60_000).toISOString(),
  }).prepareMessage();
  return { nonce, message, signature: await wallet.signMessage(message) };
}

/** POSTs with a bearer token. */
export async function postAuthorized(url: string, token: string | undefined, body: unknown) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}
