/** Decides a closed proposal: counts its current ballots, signs the outcome, and stores it once. */
import { and, eq } from 'drizzle-orm';
import { decisions } from '../../schema/decision-tables.ts';
import { proposals, votes } from '../../schema/tables.ts';
import type { SpaceVoting } from '../../schema/space-settings.ts';
import type { Db } from '../db/open-database.ts';
import { lockLog } from '../ingest/log-writer.ts';
import type { ServiceKey } from '../service-key.ts';
import { decideCountedVotes } from './compute-decision.ts';
import { scoreColumns } from './load-ballots.ts';
import { loadCountedVotes } from './load-counted-votes.ts';
import { openSnapshotReaders } from '../db/open-snapshot-readers.ts';
import { SELECTORS } from '../chain/abi.ts';
import { sharedRpcPool } from '../chain/rpc-pool.ts';
import { getVotingPower } from './get-voting-power.ts';
import { signDecision } from './sign-decision.ts';
import type { RpcUrls, StrategyConfig } from './strategy.ts';
import type { StructuredLlm } from '../ai/llm/client.ts';
import { riskAsOfDecision } from '../risk/risk-as-of-decision.ts';
import { storeRisk } from '../risk/store-risk.ts';

export type DecideProposalParameters = {
  db: Db;
  serviceKey: ServiceKey;
  proposalId: string;
  /** Server time in seconds. */
  now: number;
  /** Seconds after the end before deciding, so votes in flight at the end land first. */
  settleSeconds: number;
  rpcUrls: RpcUrls;
  /** The advisory LLM layer for the risk report attached to the decision (deterministic text without it). */
  llm?: StructuredLlm;
};

/** The decision must wait: power read before the snapshot block existed cannot be confirmed yet. */
export class DecisionPendingError extends Error {
  override name = 'DecisionPendingError';
}

export type Decision = typeof decisions.$inferSelect;

export type DecideProposalReturnType =
  | { status: 'decided'; decision: Decision }
  | { status: 'open'; decidesAt: number }
  | { status: 'unknown' };

/** `decideProposal` with the service's dependencies bound: the one decision path every trigger calls. */
export type DecideDue = (proposalId: string, now: number) => Promise<DecideProposalReturnType>;

/** Decides the proposal if its vote has ended (and settled); returns the existing decision if already decided. */
export async function decideProposal({ db, serviceKey, proposalId, now, settleSeconds, rpcUrls, llm }: DecideProposalParameters): Promise<DecideProposalReturnType> {
  await confirmPendingPower(db, proposalId, now, settleSeconds, rpcUrls);
  await resolvePercentageQuorum(db, proposalId, now, settleSeconds, rpcUrls);
  // The risk report (analysis and LLM calls) is prepared before the log lock, so it never holds up writes.
  const candidate = await prepareRisk(db, proposalId, now, settleSeconds, llm);
  return db.transaction(async (tx) => {
    // The log lock: no vote is being written while the ballots are read and the proposal is closed.
    await lockLog(tx);
    const [existing] = await tx.select().from(decisions).where(eq(decisions.proposal, proposalId));
    if (existing) return { status: 'decided', decision: existing };
    const [proposal] = await tx
      .select({
        id: proposals.id,
        space: proposals.space,
        type: proposals.type,
        choices: proposals.choices,
        strategies: proposals.strategies,
        end: proposals.end,
        quorum: proposals.quorum,
        quorumType: proposals.quorumType,
        voting: proposals.voting,
      })
      .from(proposals)
      .where(eq(proposals.id, proposalId));
    if (!proposal) return { status: 'unknown' };
    if (now < proposal.end + settleSeconds) return { status: 'open', decidesAt: proposal.end + settleSeconds };
    const counted = await loadVotesInParallel(db, tx, proposalId);
    const computed = decideCountedVotes({
      proposal: { ...proposal, strategies: (proposal.strategies as unknown[]).length, voting: proposal.voting as SpaceVoting },
      counted,
    });
    const { id, signature, signer } = signDecision(serviceKey, computed.message);
    // Advisory and not signed: computed from the same log, it never feeds into the outcome above.
    // In a savepoint, so a failure there can never abort the decision's transaction.
    const risk = await tx.transaction((savepoint) => riskAsOfDecision({ db: savepoint, proposalId, now, candidate })).catch(() => undefined);
    const [decision] = await tx
      .insert(decisions)
      .values({
        id,
        proposal: proposal.id,
        space: proposal.space,
        type: proposal.type,
        choices: proposal.choices,
        scores: computed.scores,
        scoresByStrategy: computed.scoresByStrategy,
        scoresTotal: computed.scoresTotal,
        winningChoice: computed.message.winningChoice || null,
        outcome: computed.message.outcome,
        quorum: proposal.quorum,
        quorumType: proposal.quorumType,
        quorumReached: computed.message.quorumReached,
        reason: computed.reason,
        votesCount: computed.message.votesCount,
        lastMci: computed.message.lastMci,
        votesHash: computed.message.votesHash,
        resultsHash: computed.message.resultsHash,
        decidedAt: computed.message.decidedAt,
        signer,
        signature,
        riskReport: risk ?? null,
      })
      .returning();
    if (risk) await tx.transaction((savepoint) => storeRisk({ db: savepoint, proposalId, space: proposal.space, risk })).catch(() => undefined);
    // The recount is the final word for every type, including those without live running totals.
    await tx
      .update(proposals)
      .set({
        ...scoreColumns({ scores: computed.scores, scores_by_strategy: computed.scoresByStrategy, scores_total: computed.scoresTotal }),
        scoresState: 'final',
        scoresUpdated: now,
      })
      .where(eq(proposals.id, proposalId));
    return { status: 'decided', decision };
  });
}

