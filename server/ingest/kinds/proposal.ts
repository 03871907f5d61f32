/** `proposal`, `update-proposal`, `delete-proposal` (CancelProposal) and `flag-proposal`. */
import { and, eq, gt, sql } from 'drizzle-orm';
import { proposals, votes } from '../../../schema/tables.ts';
import { VOTING_TYPES } from '../../../schema/space-settings.ts';
import { checkProposalPayload, type CheckedSafePayload } from '../../../signer/check-proposal-payload.ts';
import { recordProposalPayload } from '../../../signer/record-proposal-payload.ts';
import { ClientError } from '../../errors.ts';
import { getVotingPower } from '../../scoring/get-voting-power.ts';
import type { KindModule, VerifyContext } from '../kind-module.ts';
import { eachInSavepoint } from '../log-writer.ts';
import { spaceRole, type SpaceRecord } from '../records.ts';

/** Snapshot's limits for a proposal's text fields. */
export const PROPOSAL_LIMITS = { title: 256, body: 10_000, discussion: 256, choices: 20, choice: 256, labels: 10, app: 24, plugins: 10_000 };

type Content = {
  type: string;
  title: string;
  body: string;
  discussion: string;
  choices: string[];
  labels: string[];
  plugins: Record<string, unknown>;
  privacy: string;
};

