import t from 'tap';
import { getAddress } from '@ethersproject/address';
import { sql } from 'drizzle-orm';
import { queryRows } from '../server/db/open-database.ts';
import { computeDecision, type CountedBallot } from '../server/scoring/compute-decision.ts';
import { decideProposal } from '../server/scoring/decide-proposal.ts';
import { sweepEndedProposals } from '../server/scoring/finalizer-plugin.ts';
import { getVotingPower } from '../server/scoring/get-voting-power.ts';
import { signDecision, verifyDecision } from '../server/scoring/sign-decision.ts';
import { graphql, postJson } from './support/client.ts';
import { startTestServer } from './support/server.ts';
import { sign, wallets } from './support/sign.ts';

const server = await startTestServer({ FINALIZE_INTERVAL_MS: '3600000' });
t.teardown(() => server.close());
const [controller, a, b, c, d] = wallets(5, 31);
const now = () => Math.floor(Date.now() / 1000);
const post = async (body: unknown) => {
  const response = await postJson(server.url, body);
  if (response.status !== 200) throw new Error(JSON.stringify(response.body));
  return response.body as { id: string };
};
const powers = { [a.address]: 40, [b.address]: 35, [c.address]: 20, [d.address]: 5 };

async function space(id: string, voting: Record<string, unknown>) {
  await post(
    await sign(controller, 'settings', {
      space: id,
      settings: JSON.stringify({ name: id, voting, strategies: [{ name: 'whitelist', params: { addresses: powers } }] }),
    }),
  );
}

async function proposal(spaceId: string, type: string, choices: string[], seconds = 3600) {
  const start = now() - 30;
  return (await post(await sign(controller, 'proposal', { space: spaceId, type, title: `${type} vote`, choices, start, end: now() + seconds }))).id;
}

const decide = (proposalId: string, at: number) =>
  decideProposal({ db: server.database.db, serviceKey: server.app.serviceKey, proposalId, now: at, settleSeconds: 0, rpcUrls: {} });

/** Re-derives the counted ballots from the message log alone (latest wins) and recomputes the decision. */
async function recomputeFromLog(proposalId: string) {
  const [frozen] = await queryRows<any>(server.database.db, sql`SELECT * FROM proposals WHERE id = ${proposalId}`);
  const log = await queryRows<{ mci: string; id: string; type: string; envelope: any }>(
    server.database.db,
    sql`SELECT mci, id, type, envelope FROM messages WHERE type LIKE 'vote%' ORDER BY mci`,
  );
  const latest = new Map<string, { mci: number; id: string; kind: string; message: any }>();
  for (const entry of log) {
    const message = entry.envelope.data.message;
    if (message.proposal !== proposalId) continue;
    const voter = message.from.toLowerCase();
    const current = latest.get(voter);
    const newer = !current || message.timestamp > current.message.timestamp || (message.timestamp === current.message.timestamp && entry.id > current.id);
    if (newer) latest.set(voter, { mci: Number(entry.mci), id: entry.id, kind: entry.type, message });
  }
  const ballots: CountedBallot[] = [];
  for (const { mci, id, kind, message } of latest.values()) {
    const power = await getVotingPower({ address: getAddress(message.from), strategies: frozen.strategies, network: frozen.network, snapshot: Number(frozen.snapshot), rpcUrls: {} });
    ballots.push({ id, mci, choice: kind === 'vote-string' ? JSON.parse(message.choice) : message.choice, vp: power.vp, vpByStrategy: power.vpByStrategy });
  }
  return computeDecision({
    proposal: { id: frozen.id, space: frozen.space, type: frozen.type, choices: frozen.choices, strategies: frozen.strategies.length, end: Number(frozen.end), quorum: frozen.quorum, quorumType: frozen.quorum_type, voting: frozen.voting },
    ballots,
  });
}

