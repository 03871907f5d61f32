import t from 'tap';
import { startTestServer } from './support/server.ts';
import { sign, wallets } from './support/sign.ts';
import { postJson } from './support/client.ts';
import { siweLogin } from './support/identity-service.ts';
import { record, waitFor, wsClient } from './support/realtime.ts';
import { startReceiver } from './support/receiver.ts';
import { verifyBodySignature } from '../server/webhooks/sign-body.ts';

const API_KEY = 'test-admin-key-0123456789';
const server = await startTestServer({
  ADMIN_API_KEY: API_KEY,
  WEBHOOK_RETRY_BASE_MS: '200',
  WEBHOOK_RETRY_MAX_MS: '1000',
  JOB_POLL_SECONDS: '1',
  DECISION_SETTLE_SECONDS: '0',
});
t.teardown(() => server.close());
const [controller, voter] = wallets(2, 9);
const now = () => Math.floor(Date.now() / 1000);
const post = async (body: unknown) => {
  const response = await postJson(server.url, body);
  if (response.status !== 200) throw new Error(JSON.stringify(response.body));
  return response.body;
};
const api = async (method: string, path: string, body?: unknown, key: string | null = API_KEY): Promise<{ status: number; body: any }> => {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: response.status === 204 ? null : await response.json() };
};

await post(
  await sign(controller, 'settings', {
    space: 'hooks.eth',
    settings: JSON.stringify({ name: 'Hooks', network: '1', symbol: 'H', strategies: [{ name: 'whitelist', params: { addresses: { [voter.address]: 3 } } }] }),
  }),
);

t.test('registration is protected by the operator key and validated', async (tt) => {
  const body = { url: 'http://127.0.0.1:9/x', events: ['vote.created'] };
  tt.same(await api('POST', '/api/spaces/hooks.eth/webhooks', body, null), {
    status: 401,
    body: { error: 'client_error', error_description: 'the operator key or an admin session of the space is required (sign in with Ethereum at /api/auth/siwe)' },
  });
  tt.same((await api('POST', '/api/spaces/hooks.eth/webhooks', body, 'wrong-key-0123456789')).body.error_description, 'wrong API key or expired session');
  tt.equal((await api('POST', '/api/spaces/hooks.eth/webhooks', body, 'wrong-key-0123456789')).status, 401);
  tt.equal((await api('GET', '/api/spaces/hooks.eth/webhooks', undefined, null)).status, 401);
  tt.equal((await api('POST', '/api/spaces/hooks.eth/webhooks', { ...body, events: ['nope'] })).status, 400);
  tt.equal((await api('POST', '/api/spaces/hooks.eth/webhooks', { ...body, url: 'ftp://x' })).status, 400);
  tt.same((await api('POST', '/api/spaces/missing.eth/webhooks', body)).body, { error: 'client_error', error_description: 'space not found' });
  const created = await api('POST', '/api/spaces/hooks.eth/webhooks', body);
  tt.equal(created.status, 201);
  tt.match(created.body, { id: String, space: 'hooks.eth', url: body.url, events: ['vote.created'], secret: /^[0-9a-f]{64}$/ });
  const listed = await api('GET', '/api/spaces/hooks.eth/webhooks');
  tt.same(listed.body.webhooks.map((hook: any) => [hook.id, hook.secret]), [[created.body.id, undefined]], 'secrets are never listed');
  tt.equal((await api('DELETE', `/api/spaces/hooks.eth/webhooks/${created.body.id}`)).status, 204);
  tt.equal((await api('DELETE', `/api/spaces/hooks.eth/webhooks/${created.body.id}`)).status, 404);
  tt.same((await api('GET', '/api/spaces/hooks.eth/webhooks')).body, { webhooks: [] });
});

t.test('a space admin signed in with Ethereum manages the space\'s webhooks; nobody else does', async (tt) => {
  const login = async (wallet: typeof controller) => {
    const { message, signature } = await siweLogin(server, wallet);
    const response = await postJson(`${server.url}/api/auth/siwe`, { message, signature });
    tt.equal(response.status, 200, JSON.stringify(response.body));
    return response.body.token as string;
  };
  const adminToken = await login(controller);
  const outsiderToken = await login(voter);
  const body = { url: 'http://127.0.0.1:9/admin', events: ['proposal.created'] };
  const created = await api('POST', '/api/spaces/hooks.eth/webhooks', body, adminToken);
  tt.equal(created.status, 201, JSON.stringify(created.body));
  tt.same((await api('GET', '/api/spaces/hooks.eth/webhooks', undefined, adminToken)).body.webhooks.map((hook: any) => hook.id), [created.body.id]);
  const before = (await api('GET', '/api/spaces/hooks.eth/webhooks')).body;
  tt.same(await api('POST', '/api/spaces/hooks.eth/webhooks', body, outsiderToken), {
    status: 403,
    body: { error: 'client_error', error_description: 'only an admin of the space can manage its webhooks' },
  });
  tt.equal((await api('DELETE', `/api/spaces/hooks.eth/webhooks/${created.body.id}`, undefined, outsiderToken)).status, 403);
  tt.equal((await api('GET', `/api/spaces/hooks.eth/webhooks/${created.body.id}/deliveries`, undefined, outsiderToken)).status, 403);
  tt.equal((await api('POST', '/api/spaces/missing.eth/webhooks', body, adminToken)).status, 404);
  const forged = `${adminToken.split('.')[0]}.${'A'.repeat(43)}`;
  tt.equal((await api('POST', '/api/spaces/hooks.eth/webhooks', body, forged)).status, 401);
  tt.same((await api('GET', '/api/spaces/hooks.eth/webhooks')).body, before, 'refused requests changed nothing');
  tt.equal((await api('DELETE', `/api/spaces/hooks.eth/webhooks/${created.body.id}`, undefined, adminToken)).status, 204);
});

