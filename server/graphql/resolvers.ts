/** Root query resolvers and batched field loaders (one query per field per request, never one per row). */
import { and, eq, ilike, inArray, lte, gt, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { GraphQLResolveInfo } from 'graphql';
import type { IResolvers, MercuriusLoaders } from 'mercurius';
import { riskReports } from '../../schema/ai-tables.ts';
import { decisions } from '../../schema/decision-tables.ts';
import { riskView } from '../risk/risk-view.ts';
import type { StoredRisk } from '../risk/types.ts';
import { aliases, follows, messages, proposals, spaces, votes } from '../../schema/tables.ts';
import type { SpaceSettings } from '../../schema/space-settings.ts';
import type { Db } from '../db/open-database.ts';
import { ClientError } from '../errors.ts';
import { loadCredentialsByIds } from '../membership/credential-store.ts';
import type { Membership } from '../membership/create-membership.ts';
import { identityStatus } from '../membership/identity-status.ts';
import { submitCredential } from '../membership/submit-credential.ts';
import { afterCondition, LIMITS, pageOf, whereConditions, type EntitySpec } from './build-query.ts';
import { checkpointStatement, listCheckpoints } from '../log/checkpoint.ts';
import { selectedColumns } from './selected-columns.ts';
import { compiledList, type ListArguments, type ListField } from './compiled-list.ts';
import {
  aliasSpec,
  followSpec,
  messageColumns,
  messageSpec,
  proposalColumns,
  proposalSpec,
  spaceSpec,
  voteColumns,
  voteSpec,
} from './entities.ts';

/** Vote fields resolved from other columns: the nested space and proposal (loaders) and the identity. */
const VOTE_FIELD_COLUMNS = {
  identity: ['space', 'credential_id', 'status_list_hash'],
  __typename: [],
} satisfies Partial<Record<string, ReadonlyArray<keyof typeof voteColumns>>>;

type SpaceRow = { id: string; settings: unknown; controller: string; created: number; updated: number };

const spaceColumns = {
  id: spaces.id,
  settings: spaces.settings,
  controller: spaces.controller,
  created: spaces.created,
  updated: spaces.updated,
};

/** A space as GraphQL shows it: its signed settings plus what the service knows. */
function spaceView(row: SpaceRow) {
  const settings = row.settings as SpaceSettings;
  return {
    ...settings,
    id: row.id,
    controller: row.controller,
    created: row.created,
    updated: row.updated,
    verified: false,
    flagged: false,
    hibernated: false,
    turbo: false,
  };
}

/** A proposal row as GraphQL shows it: its state (pending, active, closed) and link added. */
export function proposalView<T extends { start: number; end: number; id: string; space: string }>(row: T) {
  const now = Math.floor(Date.now() / 1000);
  const state = now < row.start ? 'pending' : now > row.end ? 'closed' : 'active';
  return { ...row, state, link: `/#/${row.space}/proposal/${row.id}` };
}

function proposalExtras(where: Record<string, unknown> | null | undefined): SQL[] {
  const conditions: SQL[] = [];
  if (!where) return conditions;
  const now = Math.floor(Date.now() / 1000);
  if (typeof where.title_contains === 'string') conditions.push(ilike(proposals.title, `%${where.title_contains.replace(/[%_\\]/g, '\\$&')}%`));
  if (typeof where.flagged === 'boolean') conditions.push(eq(proposals.flagged, where.flagged));
  switch (where.state) {
    case undefined:
    case null:
    case 'all':
    case '':
      break;
    case 'pending':
      conditions.push(gt(proposals.start, now));
      break;
    case 'active':
      conditions.push(lte(proposals.start, now), gte(proposals.end, now));
      break;
    case 'closed':
      conditions.push(lt(proposals.end, now));
      break;
    default:
      throw new ClientError('`state` must be one of pending, active, closed, all');
  }
  return conditions;
}

export type ResolverDependencies = { db: Db; membership: Membership };

/** Builds the resolvers over `db`. */
export function createResolvers({ db, membership }: ResolverDependencies): { resolvers: IResolvers; loaders: MercuriusLoaders } {
  /** Keyset condition for `after`: the id of the last row of the previous page. */
  async function cursor(spec: EntitySpec, table: typeof proposals, args: ListArguments, page: ReturnType<typeof pageOf>) {
    if (!args.after) return [];
    const [row] = await db
      .select({ value: page.orderField.column })
      .from(table)
      .where(eq(spec.id, args.after));
    if (!row) throw new ClientError('`after` must be the id of a row of the previous page');
    return [afterCondition(page, spec.id, row.value, args.after)];
  }

  // The hottest read (a proposal's votes, page by page): statements built once per shape.
  const votePages = compiledList({ db, table: votes, spec: voteSpec });

  const resolvers: IResolvers = {
    Query: {
      async space(_root, { id }: { id?: string | null }) {
        if (!id) return null;
        const [row] = await db.select(spaceColumns).from(spaces).where(and(eq(spaces.id, id), eq(spaces.deleted, false)));
        return row ? spaceView(row) : null;
      },
      async spaces(_root, args: ListArguments) {
        const page = pageOf(spaceSpec, args);
        const rows = await db
          .select(spaceColumns)
          .from(spaces)
          .where(and(eq(spaces.deleted, false), ...whereConditions(spaceSpec, args.where)))
          .orderBy(...page.order)
          .limit(page.limit)
          .offset(page.offset);
        return rows.map(spaceView);
      },
      async proposal(_root, { id }: { id?: string | null }) {
        if (!id) return null;
        const [row] = await db.select(proposalColumns).from(proposals).where(eq(proposals.id, id));
        return row ? proposalView(row) : null;
      },
      async proposals(_root, args: ListArguments) {
        const page = pageOf(proposalSpec, args);
        const rows = await db
          .select(proposalColumns)
          .from(proposals)
          .where(
            and(
              ...whereConditions(proposalSpec, args.where),
              ...proposalExtras(args.where),
              ...(await cursor(proposalSpec, proposals, args, page)),
            ),
          )
          .orderBy(...page.order)
          .limit(page.limit)
          .offset(page.offset);
        return rows.map(proposalView);
      },
      async vote(_root, { id }: { id?: string | null }) {
        if (!id) return null;
        const [row] = await db.select(voteColumns).from(votes).where(eq(votes.id, id));
        return row ?? null;
      },
      votes: (_root, args: ListArguments, _context, info: GraphQLResolveInfo) =>
        votePages(args, selectedColumns({ info, columns: voteColumns, needs: VOTE_FIELD_COLUMNS, always: ['id'] }) as Record<string, ListField>),
      async follows(_root, args: ListArguments) {
        const page = pageOf(followSpec, args);
        return db
          .select()
          .from(follows)
          .where(and(...whereConditions(followSpec, args.where)))
          .orderBy(...page.order)
          .limit(page.limit)
          .offset(page.offset);
      },
      async aliases(_root, args: ListArguments) {
        const page = pageOf(aliasSpec, args);
        return db
          .select()
          .from(aliases)
          .where(and(...whereConditions(aliasSpec, args.where)))
          .orderBy(...page.order)
          .limit(page.limit)
          .offset(page.offset);
      },
      async messages(_root, args: ListArguments) {
        const page = pageOf(messageSpec, args);
        return db
          .select(messageColumns)
          .from(messages)
          .where(and(...whereConditions(messageSpec, args.where)))
          .orderBy(...page.order)
          .limit(page.limit)
          .offset(page.offset);
      },
      async checkpoints(_root, { first, skip }: { first?: number | null; skip?: number | null }) {
        const limit = first ?? LIMITS.defaultFirst;
        const offset = skip ?? 0;
        if (limit < 0 || limit > LIMITS.first) throw new ClientError(`\`first\` must be between 0 and ${LIMITS.first}`);
        if (offset < 0 || offset > LIMITS.skip) throw new ClientError(`\`skip\` must be between 0 and ${LIMITS.skip}`);
        const rows = await listCheckpoints({ db, first: limit, skip: offset });
        return rows.map((row) => ({ ...row, statement: checkpointStatement(row) }));
      },
      identity: (_root, args: { space: string; address: string }) => identityStatus(membership, args),
    },
    Mutation: {
      submitCredential: (_root, args: { space: string; jwt: string }) => submitCredential(membership, args),
    },
    Vote: {
      identity: (vote: { space: string; credential_id: string | null; status_list_hash: string | null }) =>
        vote.credential_id === null
          ? null
          : { space: vote.space, credentialId: vote.credential_id, statusListHash: vote.status_list_hash },
    },
  };

  type Query<T> = Array<{ obj: T }>;

  async function spacesById(ids: string[]) {
    const unique = [...new Set(ids)];
    const rows = await db.select(spaceColumns).from(spaces).where(inArray(spaces.id, unique));
    const byId = new Map(rows.map((row) => [row.id, spaceView(row)]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  async function countBy(ids: string[], count: (unique: string[]) => Promise<Array<{ key: string; n: number }>>) {
    const rows = await count([...new Set(ids)]);
    const byKey = new Map(rows.map((row) => [row.key, Number(row.n)]));
    return ids.map((id) => byKey.get(id) ?? 0);
  }

  const loaders: MercuriusLoaders = {
    Vote: {
      space: (queries: Query<{ space: string }>) => spacesById(queries.map(({ obj }) => obj.space)),
      async proposal(queries: Query<{ proposal: string }>) {
        const ids = queries.map(({ obj }) => obj.proposal);
        const rows = await db.select(proposalColumns).from(proposals).where(inArray(proposals.id, [...new Set(ids)]));
        const byId = new Map(rows.map((row) => [row.id, proposalView(row)]));
        return ids.map((id) => byId.get(id) ?? null);
      },
    },
    VoteIdentity: {
      async credential(queries: Query<{ space: string; credentialId: string }>) {
        const keys = queries.map(({ obj }) => ({ space: obj.space, id: obj.credentialId }));
        const rows = await loadCredentialsByIds(db, keys);
        const byKey = new Map(rows.map((row) => [`${row.space}\n${row.id}`, row]));
        return keys.map((key) => byKey.get(`${key.space}\n${key.id}`) ?? null);
      },
    },
    Proposal: {
      space: (queries: Query<{ space: string }>) => spacesById(queries.map(({ obj }) => obj.space)),
      async outcome(queries: Query<{ id: string }>) {
        const ids = queries.map(({ obj }) => obj.id);
        const rows = await db.select().from(decisions).where(inArray(decisions.proposal, [...new Set(ids)]));
        const byProposal = new Map(
          rows.map((row) => [
            row.proposal,
            { ...row, scores_by_strategy: row.scoresByStrategy, scores_total: row.scoresTotal, risk: row.riskReport ? riskView(row.riskReport as StoredRisk) : null },
          ]),
        );
        return ids.map((id) => byProposal.get(id) ?? null);
      },
      async risk(queries: Query<{ id: string }>) {
        const ids = queries.map(({ obj }) => obj.id);
        const rows = await db
          .select({ proposal: riskReports.proposal, report: riskReports.report })
          .from(riskReports)
          .where(inArray(riskReports.proposal, [...new Set(ids)]));
        const byProposal = new Map(rows.map((row) => [row.proposal, riskView(row.report as StoredRisk)]));
        return ids.map((id) => byProposal.get(id) ?? null);
      },
    },
    Follow: {
      space: (queries: Query<{ space: string }>) => spacesById(queries.map(({ obj }) => obj.space)),
    },
    Space: {
      followersCount: (queries: Query<{ id: string }>) =>
        countBy(
          queries.map(({ obj }) => obj.id),
          (unique) =>
            db
              .select({ key: follows.space, n: sql<number>`count(*)::int` })
              .from(follows)
              .where(inArray(follows.space, unique))
              .groupBy(follows.space),
        ),
      proposalsCount: (queries: Query<{ id: string }>) =>
        countBy(
          queries.map(({ obj }) => obj.id),
          (unique) =>
            db
              .select({ key: proposals.space, n: sql<number>`count(*)::int` })
              .from(proposals)
              .where(inArray(proposals.space, unique))
              .groupBy(proposals.space),
        ),
      votesCount: (queries: Query<{ id: string }>) =>
        countBy(
          queries.map(({ obj }) => obj.id),
          (unique) =>
            db
              .select({ key: proposals.space, n: sql<number>`sum(${proposals.votes})::int` })
              .from(proposals)
              .where(inArray(proposals.space, unique))
              .groupBy(proposals.space),
        ),
    },
  };

  return { resolvers, loaders };
}
