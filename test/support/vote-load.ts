/** Pre-signed votes sent by a few concurrent workers, with every outcome recorded, for crash and outage tests. */
import { sql } from 'drizzle-orm';
import { randomKeys, signEnvelope, type Key } from '../../bench/support.ts';
import { queryRows, type Db } from '../../server/db/open-database.ts';

export type Ballot = { id: string; body: string };

/** A deterministic PRNG (mulberry32) for seeded "random" moments. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Creates a space (ticket strategy: one vote each) and an open proposal; returns the proposal id. */
export async function seedSpace(url: string, space: string): Promise<{ proposal: string; controller: Key }> {
  const [controller] = randomKeys(1);
  const now = Math.floor(Date.now() / 1000);
  const post = async (body: string) => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const json = (await response.json()) as { id: string };
    if (!response.ok) throw new Error(`seed refused: ${JSON.stringify(json)}`);
    return json.id;
  };
  await post(signEnvelope(controller, 'settings', { space, timestamp: now, settings: JSON.stringify({ name: 'Load', strategies: [{ name: 'ticket', params: {} }] }) }));
  const proposal = await post(
    signEnvelope(controller, 'proposal', {
      space, timestamp: now, type: 'single-choice', title: 'Load', body: '', discussion: '', choices: ['A', 'B', 'C'],
      labels: [], start: now - 60, end: now + 86_400, snapshot: 1, plugins: '{}', privacy: '', app: '',
    }),
  );
  return { proposal, controller };
}

/** `count` votes from distinct new voters; `id` is the message id the receipt will carry. */
export function ballots(space: string, proposal: string, count: number): Ballot[] {
  const now = Math.floor(Date.now() / 1000);
  return randomKeys(count).map((key, index) => {
    const body = signEnvelope(key, 'vote', { space, timestamp: now, proposal, choice: (index % 3) + 1, reason: '', app: 'load', metadata: '{}' });
    return { id: '', body };
  });
}

export type Outcome = { status: number; id?: string; retryAfter?: string | null; error?: string };

/** POSTs one vote; a transport failure (server killed, connection reset) is status 0. */
export async function sendVote(url: string, ballot: Ballot): Promise<Outcome> {
  try {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: ballot.body });
    const json = (await response.json()) as { id?: string; error_description?: string };
    return { status: response.status, id: json.id, retryAfter: response.headers.get('retry-after'), error: json.error_description };
  } catch (error) {
    return { status: 0, error: String((error as Error).cause ?? error) };
  }
}

/** What `halfWritten` returns when nothing is half-written. */
export const NOTHING_HALF_WRITTEN = {
  messages_without_history: 0,
  history_without_message: 0,
  votes_without_history: 0,
  proposals_with_wrong_count: 0,
  proposals_with_wrong_total: 0,
  broken_links: 0,
};

/** Rows that would show a half-written message: each count must be 0. */
export async function halfWritten(db: Db): Promise<Record<string, number>> {
  const [row] = await queryRows<Record<string, number>>(
    db,
    sql`SELECT
      (SELECT count(*)::int FROM messages m WHERE m.type LIKE 'vote%' AND NOT EXISTS (SELECT 1 FROM vote_history h WHERE h.id = m.id)) AS messages_without_history,
      (SELECT count(*)::int FROM vote_history h WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = h.id)) AS history_without_message,
      (SELECT count(*)::int FROM votes v WHERE NOT EXISTS (SELECT 1 FROM vote_history h WHERE h.id = v.id)) AS votes_without_history,
      (SELECT count(*)::int FROM proposals p WHERE p.votes <> (SELECT count(*) FROM votes v WHERE v.proposal = p.id)) AS proposals_with_wrong_count,
      (SELECT count(*)::int FROM proposals p WHERE p.scores_total <> (SELECT coalesce(sum(vp), 0) FROM votes v WHERE v.proposal = p.id)) AS proposals_with_wrong_total,
      (SELECT count(*)::int FROM (SELECT mci, lag(hash) OVER (ORDER BY mci) AS prev, prev_hash FROM messages) c WHERE c.prev IS NOT NULL AND c.prev <> c.prev_hash) AS broken_links`,
  );
  return row;
}

/** Which of `ids` are in the log and in the derived vote tables. */
export async function storedIds(db: Db, ids: string[]): Promise<{ messages: Set<string>; history: Set<string> }> {
  const messages = await queryRows<{ id: string }>(db, sql`SELECT id FROM messages WHERE id = ANY(${sql.param(ids)}::text[])`);
  const history = await queryRows<{ id: string }>(db, sql`SELECT id FROM vote_history WHERE id = ANY(${sql.param(ids)}::text[])`);
  return { messages: new Set(messages.map((row) => row.id)), history: new Set(history.map((row) => row.id)) };
}
