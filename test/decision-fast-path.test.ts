// The decision's fast ballot loader (text lines in a few large values, parsed once per distinct ballot) gives
// the same counted votes, hash and decision as the plain one (a row per vote) on the same proposal, for every
// voting type, odd ballots included; on PostgreSQL also through snapshot readers inside a transaction.
import crypto from 'node:crypto';
import t from 'tap';
import { sql } from 'drizzle-orm';
import type { Db } from '../server/db/open-database.ts';
import { openSnapshotReaders } from '../server/db/open-snapshot-readers.ts';
import { canonicalJson } from '../server/ingest/content-id.ts';
import { choiceJson, computeDecision, decideCountedVotes, type DecisionProposal } from '../server/scoring/compute-decision.ts';
import { decideProposal } from '../server/scoring/decide-proposal.ts';
import { loadBallots } from '../server/scoring/load-ballots.ts';
import { loadCountedVotes, UnparsableLineError } from '../server/scoring/load-counted-votes.ts';
import { VOTING_TYPES, type VotingType } from '../server/scoring/types.ts';
import { createServiceKey } from '../server/service-key.ts';
import { openTestDatabase } from './support/database.ts';
import { choiceLabels, randomChoice, randomPower } from './support/scoring-ballots.ts';
import { seededRandom } from './support/seeded-random.ts';

const database = await openTestDatabase();
t.teardown(() => database.drop());
const { db } = database;
const STRATEGIES = 2;
const END = 1_700_000_000;

await db.execute(sql`INSERT INTO spaces (id, settings, name, network, controller, created, updated, mci)
  VALUES ('fast.eth', '{"name":"Fast","strategies":[{"name":"ticket","params":{}}]}', 'Fast', '1', '0x0000000000000000000000000000000000000001', 0, 0, 1)`);
// Votes are written directly (random ballots, invalid ones included); the live tally is not under test.
await db.execute(sql`ALTER TABLE votes DISABLE TRIGGER USER`);

let nextMci = 10;
/** A closed proposal of `type` over `n` choices with `count` random votes, written in shuffled `mci` order with gaps. */
async function proposalWithVotes(type: VotingType, n: number, count: number, seed: number, idOf = (i: number) => `0x${seed.toString(16)}${i.toString(16).padStart(62, '0')}`) {
  const id = `0x${type}-${n}-${seed}`;
  const choices = choiceLabels(n);
  const zeros = choices.map(() => 0);
  await db.execute(sql`INSERT INTO proposals (id, ipfs, author, created, space, network, symbol, type, title, body, discussion, choices, labels,
      start, "end", snapshot, strategies, validation, vote_validation, plugins, privacy, app, scores, scores_by_strategy, mci)
    VALUES (${id}, '', '0x0000000000000000000000000000000000000001', 0, 'fast.eth', '1', 'V', ${type}, 'Fast', '', '',
      ${JSON.stringify(choices)}::jsonb, '[]', 0, ${END}, 1, '[{"name":"ticket","params":{}},{"name":"ticket","params":{}}]',
      '{"name":"any","params":{}}', '{"name":"any","params":{}}', '{}', '', '', ${`{${zeros}}`}::numeric[], ${`{${zeros.map(() => '{0,0}')}}`}::numeric[], ${nextMci++})`);
  const rng = seededRandom(seed);
  const rows = Array.from({ length: count }, (_, i) => {
    const { balance, scores } = randomPower(rng, STRATEGIES);
    nextMci += rng.int(1, 3);
    return { id: idOf(i), voter: `0x${seed.toString(16)}${i.toString(16).padStart(38, '0')}`, choice: JSON.stringify(randomChoice(rng, type, n)) ?? 'null', vp: String(balance), vps: JSON.stringify(scores), mci: nextMci };
  });
  const shuffled = rng.shuffle(rows);
  for (let from = 0; from < shuffled.length; from += 500) {
    await db.execute(sql`INSERT INTO votes (id, ipfs, voter, space, proposal, choice, reason, app, metadata, created, vp, vp_by_strategy, vp_state, mci)
      SELECT r.id, '', r.voter, 'fast.eth', ${id}, r.choice::jsonb, '', '', '{}', ${END - 100}, r.vp::numeric, r.vps::jsonb, 'final', r.mci
        FROM jsonb_to_recordset(${JSON.stringify(shuffled.slice(from, from + 500))}::jsonb) AS r(id text, voter text, choice text, vp text, vps text, mci bigint)`);
  }
  const proposal: DecisionProposal = { id, space: 'fast.eth', type, choices, strategies: STRATEGIES, end: END, quorum: 0, quorumType: '', voting: {} };
  return proposal;
}

/** The decision from the plain loader (a row per vote, JSON parsed by the driver). */
async function plainDecision(on: Db, proposal: DecisionProposal) {
  return computeDecision({ proposal, ballots: await loadBallots(on, proposal.id) });
}