t.test('a basic proposal passes; the decision is signed, final, and recomputed byte for byte from the log', async (tt) => {
  await space('decide.eth', { quorum: 50 });
  const id = await proposal('decide.eth', 'basic', ['For', 'Against', 'Abstain']);
  const t0 = now() - 10;
  await post(await sign(a, 'vote', { space: 'decide.eth', proposal: id, choice: 2, timestamp: t0 }));
  await post(await sign(a, 'vote', { space: 'decide.eth', proposal: id, choice: 1, timestamp: t0 + 1 }));
  await post(await sign(b, 'vote', { space: 'decide.eth', proposal: id, choice: 2, timestamp: t0 }));
  await post(await sign(c, 'vote', { space: 'decide.eth', proposal: id, choice: 3, timestamp: t0 }));

  const [{ end }] = await queryRows<{ end: string }>(server.database.db, sql`SELECT "end" FROM proposals WHERE id = ${id}`);
  tt.same(await decide(id, now()), { status: 'open', decidesAt: Number(end) }, 'not before the end');
  const result = await decide(id, Number(end) + 1);
  tt.equal(result.status, 'decided');
  const decision = (result as { decision: any }).decision;
  tt.match(decision, { outcome: 'passed', winningChoice: 1, quorumReached: true, scores: [40, 35, 20], scoresTotal: 95, votesCount: 3 });
  tt.ok(verifyDecision(
    { proposal: id, space: 'decide.eth', outcome: decision.outcome, winningChoice: decision.winningChoice, quorumReached: decision.quorumReached, votesCount: decision.votesCount, lastMci: decision.lastMci, votesHash: decision.votesHash, resultsHash: decision.resultsHash, decidedAt: decision.decidedAt },
    decision.signature,
    server.app.serviceKey.address,
  ), 'signed by the relayer key');

  const again = await recomputeFromLog(id);
  const resigned = signDecision(server.app.serviceKey, again.message);
  tt.equal(resigned.id, decision.id, 'same decision id from the log alone');
  tt.equal(resigned.signature, decision.signature, 'same signature bytes');
  tt.same(again.scores, decision.scores);

  tt.same(await decide(id, Number(end) + 100), result, 'deciding again returns the same decision');
  const late = await postJson(server.url, await sign(d, 'vote', { space: 'decide.eth', proposal: id, choice: 1 }));
  tt.equal(late.status, 400);

  const { data } = await graphql(server.url, `{ proposal(id: "${id}") { scores_state scores outcome { outcome winningChoice quorumReached signature signer } } }`);
  tt.same(data.proposal, {
    scores_state: 'final',
    scores: [40, 35, 20],
    outcome: { outcome: 'passed', winningChoice: 1, quorumReached: true, signature: decision.signature, signer: server.app.serviceKey.address },
  });
  const rest = await fetch(`${server.url}/api/proposals/${id}/outcome`);
  tt.equal(rest.status, 200);
  tt.equal(((await rest.json()) as { id: string }).id, decision.id);
  tt.equal((await fetch(`${server.url}/api/proposals/0xnope/outcome`)).status, 404);
});

t.test('quorum edges: exactly at quorum passes, one short fails, rejection quorum rejects', async (tt) => {
  await space('exact.eth', { quorum: 75 });
  const atQuorum = await proposal('exact.eth', 'basic', ['For', 'Against']);
  await post(await sign(a, 'vote', { space: 'exact.eth', proposal: atQuorum, choice: 1 }));
  await post(await sign(b, 'vote', { space: 'exact.eth', proposal: atQuorum, choice: 2 }));
  await space('short.eth', { quorum: 76 });
  const short = await proposal('short.eth', 'basic', ['For', 'Against']);
  await post(await sign(a, 'vote', { space: 'short.eth', proposal: short, choice: 1 }));
  await post(await sign(b, 'vote', { space: 'short.eth', proposal: short, choice: 2 }));
  await space('reject.eth', { quorum: 30, quorumType: 'rejection' });
  const rejected = await proposal('reject.eth', 'basic', ['For', 'Against']);
  await post(await sign(a, 'vote', { space: 'reject.eth', proposal: rejected, choice: 1 }));
  await post(await sign(b, 'vote', { space: 'reject.eth', proposal: rejected, choice: 2 }));
  const later = now() + 7200;
  const outcome = async (id: string) => ((await decide(id, later)) as { decision: any }).decision;
  tt.match(await outcome(atQuorum), { outcome: 'passed', quorumReached: true });
  tt.match(await outcome(short), { outcome: 'rejected', quorumReached: false });
  tt.match(await outcome(rejected), { outcome: 'rejected', quorumReached: true });
});

