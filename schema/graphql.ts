/** The GraphQL read API: Snapshot hub's names and shapes, plus cursor paging (`after`). */

const stringFilters = (field: string) => `  ${field}: String\n  ${field}_not: String\n  ${field}_in: [String]\n  ${field}_not_in: [String]\n`;
const intFilters = (field: string) =>
  `  ${field}: Int\n  ${field}_not: Int\n  ${field}_in: [Int]\n  ${field}_not_in: [Int]\n  ${field}_gt: Int\n  ${field}_gte: Int\n  ${field}_lt: Int\n  ${field}_lte: Int\n`;
const floatFilters = (field: string) =>
  `  ${field}: Float\n  ${field}_not: Float\n  ${field}_in: [Float]\n  ${field}_not_in: [Float]\n  ${field}_gt: Float\n  ${field}_gte: Float\n  ${field}_lt: Float\n  ${field}_lte: Float\n`;

const page = (where: string, after = false) =>
  `first: Int, skip: Int, ${after ? 'after: String, ' : ''}where: ${where}, orderBy: String, orderDirection: OrderDirection`;

export const typeDefs = /* GraphQL */ `
scalar Any

enum OrderDirection {
  asc
  desc
}

type Query {
  space(id: String): Space
  spaces(${page('SpaceWhere')}): [Space]
  proposal(id: String): Proposal
  "Pass the id of the last proposal seen as \`after\` to read the next page, with no limit on depth."
  proposals(${page('ProposalWhere', true)}): [Proposal]
  vote(id: String): Vote
  "Pass the id of the last vote seen as \`after\` to read the next page, with no limit on depth."
  votes(${page('VoteWhere', true)}): [Vote]
  follows(${page('FollowWhere')}): [Follow]
  aliases(${page('AliasWhere')}): [Alias]
  messages(${page('MessageWhere')}): [Message]
  "The service's signed checkpoints of the message log's hash chain, newest first."
  checkpoints(first: Int, skip: Int): [Checkpoint]
}

input SpaceWhere {
${stringFilters('id')}${stringFilters('controller')}${stringFilters('network')}${intFilters('created')}}

input ProposalWhere {
${stringFilters('id')}${stringFilters('ipfs')}${stringFilters('space')}${stringFilters('author')}${stringFilters('network')}${stringFilters('type')}${stringFilters('app')}${intFilters('created')}${intFilters('start')}${intFilters('end')}${intFilters('votes')}${floatFilters('scores_total')}${stringFilters('scores_state')}  title_contains: String
  state: String
  flagged: Boolean
}

input VoteWhere {
${stringFilters('id')}${stringFilters('ipfs')}${stringFilters('space')}${stringFilters('voter')}${stringFilters('proposal')}${stringFilters('reason')}${stringFilters('app')}${intFilters('created')}${floatFilters('vp')}${stringFilters('vp_state')}}

input FollowWhere {
${stringFilters('id')}${stringFilters('ipfs')}${stringFilters('follower')}${stringFilters('space')}${stringFilters('network')}${intFilters('created')}}

input AliasWhere {
${stringFilters('id')}${stringFilters('ipfs')}${stringFilters('address')}${stringFilters('alias')}${intFilters('created')}}

input MessageWhere {
${stringFilters('id')}${stringFilters('address')}${stringFilters('space')}${stringFilters('type')}${intFilters('mci')}${intFilters('timestamp')}}

type Strategy {
  name: String!
  network: String
  params: Any
}

type SpaceFilters {
  minScore: Float
  onlyMembers: Boolean
}

type SpaceVoting {
  delay: Int
  period: Int
  type: String
  quorum: Float
  quorumType: String
  blind: Boolean
  hideAbstain: Boolean
  privacy: String
  aliased: Boolean
  lockVotes: Boolean
}

type Validation {
  name: String!
  params: Any
}

type Space {
  id: String!
  name: String
  about: String
  avatar: String
  cover: String
  network: String
  symbol: String
  skin: String
  domain: String
  terms: String
  website: String
  twitter: String
  github: String
  coingecko: String
  private: Boolean
  categories: [String]
  admins: [String]
  members: [String]
  moderators: [String]
  strategies: [Strategy]
  filters: SpaceFilters
  plugins: Any
  voting: SpaceVoting
  validation: Validation
  voteValidation: Validation
  treasuries: Any
  labels: Any
  controller: String
  verified: Boolean
  flagged: Boolean
  hibernated: Boolean
  turbo: Boolean
  followersCount: Int
  proposalsCount: Int
  votesCount: Int
  created: Int!
  updated: Int
}

type Proposal {
  id: String!
  ipfs: String
  author: String!
  created: Int!
  updated: Int
  space: Space
  network: String!
  symbol: String!
  type: String
  strategies: [Strategy]!
  validation: Validation
  plugins: Any!
  title: String!
  body: String
  discussion: String!
  choices: [String]!
  labels: [String]
  start: Int!
  end: Int!
  quorum: Float!
  quorumType: String
  privacy: String
  snapshot: Int
  state: String
  link: String
  app: String
  scores: [Float]
  scores_by_strategy: Any
  scores_state: String
  scores_total: Float
  scores_updated: Int
  votes: Int
  flagged: Boolean
}

type Vote {
  id: String!
  ipfs: String
  voter: String!
  created: Int!
  space: Space!
  proposal: Proposal
  choice: Any!
  metadata: Any
  reason: String
  app: String
  vp: Float
  vp_by_strategy: [Float]
  vp_state: String
}

type Follow {
  id: String!
  ipfs: String
  follower: String!
  space: Space!
  network: String
  created: Int!
}

type Alias {
  id: String!
  ipfs: String
  address: String!
  alias: String!
  created: Int!
}

type Message {
  mci: Int
  id: String
  ipfs: String
  address: String
  version: String
  timestamp: Int
  space: String
  type: String
  sig: String
  receipt: String
  "sha256 chain: hash of the previous entry, and of this one over it (see docs/reliability.md)."
  prev_hash: String
  hash: String
}

type Checkpoint {
  mci: Int!
  hash: String!
  signature: String!
  signer: String!
  created: Int!
  "The EIP-191 text that \`signature\` signs."
  statement: String!
}
`;