t.test('a receiver that fails three times gets the signed delivery on the fourth attempt', async (tt) => {
  const receiver = await startReceiver([500, 503, 502, 200]);
  tt.teardown(() => receiver.close());
  const other = await startReceiver([200]);
  tt.teardown(() => other.close());
  const secret = 'receiver-secret-0123456789';
  const hook = (await api('POST', '/api/spaces/hooks.eth/webhooks', { url: receiver.url, events: ['vote.created'], secret })).body;
  const onlyProposals = (await api('POST', '/api/spaces/hooks.eth/webhooks', { url: other.url, events: ['proposal.created'] })).body;

  const proposal = await post(await sign(controller, 'proposal', { space: 'hooks.eth', title: 'Hooked', choices: ['A', 'B'], start: now() - 10, end: now() + 3600 }));
  const ballot = await post(await sign(voter, 'vote', { space: 'hooks.eth', proposal: proposal.id, choice: 2 }));

  await waitFor(() => other.received.length >= 1, 'the proposal.created delivery');
  const votes = () => receiver.received.filter((request) => request.headers['x-conclave-event'] === 'vote.created');
  await waitFor(() => votes().length >= 4, 'four attempts of the vote delivery');
  const attempts = votes();
  const deliveryId = attempts[0].headers['x-conclave-delivery'];
  tt.ok(attempts.every((request) => request.headers['x-conclave-delivery'] === deliveryId), 'every attempt carries the same delivery id');
  tt.same(attempts.map((request) => request.headers['x-conclave-attempt']), ['1', '2', '3', '4']);
  tt.ok(attempts.every((request) => request.body === attempts[0].body), 'every attempt sends the same bytes');
  tt.ok(attempts.every((request) => verifyBodySignature(secret, request.body, request.headers['x-conclave-signature'] as string)), 'signed with the secret');
  tt.notOk(verifyBodySignature('another-secret-0123456789', attempts[0].body, attempts[0].headers['x-conclave-signature'] as string));
  const body = JSON.parse(attempts[0].body);
  tt.match(body, { id: deliveryId, event: 'vote.created', space: 'hooks.eth', data: { id: ballot.id, proposal: proposal.id, voter: voter.address, choice: 2, vp: 3 } });
  tt.ok(attempts[1].at >= attempts[0].at && attempts[3].at >= attempts[2].at, 'attempts in order');
  tt.ok(other.received.every((request) => request.headers['x-conclave-event'] === 'proposal.created'), 'filters respected');

  const log = await waitFor(async () => {
    const response = await api('GET', `/api/spaces/hooks.eth/webhooks/${hook.id}/deliveries`);
    const delivery = response.body.deliveries.find((entry: any) => entry.id === deliveryId);
    return delivery?.status === 'delivered' ? delivery : null;
  }, 'the delivery log to say delivered');
  tt.equal(log.attempts, 4);
  tt.same(log.log.map((entry: any) => entry.status_code), [500, 503, 502, 200]);
  tt.same(log.log.map((entry: any) => entry.error), ['HTTP 500', 'HTTP 503', 'HTTP 502', null]);
  const delivered = await api('GET', `/api/spaces/hooks.eth/webhooks/${hook.id}/deliveries?status=delivered`);
  tt.equal(delivered.body.deliveries.length, 1);
  tt.equal(receiver.received.length, 4, 'only the events the webhook asked for');
  await api('DELETE', `/api/spaces/hooks.eth/webhooks/${hook.id}`);
  await api('DELETE', `/api/spaces/hooks.eth/webhooks/${onlyProposals.id}`);
});

t.test('a proposal that ends is marked final once, with proposalUpdated and proposal.ended', async (tt) => {
  const receiver = await startReceiver([200]);
  tt.teardown(() => receiver.close());
  await api('POST', '/api/spaces/hooks.eth/webhooks', { url: receiver.url, events: ['proposal.started', 'proposal.ended'] });
  const start = now() + 2;
  const proposal = await post(await sign(controller, 'proposal', { space: 'hooks.eth', title: 'Short', choices: ['A', 'B'], start, end: start + 2 }));
  const client = wsClient(server.url);
  tt.teardown(() => client.dispose());
  const updates = record(client, 'subscription ($id: String!) { proposalUpdated(id: $id) { id state scores_state } }', { id: proposal.id });
  await waitFor(() => updates.events.some((event) => event.proposalUpdated.scores_state === 'final'), 'the final scores');
  tt.same(updates.events.at(-1).proposalUpdated, { id: proposal.id, state: 'closed', scores_state: 'final' });
  await waitFor(() => receiver.received.length >= 2, 'the started and ended deliveries');
  const events = receiver.received.map((request) => JSON.parse(request.body));
  tt.same(events.map((event) => event.event), ['proposal.started', 'proposal.ended']);
  tt.match(events[1].data, { id: proposal.id, scores_state: 'final', scores: [0, 0] });
  const { body } = await postJson(`${server.url}/graphql`, { query: `{ proposal(id: "${proposal.id}") { scores_state } }` });
  tt.equal(body.data.proposal.scores_state, 'final');
});