/** Readers in the transaction's snapshot while it holds the log lock; 10^6 ballots take seconds to read. */
const SNAPSHOT_READERS = 2;

/** The proposal's counted votes as the transaction sees them, read over extra connections where there can be some. */
function loadVotesInParallel(db: Db, tx: Db, proposalId: string) {
  return loadCountedVotes({
    db: tx,
    proposalId,
    // Without extra connections (PGlite, or the server refusing more) the transaction reads them itself.
    openReaders: () => openSnapshotReaders({ db, tx, count: SNAPSHOT_READERS }).catch(() => undefined),
  });
}

/** The risk report as of the end of voting, once the proposal is due (undefined before, or when it cannot be computed). */
async function prepareRisk(db: Db, proposalId: string, now: number, settleSeconds: number, llm: StructuredLlm | undefined) {
  const [proposal] = await db.select({ end: proposals.end }).from(proposals).where(eq(proposals.id, proposalId));
  if (!proposal || now < proposal.end + settleSeconds) return undefined;
  const [existing] = await db.select({ id: decisions.id }).from(decisions).where(eq(decisions.proposal, proposalId));
  if (existing) return undefined;
  return riskAsOfDecision({ db, proposalId, now, llm });
}

/**
 * Reads again, at the now-mined snapshot block, the power of votes cast while it was in the future.
 * Done before the locked transaction: chain reads must not hold up the log. Throws while it must wait.
 */
async function confirmPendingPower(db: Db, proposalId: string, now: number, settleSeconds: number, rpcUrls: RpcUrls) {
  const [proposal] = await db
    .select({ end: proposals.end, strategies: proposals.strategies, network: proposals.network, snapshot: proposals.snapshot })
    .from(proposals)
    .where(eq(proposals.id, proposalId));
  if (!proposal || now < proposal.end + settleSeconds) return;
  const pending = await db
    .select({ voter: votes.voter })
    .from(votes)
    .where(and(eq(votes.proposal, proposalId), eq(votes.vpState, 'pending')));
  for (const { voter } of pending) {
    const power = await getVotingPower({
      address: voter,
      strategies: proposal.strategies as StrategyConfig[],
      network: proposal.network,
      snapshot: proposal.snapshot,
      rpcUrls,
    });
    if (power.vpState !== 'final') throw new DecisionPendingError(`waiting for snapshot block ${proposal.snapshot} to be mined`);
    await db
      .update(votes)
      .set({ vp: String(power.vp), vpByStrategy: power.vpByStrategy, vpState: 'final' })
      .where(and(eq(votes.proposal, proposalId), eq(votes.voter, voter)));
  }
}

/** Turns a percentage quorum into voting power: that share of the first strategy's token supply at the snapshot block. */
async function resolvePercentageQuorum(db: Db, proposalId: string, now: number, settleSeconds: number, rpcUrls: RpcUrls) {
  const [proposal] = await db
    .select({ end: proposals.end, strategies: proposals.strategies, network: proposals.network, snapshot: proposals.snapshot, voting: proposals.voting })
    .from(proposals)
    .where(eq(proposals.id, proposalId));
  const percentage = (proposal?.voting as SpaceVoting | undefined)?.quorumPercentage;
  if (!proposal || percentage === undefined || now < proposal.end + settleSeconds) return;
  const [strategy] = proposal.strategies as StrategyConfig[];
  const url = rpcUrls[strategy.network ?? proposal.network];
  if (!url) throw new DecisionPendingError(`no RPC endpoint to read the token supply for the quorum`);
  const supply = await sharedRpcPool.get(url).request<string>('eth_call', [
    { to: strategy.params.address, data: SELECTORS.totalSupply },
    `0x${proposal.snapshot.toString(16)}`,
  ]);
  const decimals = typeof strategy.params.decimals === 'number' ? strategy.params.decimals : 18;
  const quorum = (Number(BigInt(supply)) / 10 ** decimals) * (percentage / 100);
  await db.update(proposals).set({ quorum }).where(eq(proposals.id, proposalId));
}
