/** Database tables: the append-only message log is the source of truth; the rest is derived from it. */
import {
  bigint,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';

/** Every accepted signed message, in acceptance order (`mci` as in Snapshot). */
export const messages = pgTable(
  'messages',
  {
    /** Assigned by the log writer under a cluster-wide lock, so order = commit order (gaps allowed). */
    mci: bigint('mci', { mode: 'number' }).primaryKey(),
    id: text('id').notNull(),
    ipfs: text('ipfs').notNull(),
    address: text('address').notNull(),
    version: text('version').notNull(),
    timestamp: bigint('timestamp', { mode: 'number' }).notNull(),
    space: text('space').notNull(),
    type: text('type').notNull(),
    sig: text('sig').notNull(),
    receipt: text('receipt').notNull(),
    /** The signed envelope exactly as received, so anyone can re-verify it. */
    envelope: jsonb('envelope').notNull(),
    received: bigint('received', { mode: 'number' }).notNull(),
    /** Hash of the previous entry (by mci); see server/log/entry-hash.ts. */
    prevHash: text('prev_hash').notNull().default(''),
    /** sha256 over `prev_hash` and this entry's fields: the tamper-evident chain. */
    hash: text('hash').notNull().default(''),
  },
  (t) => [
    uniqueIndex('messages_id').on(t.id),
    index('messages_space_mci').on(t.space, t.mci),
    index('messages_address').on(t.address),
  ],
);

export const spaces = pgTable(
  'spaces',
  {
    id: text('id').primaryKey(),
    /** Normalised settings JSON, as signed by the controller or an admin. */
    settings: jsonb('settings').notNull(),
    name: text('name').notNull(),
    network: text('network').notNull(),
    controller: text('controller').notNull(),
    created: bigint('created', { mode: 'number' }).notNull(),
    updated: bigint('updated', { mode: 'number' }).notNull(),
    deleted: boolean('deleted').notNull().default(false),
    mci: bigint('mci', { mode: 'number' }).notNull(),
  },
  (t) => [index('spaces_created').on(t.created), index('spaces_controller').on(t.controller)],
);

export const proposals = pgTable(
  'proposals',
  {
    id: text('id').primaryKey(),
    ipfs: text('ipfs').notNull(),
    author: text('author').notNull(),
    created: bigint('created', { mode: 'number' }).notNull(),
    updated: bigint('updated', { mode: 'number' }),
    space: text('space').notNull(),
    network: text('network').notNull(),
    symbol: text('symbol').notNull(),
    type: text('type').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    discussion: text('discussion').notNull(),
    choices: jsonb('choices').$type<string[]>().notNull(),
    labels: jsonb('labels').$type<string[]>().notNull(),
    start: bigint('start', { mode: 'number' }).notNull(),
    end: bigint('end', { mode: 'number' }).notNull(),
    snapshot: bigint('snapshot', { mode: 'number' }).notNull(),
    /** Strategies, validations and vote policy frozen from the space at creation, as Snapshot does. */
    strategies: jsonb('strategies').notNull(),
    validation: jsonb('validation').notNull(),
    voteValidation: jsonb('vote_validation').notNull(),
    lockVotes: boolean('lock_votes').notNull().default(false),
    /** The space's voting policy at creation (quorum rules, pass threshold, hideAbstain). */
    voting: jsonb('voting').notNull().default({}),
    plugins: jsonb('plugins').notNull(),
    privacy: text('privacy').notNull(),
    app: text('app').notNull(),
    quorum: doublePrecision('quorum').notNull().default(0),
    quorumType: text('quorum_type').notNull().default(''),
    flagged: boolean('flagged').notNull().default(false),
    /** Live tallies kept exact (numeric) by the votes trigger; read as float like Snapshot. */
    scores: numeric('scores').array().notNull(),
    /** Two-dimensional: [choice][strategy]. */
    scoresByStrategy: numeric('scores_by_strategy').array().notNull(),
    scoresTotal: numeric('scores_total').notNull().default('0'),
    scoresState: text('scores_state').notNull().default('pending'),
    scoresUpdated: bigint('scores_updated', { mode: 'number' }).notNull().default(0),
    /** For types recounted in the background: the last log entry the scores include. */
    scoresMci: bigint('scores_mci', { mode: 'number' }).notNull().default(0),
    /**
     * Weighted and quadratic: the running sums the votes trigger keeps and derives `scores` from. Per
     * choice (and [choice][strategy]) Σ power × weight share (weighted) or Σ √(weight share × power)
     * (quadratic), over the valid ballots; `runningValid` is Σ power of those ballots.
     */
    runningSums: numeric('running_sums').array().notNull().default(sql`'{}'`),
    runningSumsByStrategy: numeric('running_sums_by_strategy').array().notNull().default(sql`'{}'`),
    runningValid: numeric('running_valid').notNull().default('0'),
    votes: integer('votes').notNull().default(0),
    mci: bigint('mci', { mode: 'number' }).notNull(),
  },
  (t) => [
    index('proposals_space_created').on(t.space, t.created),
    index('proposals_created').on(t.created),
    index('proposals_author').on(t.author),
    index('proposals_end').on(t.end),
  ],
);

/** The current ballot of each voter on each proposal (latest wins). */
export const votes = pgTable(
  'votes',
  {
    id: text('id').notNull(),
    ipfs: text('ipfs').notNull(),
    voter: text('voter').notNull(),
    space: text('space').notNull(),
    proposal: text('proposal').notNull(),
    choice: jsonb('choice').notNull(),
    reason: text('reason').notNull(),
    app: text('app').notNull(),
    metadata: jsonb('metadata').notNull(),
    created: bigint('created', { mode: 'number' }).notNull(),
    vp: numeric('vp').notNull(),
    vpByStrategy: jsonb('vp_by_strategy').$type<number[]>().notNull(),
    vpState: text('vp_state').notNull(),
    /** `jti` of the membership credential the vote was checked against (spaces that require identity). */
    credentialId: text('credential_id'),
    /** sha256 of the status list consulted for that credential, for offline re-verification. */
    statusListHash: text('status_list_hash'),
    mci: bigint('mci', { mode: 'number' }).notNull(),
  },
  (t) => [
    primaryKey({ name: 'votes_pkey', columns: [t.proposal, t.voter] }),
    uniqueIndex('votes_id').on(t.id),
    index('votes_proposal_created').on(t.proposal, t.created, t.id),
    index('votes_proposal_vp').on(t.proposal, t.vp, t.id),
    index('votes_proposal_mci').on(t.proposal, t.mci),
    // The few votes whose power waits for the snapshot block, found at close without scanning every vote.
    index('votes_proposal_pending').on(t.proposal).where(sql`vp_state = 'pending'`),
    index('votes_voter_created').on(t.voter, t.created),
    index('votes_space_created').on(t.space, t.created),
  ],
);

/** Every vote ever accepted, including the ones a later vote replaced. */
export const voteHistory = pgTable(
  'vote_history',
  {
    id: text('id').primaryKey(),
    voter: text('voter').notNull(),
    space: text('space').notNull(),
    proposal: text('proposal').notNull(),
    choice: jsonb('choice').notNull(),
    reason: text('reason').notNull(),
    app: text('app').notNull(),
    created: bigint('created', { mode: 'number' }).notNull(),
    vp: numeric('vp').notNull(),
    credentialId: text('credential_id'),
    statusListHash: text('status_list_hash'),
    mci: bigint('mci', { mode: 'number' }).notNull(),
  },
  (t) => [index('vote_history_proposal_mci').on(t.proposal, t.mci)],
);

export const follows = pgTable(
  'follows',
  {
    id: text('id').notNull(),
    ipfs: text('ipfs').notNull(),
    follower: text('follower').notNull(),
    space: text('space').notNull(),
    network: text('network').notNull(),
    created: bigint('created', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ name: 'follows_pkey', columns: [t.follower, t.space] }), uniqueIndex('follows_id').on(t.id)],
);

export const aliases = pgTable(
  'aliases',
  {
    id: text('id').notNull(),
    ipfs: text('ipfs').notNull(),
    address: text('address').notNull(),
    alias: text('alias').primaryKey(),
    created: bigint('created', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('aliases_id').on(t.id), index('aliases_address').on(t.address)],
);

