import crypto from 'node:crypto';
import t from 'tap';
import { getAddress } from '@ethersproject/address';
import { and, eq } from 'drizzle-orm';
import { votes } from '../schema/tables.ts';
import { afterCondition, pageOf, whereConditions } from '../server/graphql/build-query.ts';
import { compiledList, type ListArguments, type ListField } from '../server/graphql/compiled-list.ts';
import { voteColumns, voteSpec } from '../server/graphql/entities.ts';
import { sharedReads } from '../server/graphql/shared-reads.ts';
import { openTestDatabase } from './support/database.ts';

const database = await openTestDatabase();
t.teardown(() => database.drop());
const { db } = database;

const address = () => getAddress(`0x${crypto.randomBytes(20).toString('hex')}`);
const voters = Array.from({ length: 40 }, address);
const [proposalA, proposalB] = ['0xa', '0xb'].map((prefix) => `${prefix}${crypto.randomBytes(31).toString('hex')}`);
// Equal `created` and `vp` values among the rows, so order ties are broken by id; odd powers to check exact decoding.
await db.insert(votes).values(
  voters.flatMap((voter, index) =>
    [proposalA, proposalB].slice(0, index % 3 === 0 ? 1 : 2).map((proposal) => ({
      id: `0x${crypto.randomBytes(32).toString('hex')}`,
      ipfs: `ipfs-${index}`,
      voter,
      space: 'compiled.eth',
      proposal,
      choice: index % 4 === 0 ? [1, 2] : (index % 3) + 1,
      reason: index % 5 === 0 ? 'because' : '',
      app: index % 2 === 0 ? 'snapshot' : 'bench',
      metadata: {},
      created: 1_700_000_000 + Math.floor(index / 3),
      vp: String([1, 2.5, 0.1, 1e-7, 123456789.125][index % 5]),
      vpByStrategy: [index],
      vpState: 'final',
      credentialId: index % 6 === 0 ? `credential-${index}` : null,
      statusListHash: null,
      mci: index,
    })),
  ),
);

/** The page as the resolver built it before: drizzle query per request, cursor looked up with drizzle. */
async function reference(args: ListArguments, selection: Record<string, ListField>) {
  const page = pageOf(voteSpec, args);
  const conditions = whereConditions(voteSpec, args.where);
  if (args.after) {
    const [row] = await db.select({ value: page.orderField.column }).from(votes).where(eq(votes.id, args.after));
    if (!row) throw new Error('no such row');
    conditions.push(afterCondition(page, votes.id, row.value, args.after));
  }
  return db.select(selection).from(votes).where(and(...conditions)).orderBy(...page.order).limit(page.limit).offset(page.offset);
}

const all = voteColumns as unknown as Record<string, ListField>;
const some = { id: voteColumns.id, voter: voteColumns.voter, choice: voteColumns.choice, vp: voteColumns.vp, created: voteColumns.created, reason: voteColumns.reason } as Record<string, ListField>;
const [someVote] = await db.select({ id: votes.id }).from(votes).where(eq(votes.proposal, proposalA)).orderBy(votes.mci).limit(1).offset(7);
const cases: Array<[string, ListArguments, Record<string, ListField>]> = [
  ['a page of one proposal', { first: 100, where: { proposal: proposalA } }, some],
  ['every column', { first: 100, where: { proposal: proposalB } }, all],
  ['no where, default first', {}, some],
  ['voters by lower-case address', { where: { voter_in: [voters[1].toLowerCase(), voters[2], voters[3]] } }, some],
  ['a longer list', { where: { voter_in: voters.slice(0, 9) } }, some],
  ['empty _in matches nothing', { where: { voter_in: [] } }, some],
  ['empty _not_in is no condition', { where: { voter_not_in: [], proposal: proposalA } }, some],
  ['_not_in', { where: { voter_not_in: voters.slice(0, 5), proposal: proposalB } }, some],
  ['ranges', { where: { created_gte: 1_700_000_003, created_lt: 1_700_000_009, vp_gt: 0.5 } }, some],
  ['_not and _lte', { where: { app_not: 'bench', vp_lte: 2.5 }, orderBy: 'vp', orderDirection: 'asc' }, some],
  ['vp_in', { where: { vp_in: [1, 0.1] }, orderBy: 'vp' }, some],
  ['skip', { first: 5, skip: 3, where: { proposal: proposalA }, orderDirection: 'asc' }, some],
  ['after, created desc', { first: 10, after: someVote.id, where: { proposal: proposalA } }, some],
  ['after, vp asc', { first: 10, after: someVote.id, orderBy: 'vp', orderDirection: 'asc' }, some],
  ['nulls', { where: { proposal: proposalA, reason: 'because' } }, { id: voteColumns.id, credential_id: voteColumns.credential_id } as Record<string, ListField>],
];

