/** What each GraphQL list can filter and order by, and how its rows are selected. */
import { sql } from 'drizzle-orm';
import { aliases, follows, messages, proposals, spaces, votes } from '../../schema/tables.ts';
import type { EntitySpec } from './build-query.ts';

export const spaceSpec: EntitySpec = {
  fields: {
    id: { column: spaces.id, kind: 'string' },
    controller: { column: spaces.controller, kind: 'address' },
    network: { column: spaces.network, kind: 'string' },
    created: { column: spaces.created, kind: 'number' },
    updated: { column: spaces.updated, kind: 'number' },
  },
  orderBy: ['created', 'updated', 'id'],
  id: spaces.id,
  maxSkip: 100_000,
};

export const proposalSpec: EntitySpec = {
  fields: {
    id: { column: proposals.id, kind: 'string' },
    ipfs: { column: proposals.ipfs, kind: 'string' },
    space: { column: proposals.space, kind: 'string' },
    author: { column: proposals.author, kind: 'address' },
    network: { column: proposals.network, kind: 'string' },
    type: { column: proposals.type, kind: 'string' },
    app: { column: proposals.app, kind: 'string' },
    created: { column: proposals.created, kind: 'number' },
    start: { column: proposals.start, kind: 'number' },
    end: { column: proposals.end, kind: 'number' },
    votes: { column: proposals.votes, kind: 'number' },
    scores_total: { column: proposals.scoresTotal, kind: 'number' },
    scores_state: { column: proposals.scoresState, kind: 'string' },
  },
  orderBy: ['created', 'start', 'end', 'votes', 'scores_total', 'id'],
  id: proposals.id,
  inLimits: { space: 10_000 },
};

export const voteSpec: EntitySpec = {
  fields: {
    id: { column: votes.id, kind: 'string' },
    ipfs: { column: votes.ipfs, kind: 'string' },
    space: { column: votes.space, kind: 'string' },
    voter: { column: votes.voter, kind: 'address' },
    proposal: { column: votes.proposal, kind: 'string' },
    reason: { column: votes.reason, kind: 'string' },
    app: { column: votes.app, kind: 'string' },
    created: { column: votes.created, kind: 'number' },
    vp: { column: votes.vp, kind: 'number' },
    vp_state: { column: votes.vpState, kind: 'string' },
  },
  orderBy: ['created', 'vp'],
  id: votes.id,
};

export const followSpec: EntitySpec = {
  fields: {
    id: { column: follows.id, kind: 'string' },
    ipfs: { column: follows.ipfs, kind: 'string' },
    follower: { column: follows.follower, kind: 'address' },
    space: { column: follows.space, kind: 'string' },
    network: { column: follows.network, kind: 'string' },
    created: { column: follows.created, kind: 'number' },
  },
  orderBy: ['created'],
  id: follows.id,
};

export const aliasSpec: EntitySpec = {
  fields: {
    id: { column: aliases.id, kind: 'string' },
    ipfs: { column: aliases.ipfs, kind: 'string' },
    address: { column: aliases.address, kind: 'address' },
    alias: { column: aliases.alias, kind: 'address' },
    created: { column: aliases.created, kind: 'number' },
  },
  orderBy: ['created'],
  id: aliases.id,
};

export const messageSpec: EntitySpec = {
  fields: {
    id: { column: messages.id, kind: 'string' },
    address: { column: messages.address, kind: 'address' },
    space: { column: messages.space, kind: 'string' },
    type: { column: messages.type, kind: 'string' },
    mci: { column: messages.mci, kind: 'number' },
    timestamp: { column: messages.timestamp, kind: 'number' },
  },
  orderBy: ['mci', 'timestamp'],
  id: messages.id,
};

/** Proposal columns as GraphQL returns them: exact numerics read as floats, like Snapshot. */
export const proposalColumns = {
  id: proposals.id,
  ipfs: proposals.ipfs,
  author: proposals.author,
  created: proposals.created,
  updated: proposals.updated,
  space: proposals.space,
  network: proposals.network,
  symbol: proposals.symbol,
  type: proposals.type,
  strategies: proposals.strategies,
  validation: proposals.voteValidation,
  plugins: proposals.plugins,
  title: proposals.title,
  body: proposals.body,
  discussion: proposals.discussion,
  choices: proposals.choices,
  labels: proposals.labels,
  start: proposals.start,
  end: proposals.end,
  quorum: proposals.quorum,
  quorumType: proposals.quorumType,
  privacy: proposals.privacy,
  snapshot: proposals.snapshot,
  app: proposals.app,
  scores: sql<number[]>`${proposals.scores}::float8[]`.as('scores'),
  scores_by_strategy: sql<number[][]>`${proposals.scoresByStrategy}::float8[]`.as('scores_by_strategy'),
  scores_state: proposals.scoresState,
  scores_total: sql<number>`${proposals.scoresTotal}::float8`.as('scores_total'),
  scores_updated: proposals.scoresUpdated,
  votes: proposals.votes,
  flagged: proposals.flagged,
};

export const voteColumns = {
  id: votes.id,
  ipfs: votes.ipfs,
  voter: votes.voter,
  created: votes.created,
  space: votes.space,
  proposal: votes.proposal,
  choice: votes.choice,
  metadata: votes.metadata,
  reason: votes.reason,
  app: votes.app,
  vp: sql<number>`${votes.vp}::float8`.as('vp'),
  vp_by_strategy: votes.vpByStrategy,
  vp_state: votes.vpState,
  credential_id: votes.credentialId,
  status_list_hash: votes.statusListHash,
};

export const messageColumns = {
  mci: messages.mci,
  id: messages.id,
  ipfs: messages.ipfs,
  address: messages.address,
  version: messages.version,
  timestamp: messages.timestamp,
  space: messages.space,
  type: messages.type,
  sig: messages.sig,
  receipt: messages.receipt,
  prev_hash: messages.prevHash,
  hash: messages.hash,
};
