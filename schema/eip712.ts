/** Snapshot's EIP-712 domain and message types; field order is part of the protocol. */

export type TypedField = { name: string; type: string };
export type TypedDataTypes = Record<string, TypedField[]>;

export const SNAPSHOT_DOMAIN = { name: 'snapshot', version: '0.1.4' } as const;

/** The kinds of message the service accepts, named as the Snapshot sequencer names them. */
export type MessageKind =
  | 'settings'
  | 'proposal'
  | 'update-proposal'
  | 'delete-proposal'
  | 'flag-proposal'
  | 'vote'
  | 'vote-array'
  | 'vote-string'
  | 'follow'
  | 'unfollow'
  | 'alias'
  | 'revoke-alias'
  | 'delete-space';

const f = (name: string, type: string): TypedField => ({ name, type });

const voteFields = (choiceType: string): TypedField[] => [
  f('from', 'string'),
  f('space', 'string'),
  f('timestamp', 'uint64'),
  f('proposal', 'string'),
  f('choice', choiceType),
  f('reason', 'string'),
  f('app', 'string'),
  f('metadata', 'string'),
];

/** Each kind with its primary type and fields, exactly as snapshot.js signs them. */
export const MESSAGE_TYPES: Record<MessageKind, { primaryType: string; fields: TypedField[] }> = {
  settings: {
    primaryType: 'Space',
    fields: [f('from', 'address'), f('space', 'string'), f('timestamp', 'uint64'), f('settings', 'string')],
  },
  proposal: {
    primaryType: 'Proposal',
    fields: [
      f('from', 'string'),
      f('space', 'string'),
      f('timestamp', 'uint64'),
      f('type', 'string'),
      f('title', 'string'),
      f('body', 'string'),
      f('discussion', 'string'),
      f('choices', 'string[]'),
      f('labels', 'string[]'),
      f('start', 'uint64'),
      f('end', 'uint64'),
      f('snapshot', 'uint64'),
      f('plugins', 'string'),
      f('privacy', 'string'),
      f('app', 'string'),
    ],
  },
  'update-proposal': {
    primaryType: 'UpdateProposal',
    fields: [
      f('proposal', 'string'),
      f('from', 'string'),
      f('space', 'string'),
      f('timestamp', 'uint64'),
      f('type', 'string'),
      f('title', 'string'),
      f('body', 'string'),
      f('discussion', 'string'),
      f('choices', 'string[]'),
      f('labels', 'string[]'),
      f('plugins', 'string'),
      f('privacy', 'string'),
    ],
  },
  'delete-proposal': {
    primaryType: 'CancelProposal',
    fields: [f('from', 'string'), f('space', 'string'), f('timestamp', 'uint64'), f('proposal', 'string')],
  },
  'flag-proposal': {
    primaryType: 'FlagProposal',
    fields: [f('from', 'string'), f('space', 'string'), f('proposal', 'string'), f('timestamp', 'uint64')],
  },
  vote: { primaryType: 'Vote', fields: voteFields('uint32') },
  'vote-array': { primaryType: 'Vote', fields: voteFields('uint32[]') },
  'vote-string': { primaryType: 'Vote', fields: voteFields('string') },
  follow: {
    primaryType: 'Follow',
    fields: [f('from', 'address'), f('network', 'string'), f('space', 'string'), f('timestamp', 'uint64')],
  },
  unfollow: {
    primaryType: 'Unfollow',
    fields: [f('from', 'address'), f('network', 'string'), f('space', 'string'), f('timestamp', 'uint64')],
  },
  alias: {
    primaryType: 'Alias',
    fields: [f('from', 'address'), f('alias', 'address'), f('timestamp', 'uint64')],
  },
  'revoke-alias': {
    primaryType: 'RevokeAlias',
    fields: [f('from', 'address'), f('alias', 'address'), f('timestamp', 'uint64')],
  },
  'delete-space': {
    primaryType: 'DeleteSpace',
    fields: [f('from', 'address'), f('space', 'string'), f('timestamp', 'uint64')],
  },
};

/** Kinds a session key (alias) may sign on behalf of its owner, as Snapshot allows. */
export const ALIASABLE_KINDS: ReadonlySet<MessageKind> = new Set<MessageKind>([
  'follow',
  'unfollow',
  'vote',
  'vote-array',
  'vote-string',
  'proposal',
  'update-proposal',
  'flag-proposal',
]);

/** Kinds that need an existing space. */
export const SPACE_REQUIRED_KINDS: ReadonlySet<MessageKind> = new Set<MessageKind>([
  'proposal',
  'update-proposal',
  'delete-proposal',
  'flag-proposal',
  'vote',
  'vote-array',
  'vote-string',
  'follow',
  'unfollow',
  'delete-space',
]);

/** The service's own signed statement of a proposal's outcome, verifiable by anyone with the relayer address. */
export const DECISION_DOMAIN = { name: 'conclave', version: '1' } as const;

export const DECISION_TYPES: Record<string, TypedField[]> = {
  Decision: [
    f('proposal', 'string'),
    f('space', 'string'),
    f('outcome', 'string'),
    f('winningChoice', 'uint32'),
    f('quorumReached', 'bool'),
    f('votesCount', 'uint32'),
    f('lastMci', 'uint64'),
    f('votesHash', 'bytes32'),
    f('resultsHash', 'bytes32'),
    f('decidedAt', 'uint64'),
  ],
};