t.test('every voting type reaches a decision; the sweep decides due proposals once', async (tt) => {
  await space('types.eth', { passOnWinner: true });
  const ballots: Record<string, [string, unknown][]> = {
    'single-choice': [['vote', 1], ['vote', 2], ['vote', 1]],
    approval: [['vote-array', [1, 2]], ['vote-array', [2]], ['vote-array', [3]]],
    quadratic: [['vote-string', '{"1":1,"2":1}'], ['vote-string', '{"2":3}'], ['vote-string', '{"3":1}']],
    weighted: [['vote-string', '{"1":3,"2":1}'], ['vote-string', '{"2":1}'], ['vote-string', '{"1":1}']],
    'ranked-choice': [['vote-array', [1, 2, 3]], ['vote-array', [2, 3, 1]], ['vote-array', [3, 2, 1]]],
    copeland: [['vote-array', [1, 2, 3]], ['vote-array', [2, 3, 1]], ['vote-array', [3, 2, 1]]],
  };
  const ids: Record<string, string> = {};
  for (const [type, votes] of Object.entries(ballots)) {
    ids[type] = await proposal('types.eth', type, ['One', 'Two', 'Three']);
    for (const [index, [kind, choice]] of votes.entries()) {
      await post(await sign([a, b, c][index], kind as 'vote', { space: 'types.eth', proposal: ids[type], choice }));
    }
  }
  const decide = (proposalId: string, at: number) => decideProposal({ db: server.database.db, serviceKey: server.app.serviceKey, proposalId, now: at, settleSeconds: 0, rpcUrls: {} });
  const decided = await sweepEndedProposals({ db: server.database.db, decide, settleSeconds: 0 }, now() + 7200);
  tt.ok(decided >= Object.keys(ballots).length);
  tt.equal(await sweepEndedProposals({ db: server.database.db, decide, settleSeconds: 0 }, now() + 7200), 0, 'nothing left to decide');
  for (const [type, id] of Object.entries(ids)) {
    const { data } = await graphql(server.url, `{ proposal(id: "${id}") { scores_state outcome { outcome winningChoice votesCount } } }`);
    tt.equal(data.proposal.scores_state, 'final', type);
    tt.equal(data.proposal.outcome.votesCount, 3, type);
    const again = await recomputeFromLog(id);
    tt.equal(data.proposal.outcome.winningChoice, again.message.winningChoice || null, `${type}: recomputed winner`);
  }
  const { data } = await graphql(server.url, `{ proposal(id: "${ids['single-choice']}") { scores outcome { outcome winningChoice } } }`);
  tt.same(data.proposal, { scores: [60, 35, 0], outcome: { outcome: 'passed', winningChoice: 1 } });
});

t.test('live scores for every type while the vote runs: trigger for additive ones, bounded background recount for the rest', async (tt) => {
  await space('live.eth', {});
  const cases: Array<[string, 'vote' | 'vote-array' | 'vote-string', unknown, unknown]> = [
    ['approval', 'vote-array', [1, 3], [2]],
    ['weighted', 'vote-string', '{"1":1,"2":1}', '{"3":1}'],
    ['quadratic', 'vote-string', '{"1":4}', '{"2":1}'],
    ['ranked-choice', 'vote-array', [1, 2, 3], [2, 1, 3]],
  ];
  const { rescoreOpenProposals, TRIGGER_TALLIED_TYPES } = await import('../server/scoring/rescore-proposal.ts');
  const { tally } = await import('../server/scoring/tally.ts');
  const history = new Map();
  for (const [type, kind, first, second] of cases) {
    const id = await proposal('live.eth', type, ['One', 'Two', 'Three']);
    const t0 = now() - 5;
    await post(await sign(a, kind, { space: 'live.eth', proposal: id, choice: first, timestamp: t0 }));
    await post(await sign(b, kind, { space: 'live.eth', proposal: id, choice: first, timestamp: t0 }));
    await post(await sign(b, kind, { space: 'live.eth', proposal: id, choice: second, timestamp: t0 + 1 }));
    const decode = (choice: unknown) => (kind === 'vote-string' ? JSON.parse(choice as string) : choice);
    // The recount of [choice, power] ballots in log order.
    const recount = (ballots: Array<[unknown, number]>) =>
      tally({ type, choices: ['One', 'Two', 'Three'], strategies: 1, votes: ballots.map(([choice, vp]) => ({ choice: decode(choice), balance: vp, scores: [vp] })) });
    let expected = recount([[first, 40], [second, 35]]);
    const read = async () => (await graphql(server.url, `{ proposal(id: "${id}") { scores scores_total scores_state } }`)).data.proposal;
    const live = TRIGGER_TALLIED_TYPES.includes(type);
    if (!live) {
      tt.same((await read()).scores, [0, 0, 0], `${type}: not counted until the background recount`);
      // Bounded: once recounted, not again before 20× the time that recount took (on an injected clock; the entry
      // says it took 1 ms, as a recount of three ballots takes no measurable time).
      tt.equal(await rescoreOpenProposals({ db: server.database.db, now: now(), history, clock: () => 0 }), 1, `${type}: recounted`);
      await post(await sign(a, kind, { space: 'live.eth', proposal: id, choice: second, timestamp: t0 + 1 }));
      history.set(id, { endedAt: 0, tookMs: 1 });
      tt.equal(await rescoreOpenProposals({ db: server.database.db, now: now(), history, clock: () => 19 }), 0, `${type}: held back while 20× its last recount has not passed`);
      tt.equal(await rescoreOpenProposals({ db: server.database.db, now: now(), history, clock: () => 20 }), 1, `${type}: recounted after`);
      expected = recount([[second, 35], [second, 40]]);
    }
    const data = { proposal: await read() };
    tt.equal(data.proposal.scores_state, 'pending', type);
    tt.equal(data.proposal.scores_total, 75, `${type}: total`);
    data.proposal.scores.forEach((score: number, index: number) =>
      tt.ok(Math.abs(score - expected.scores[index]) < 1e-9, `${type}: score ${index + 1} ${live ? 'live as soon as the vote is acknowledged' : 'after the recount'} = recount`),
    );
  }
});