// Few statements kept and fewer prepared: the cases also evict, rebuild and run unnamed statements.
const list = compiledList({ db, table: votes, spec: voteSpec, maxShapes: 3, maxPrepared: 2 });

t.test('each shape returns what the per-request drizzle query returns', async (tt) => {
  for (const [name, args, selection] of cases) {
    const expected = await reference(args, selection);
    tt.ok(expected.length > 0 || name.includes('nothing'), `${name}: the case selects rows`);
    tt.same(await list(args, selection), expected, name);
    tt.same(await list(args, selection), expected, `${name}, again`);
  }
});

t.test('concurrent reads of different shapes and values each get their own rows', async (tt) => {
  const expected = await Promise.all(cases.map(([, args, selection]) => reference(args, selection)));
  const twice = [...cases, ...cases];
  const got = await Promise.all(twice.map(([, args, selection]) => list(args, selection)));
  got.forEach((rows, index) => tt.same(rows, expected[index % cases.length], twice[index][0]));
});

t.test('rows shared by identical reads cannot be changed by one of them', async (tt) => {
  const args = { first: 100, where: { proposal: proposalA } };
  const [one, two] = await Promise.all([list(args, some), list(args, some), list(args, some)]);
  tt.not(one, two, 'each reader has its own array');
  tt.ok(one.every((row) => Object.isFrozen(row)), 'rows are frozen');
});

t.test('bad arguments are refused as before', async (tt) => {
  await tt.rejects(list({ first: 1001 }, some), /first/);
  await tt.rejects(list({ skip: 5001 }, some), /skip/);
  await tt.rejects(list({ where: { voter_in: voters.concat(voters, voters).slice(0, 101) } }, some), /at most 100/);
  await tt.rejects(list({ orderBy: 'reason' }, some), /orderBy/);
  await tt.rejects(list({ after: '0xnot-a-vote' }, some), /after/);
});

/** A read whose answer the test releases by hand. */
function deferredRead() {
  const calls: Array<(value: number) => void> = [];
  const read = () => new Promise<number>((resolve) => calls.push(resolve));
  return { read, calls };
}

t.test('shared reads: a reader never gets a run sent before it asked', async (tt) => {
  const share = sharedReads();
  const { read, calls } = deferredRead();
  const first = share('page', read);
  tt.equal(calls.length, 1, 'a lone reader runs at once');
  const second = share('page', read);
  const third = share('page', read);
  tt.equal(calls.length, 1, 'readers arriving while it is in flight wait');
  calls[0](1);
  tt.equal(await first, 1);
  await new Promise((resolve) => setImmediate(resolve)); // lets the waiters send their run
  tt.equal(calls.length, 2, 'the waiters sent one new run');
  calls[1](2);
  tt.equal(await second, 2, 'a waiter gets the new run, not the one in flight when it asked');
  tt.equal(await third, 2);
  tt.equal(calls.length, 2, 'two runs for three readers');
  const other = share('other page', read);
  tt.equal(calls.length, 3, 'another key runs on its own');
  calls[2](3);
  tt.equal(await other, 3);
});

t.test('shared reads: a failed run fails its readers, and the next reader runs again', async (tt) => {
  const share = sharedReads();
  let runs = 0;
  const failing = () => {
    runs++;
    return Promise.reject(new Error('database unavailable'));
  };
  await tt.rejects(share('page', failing), /unavailable/);
  await tt.rejects(Promise.all([share('page', failing), share('page', failing)]), /unavailable/);
  tt.equal(await share('page', async () => 7), 7);
  tt.equal(runs, 3, 'no failed run is remembered');
});
