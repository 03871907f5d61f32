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
  "Whether \`address\` may vote in \`space\` now: its best membership credential checked against the space's current identity policy."
  identity(space: String!, address: String!): Identity
}

type Mutation {
  "Submits a membership credential (VC-JWT) for a space: verified once, stored, returned normalised. Anyone may submit it; it only counts for its subject."
  submitCredential(space: String!, jwt: String!): Credential
}

type Subscription {
  "Each ballot accepted on the proposal, as it is committed (a changed vote comes again)."
  votes(proposal: String!): Vote
  "The proposal whenever its tally, votes count, state or fields change (tallies coalesced per commit)."
  proposalUpdated(id: String!): Proposal
  "Proposals created or updated in the space."
  proposals(space: String!): Proposal
  "The proposal's risk report each time it is recomputed while voting is open."
  riskReport(proposal: String!): Risk
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

type SpaceIdentity {
  required: Boolean!
  "Issuer DIDs whose membership credentials the space accepts."
  trustedIssuers: [String!]!
  credentialType: String!
  "Seconds since issuance after which a credential no longer counts."
  maxAge: Int
  requireStatus: Boolean!
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
  "Conclave: who may vote (membership credentials); null when everyone may."
  identity: SpaceIdentity
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
  "The signed decision, once voting has closed."
  outcome: Outcome
  "The AI overseer's risk report: live while voting is open, the final one once decided. Advisory only."
  risk: Risk
}

type Risk {
  proposal: String!
  "none, low, medium or high: the highest flag severity, raised (never lowered) by accepted LLM suggestions."
  level: String!
  computedAt: Int!
  "Vote versions analysed (every signed vote, including replaced ones)."
  votesAnalyzed: Int!
  lastMci: Int
  headline: String
  "LLM summary when an endpoint is configured and its answer is grounded; deterministic text otherwise."
  summary: String
  riskNotes: [String!]
  summarySource: String
  model: String
  flags: [RiskFlag!]!
  fairness: Fairness
  "Result per choice (0-based winner, -1 without votes), and without the medium/high-flagged voters."
  result: RiskResult
  resultWithoutFlagged: RiskResult
  rules: RulesCheck
}

type RiskFlag {
  kind: String!
  severity: String!
  detectorSeverity: String!
  score: Float!
  explanation: String!
  explanationSource: String!
  detectorExplanation: String!
  outcomeChanged: Boolean
  evidence: Evidence!
}

type Evidence {
  votes: [String!]!
  voters: [String!]!
  "Named figures (numbers) the explanation is rendered from."
  figures: Any!
}

type Fairness {
  voters: Int!
  totalVp: Float!
  gini: Float!
  nakamoto: Int!
  top1Share: Float!
  top10Share: Float!
  hhi: Float!
  effectiveVoters: Float!
  headShare: [Float!]!
  vpShare: [Float!]!
  countVsPowerDivergence: Float!
  countWinnerDiffers: Boolean!
}

type RiskResult {
  scores: [Float!]!
  winner: Int!
  quorumMet: Boolean!
}

type RulesCheck {
  verdict: String!
  violatedRules: [Int!]!
  notes: String!
  source: String!
}

type Outcome {
  id: String!
  outcome: String!
  winningChoice: Int
  quorum: Float
  quorumType: String
  quorumReached: Boolean!
  reason: String
  scores: [Float]
  scores_by_strategy: Any
  scores_total: Float
  votesCount: Int
  lastMci: Int
  votesHash: String
  resultsHash: String
  decidedAt: Int
  signer: String!
  signature: String!
  "The risk report as of the decision (advisory, not signed)."
  risk: Risk
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
  "The membership credential this vote was checked against (spaces that require identity); null otherwise."
  identity: VoteIdentity
}

type VoteIdentity {
  "The credential's jti."
  credentialId: String!
  "sha256 (hex) of the status list consulted when the vote was accepted."
  statusListHash: String
  credential: Credential
}

"A verified membership credential; times in Unix seconds."
type Credential {
  id: String!
  issuer: String!
  address: String!
  chainId: Float!
  space: String!
  credentialType: String!
  issuedAt: Int!
  validFrom: Int!
  expiresAt: Int!
  statusListUrl: String
  statusListIndex: Int
  "The VC-JWT as submitted, to re-verify offline."
  jwt: String!
}

type Identity {
  space: String!
  address: String!
  "Whether the space requires a membership credential to vote."
  required: Boolean!
  "valid, invalid, or none (the space has no identity policy)."
  status: String!
  "Why the status is not valid, e.g. no credential, credential expired, credential revoked."
  reason: String
  "The credential that passes, else the most recent one stored."
  credential: Credential
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