/** Checks the fields a proposal and its update share. */
function checkContent(message: Record<string, unknown>, space: SpaceRecord): Content {
  const type = message.type as string;
  if (!(VOTING_TYPES as readonly string[]).includes(type)) throw new ClientError('wrong proposal format: unknown voting type');
  if (space.settings.voting.type && type !== space.settings.voting.type) {
    throw new ClientError(`space only allows ${space.settings.voting.type} proposals`);
  }
  const title = message.title as string;
  if (title.trim().length === 0 || title.length > PROPOSAL_LIMITS.title) {
    throw new ClientError(`wrong proposal format: title must be 1 to ${PROPOSAL_LIMITS.title} characters`);
  }
  const body = message.body as string;
  if (body.length > PROPOSAL_LIMITS.body) throw new ClientError(`wrong proposal format: body must be at most ${PROPOSAL_LIMITS.body} characters`);
  const discussion = message.discussion as string;
  if (discussion.length > PROPOSAL_LIMITS.discussion || (discussion !== '' && !/^https?:\/\//.test(discussion))) {
    throw new ClientError('wrong proposal format: discussion must be an http(s) link');
  }
  const choices = message.choices as string[];
  if (choices.length === 0 || choices.length > PROPOSAL_LIMITS.choices) {
    throw new ClientError(`wrong proposal format: 1 to ${PROPOSAL_LIMITS.choices} choices`);
  }
  if (choices.some((choice) => choice.trim().length === 0 || choice.length > PROPOSAL_LIMITS.choice)) {
    throw new ClientError('wrong proposal format: every choice needs text');
  }
  if (type === 'basic' && (choices.length < 2 || choices.length > 3)) {
    throw new ClientError('wrong proposal format: basic voting needs 2 or 3 choices');
  }
  const labels = message.labels as string[];
  if (labels.length > PROPOSAL_LIMITS.labels) throw new ClientError('wrong proposal format: too many labels');
  const pluginsText = message.plugins as string;
  if (pluginsText.length > PROPOSAL_LIMITS.plugins) throw new ClientError('wrong proposal format: plugins too large');
  let plugins: unknown;
  try {
    plugins = JSON.parse(pluginsText || '{}');
  } catch {
    throw new ClientError('wrong proposal format: plugins must be JSON');
  }
  if (typeof plugins !== 'object' || plugins === null || Array.isArray(plugins)) {
    throw new ClientError('wrong proposal format: plugins must be a JSON object');
  }
  const privacy = message.privacy as string;
  if (privacy !== '') throw new ClientError('wrong proposal format: shutter privacy is not supported');
  return { type, title, body, discussion, choices, labels, plugins: plugins as Record<string, unknown>, privacy };
}

/** Who may propose: members only when the space says so, else the space's proposal validation. */
async function checkAuthor({ from, config }: VerifyContext, space: SpaceRecord): Promise<void> {
  const role = spaceRole(space, from);
  if (space.settings.filters.onlyMembers) {
    if (!role.member) throw new ClientError('only space members can create proposals');
    return;
  }
  if (role.moderator) return;
  const validation = space.settings.validation;
  const minScore =
    validation.name === 'basic' ? (validation.params.minScore as number) : space.settings.filters.minScore;
  if (minScore > 0) {
    const { vp } = await getVotingPower({
      address: from,
      strategies: space.settings.strategies,
      network: space.settings.network,
      snapshot: 'latest',
      rpcUrls: config.rpcUrls,
    });
    if (vp < minScore) throw new ClientError('validation failed');
  }
}

/** Per-space proposal quotas over the last day and the last 30 days (Snapshot's wording). */
async function checkQuota({ db, config, now }: VerifyContext, spaceId: string): Promise<void> {
  const [counts] = await db
    .select({
      day: sql<number>`count(*) FILTER (WHERE ${proposals.created} > ${now - DAY})::int`,
      month: sql<number>`count(*)::int`,
    })
    .from(proposals)
    .where(and(eq(proposals.space, spaceId), gt(proposals.created, now - 30 * DAY)));
  if (Number(counts.day) >= config.proposalLimitDay || Number(counts.month) >= config.proposalLimitMonth) {
    throw new ClientError('proposal limit reached');
  }
}

const DAY = 86_400;

type ProposalPrepared = Content & {
  id: string;
  author: string;
  created: number;
  space: SpaceRecord;
  start: number;
  end: number;
  snapshot: number;
  app: string;
  /** The Safe transactions to run on pass (signer relay), checked against the chain. */
  safePayload: CheckedSafePayload | null;
};

export const proposal: KindModule<ProposalPrepared> = {
  async verify(context) {
    const { parsed, from, space, now } = context;
    if (!space) throw new ClientError('unknown space');
    const message = parsed.message;
    const content = checkContent(message, space);
    const start = message.start as number;
    const end = message.end as number;
    const snapshot = message.snapshot as number;
    const app = message.app as string;
    if (app.length > PROPOSAL_LIMITS.app) throw new ClientError('wrong proposal format: app too long');
    if (!(end > start)) throw new ClientError('wrong proposal format: end must be after start');
    if (end <= now) throw new ClientError('proposal end date must be in the future');
    const { delay, period } = space.settings.voting;
    if (delay !== undefined && start !== message.timestamp + delay) {
      throw new ClientError(`proposal start must be ${delay} seconds after creation`);
    }
    if (period !== undefined && end - start !== period) {
      throw new ClientError(`proposal voting period must be ${period} seconds`);
    }
    await checkAuthor(context, space);
    await checkQuota(context, space.id);
    const safePayload = await checkSafePayload(context, content, space);
    return { ...content, id: parsed.id, author: from, created: message.timestamp, space, start, end, snapshot, app, safePayload };
  },
  apply: eachInSavepoint(async (tx, p, { mci, row }) => {
    const settings = p.space.settings;
    const strategies = settings.strategies.length;
    await tx.insert(proposals).values({
      id: p.id,
      ipfs: row.ipfs,
      author: p.author,
      created: p.created,
      space: p.space.id,
      network: settings.network,
      symbol: settings.symbol,
      type: p.type,
      title: p.title,
      body: p.body,
      discussion: p.discussion,
      choices: p.choices,
      labels: p.labels,
      start: p.start,
      end: p.end,
      snapshot: p.snapshot,
      strategies: settings.strategies,
      validation: settings.validation,
      voteValidation: settings.voteValidation,
      lockVotes: settings.voting.lockVotes === true,
      voting: settings.voting,
      plugins: p.plugins,
      privacy: p.privacy,
      app: p.app,
      quorum: settings.voting.quorum ?? 0,
      quorumType: settings.voting.quorumType ?? '',
      scores: p.choices.map(() => '0'),
      scoresByStrategy: zeroMatrix(p.choices.length, strategies),
      scoresUpdated: p.created,
      mci,
    });
    if (p.safePayload) await recordProposalPayload(tx, { proposal: p.id, space: p.space.id, payload: p.safePayload, now: p.created });
  }),
};

/** The signer relay's checks of a Safe payload in `plugins` (null when there is none). */
function checkSafePayload({ config }: VerifyContext, content: Content, space: SpaceRecord): Promise<CheckedSafePayload | null> {
  return checkProposalPayload({ plugins: content.plugins, type: content.type, choices: content.choices, settings: space.settings, rpcUrls: config.rpcUrls });
}

/** A choices × strategies matrix of zeros, stored in the numeric[] column as a 2-D array. */
function zeroMatrix(rows: number, columns: number): string[] {
  return Array.from({ length: rows }, () => Array.from({ length: columns }, () => '0')) as unknown as string[];
}

type UpdatePrepared = Content & { id: string; space: string; updated: number; strategies: number; safePayload: CheckedSafePayload | null };

export const updateProposal: KindModule<UpdatePrepared> = {
  async verify(context) {
    const { parsed, from, space, now, loadProposal } = context;
    if (!space) throw new ClientError('unknown space');
    const target = await loadProposal(parsed.message.proposal as string);
    if (!target || target.space !== space.id) throw new ClientError('unknown proposal');
    if (target.author !== from) throw new ClientError('only the author can update a proposal');
    if (now >= target.start) throw new ClientError('proposal already started');
    const content = checkContent(parsed.message, space);
    const safePayload = await checkSafePayload(context, content, space);
    return { ...content, id: target.id, space: space.id, updated: parsed.message.timestamp, strategies: target.strategies.length, safePayload };
  },
  apply: eachInSavepoint(async (tx, p, { mci }) => {
    // No vote can exist before start, so resetting the tallies to the new choices loses nothing.
    const updated = await tx
      .update(proposals)
      .set({
        type: p.type,
        title: p.title,
        body: p.body,
        discussion: p.discussion,
        choices: p.choices,
        labels: p.labels,
        plugins: p.plugins,
        privacy: p.privacy,
        updated: p.updated,
        scores: p.choices.map(() => '0'),
        scoresByStrategy: zeroMatrix(p.choices.length, p.strategies),
        mci,
      })
      .where(eq(proposals.id, p.id))
      .returning({ id: proposals.id });
    if (updated.length === 0) throw new ClientError('unknown proposal');
    await recordProposalPayload(tx, { proposal: p.id, space: p.space, payload: p.safePayload, now: p.updated });
  }),
};

type TargetPrepared = { id: string };

async function moderatedTarget(context: VerifyContext, allowAuthor: boolean): Promise<TargetPrepared> {
  const { parsed, from, space, loadProposal } = context;
  if (!space) throw new ClientError('unknown space');
  const target = await loadProposal(parsed.message.proposal as string);
  if (!target || target.space !== space.id) throw new ClientError('unknown proposal');
  const allowed = (allowAuthor && target.author === from) || spaceRole(space, from).moderator;
  if (!allowed) throw new ClientError(allowAuthor ? 'only the author, an admin or a moderator can cancel' : 'only an admin or a moderator can flag');
  return { id: target.id };
}

export const deleteProposal: KindModule<TargetPrepared> = {
  verify: (context) => moderatedTarget(context, true),
  apply: eachInSavepoint(async (tx, { id }) => {
    // The votes go with the proposal; every version of them stays in the message log and vote history.
    await tx.delete(votes).where(eq(votes.proposal, id));
    const deleted = await tx.delete(proposals).where(eq(proposals.id, id)).returning({ id: proposals.id });
    if (deleted.length === 0) throw new ClientError('unknown proposal');
  }),
};

export const flagProposal: KindModule<TargetPrepared> = {
  verify: (context) => moderatedTarget(context, false),
  apply: eachInSavepoint(async (tx, { id }) => {
    const flagged = await tx.update(proposals).set({ flagged: true }).where(eq(proposals.id, id)).returning({ id: proposals.id });
    if (flagged.length === 0) throw new ClientError('unknown proposal');
  }),
};