let seed = 100;
for (const type of VOTING_TYPES) {
  // 12 choices: keys "10".."12" sort differently in jsonb (by length) than in canonical JSON.
  for (const n of [5, 12]) {
    t.test(`${type}, ${n} choices: fast loader = plain loader`, async (t) => {
      const proposal = await proposalWithVotes(type, n, 2500, seed++);
      const plain = await plainDecision(db, proposal);
      // Several ranges, and never the silent fallback: a parse problem must fail here.
      const counted = await loadCountedVotes({ db, proposalId: proposal.id, chunkRows: 300, fallBackToRows: false });
      const fast = decideCountedVotes({ proposal, counted });
      t.equal(counted.votes.length, 2500);
      t.equal(fast.message.votesHash, plain.message.votesHash, 'same votes hash');
      t.same(fast, plain, 'same decision, scores and reason');
      t.equal(JSON.stringify(fast.scoresByStrategy), JSON.stringify(plain.scoresByStrategy), 'same floats, bit for bit');
      if (database.driver === 'pg') {
        // Inside a transaction, through two extra connections in its snapshot, as decideProposal reads them.
        let opened = 0;
        const viaReaders = await db.transaction((tx) =>
          loadCountedVotes({
            db: tx,
            proposalId: proposal.id,
            chunkRows: 300,
            fallBackToRows: false,
            openReaders: async () => {
              const readers = await openSnapshotReaders({ db, tx, count: 2 });
              if (readers) opened += readers.clients.length;
              return readers;
            },
          }),
        );
        t.equal(opened, 2, 'two readers opened on PostgreSQL');
        t.same(decideCountedVotes({ proposal, counted: viaReaders }), plain, 'same decision through snapshot readers');
      }
    });
  }
}

t.test('ids the text form cannot carry fall back to the plain rows, with the same decision', async (t) => {
  const proposal = await proposalWithVotes('single-choice', 3, 50, seed++, (i) => (i === 7 ? `0xtab\there${i}` : i === 9 ? `0xline\nbreak${i}` : `0xfine${seed}-${i}`));
  await t.rejects(loadCountedVotes({ db, proposalId: proposal.id, fallBackToRows: false }), UnparsableLineError);
  const fast = decideCountedVotes({ proposal, counted: await loadCountedVotes({ db, proposalId: proposal.id }) });
  t.same(fast, await plainDecision(db, proposal));
});

t.test('a proposal without votes', async (t) => {
  const proposal = await proposalWithVotes('quadratic', 3, 0, seed++);
  t.same(decideCountedVotes({ proposal, counted: await loadCountedVotes({ db, proposalId: proposal.id }) }), await plainDecision(db, proposal));
});

t.test('decideProposal signs the decision the plain recount gives', async (t) => {
  const proposal = await proposalWithVotes('ranked-choice', 6, 3000, seed++);
  const plain = await plainDecision(db, proposal);
  const serviceKey = createServiceKey(`0x${crypto.randomBytes(32).toString('hex')}`);
  const result = await decideProposal({ db, serviceKey, proposalId: proposal.id, now: END + 120, settleSeconds: 60, rpcUrls: {} });
  if (result.status !== 'decided') throw new Error(result.status);
  t.equal(result.decision.votesHash, plain.message.votesHash);
  t.equal(result.decision.resultsHash, plain.message.resultsHash);
  t.equal(result.decision.votesCount, 3000);
  t.equal(result.decision.lastMci, plain.message.lastMci);
  t.same(result.decision.scores, plain.scores);
});

t.test('the votes hash writes every ballot shape as canonicalJson does', (t) => {
  const rng = seededRandom(4242);
  let objects = 0;
  for (const type of VOTING_TYPES) {
    for (let i = 0; i < 2000; i++) {
      const choice = JSON.parse(JSON.stringify(randomChoice(rng, type, rng.pick([3, 5, 12, 30]))) ?? 'null') as unknown;
      const expected = typeof choice === 'object' && choice !== null && !Array.isArray(choice) ? canonicalJson(choice) : JSON.stringify(choice);
      if (choiceJson(choice) !== expected) t.fail(`${JSON.stringify(choice)}: ${choiceJson(choice)} != ${expected}`);
      if (typeof choice === 'object' && choice !== null && !Array.isArray(choice)) objects++;
    }
  }
  for (const odd of ['{"b": 1, "a": 2, "10": 3, "9": 4, "01": 5, " 1": 6}', '{"__proto__": 1, "x": [1, {"b": 2, "a": 1}]}', '{"1": 1e400, "2": -0.0, "3": 1e-7}', '{}']) {
    const choice = JSON.parse(odd) as unknown;
    t.equal(choiceJson(choice), canonicalJson(choice), odd);
  }
  t.ok(objects > 1000, `${objects} weight maps among them`);
  t.end();
});
