/** A stored Safe transaction in the Transaction Service's `SafeMultisigTransactionResponse` shape, plus conclave's context. */
import { eq, inArray } from 'drizzle-orm';
import { decisions } from '../schema/decision-tables.ts';
import { safeConfirmations, safeTransactions } from '../schema/relay-tables.ts';
import type { Db } from '../server/db/open-database.ts';
import { riskView, type RiskView } from '../server/risk/risk-view.ts';
import type { StoredRisk } from '../server/risk/types.ts';

export type SafeTransactionRow = typeof safeTransactions.$inferSelect;
export type ConfirmationRow = typeof safeConfirmations.$inferSelect;

/** Responses for `rows`, confirmations and decisions loaded in two queries. */
export async function safeTransactionResponses(db: Db, rows: SafeTransactionRow[]): Promise<Record<string, unknown>[]> {
  if (rows.length === 0) return [];
  const hashes = rows.map((row) => row.safeTxHash);
  const confirmations = await db.select().from(safeConfirmations).where(inArray(safeConfirmations.safeTxHash, hashes));
  const decisionIds = rows.map((row) => row.decision).filter((id): id is string => id !== null);
  const decided = decisionIds.length ? await db.select().from(decisions).where(inArray(decisions.id, decisionIds)) : [];
  return rows.map((row) => {
    const own = confirmations.filter((c) => c.safeTxHash === row.safeTxHash).sort((a, b) => a.createdAt - b.createdAt);
    const decision = decided.find((d) => d.id === row.decision);
    const executed = row.status === 'executed' || row.status === 'failed' && row.executionTxHash !== null;
    return {
      safe: row.safe,
      to: row.to,
      value: row.value,
      data: row.data === '0x' ? null : row.data,
      operation: row.operation,
      gasToken: row.gasToken,
      safeTxGas: row.safeTxGas,
      baseGas: row.baseGas,
      gasPrice: row.gasPrice,
      refundReceiver: row.refundReceiver,
      nonce: String(row.nonce),
      executionDate: row.executedAt ? new Date(row.executedAt).toISOString() : null,
      submissionDate: new Date(row.createdAt).toISOString(),
      modified: new Date(row.modifiedAt).toISOString(),
      blockNumber: row.blockNumber,
      transactionHash: row.executionTxHash,
      safeTxHash: row.safeTxHash,
      proposer: row.proposer === 'conclave' ? null : row.proposer,
      proposedByDelegate: null,
      executor: row.executor,
      isExecuted: executed,
      isSuccessful: row.status === 'executed' ? true : executed ? false : null,
      ethGasPrice: null,
      maxFeePerGas: null,
      maxPriorityFeePerGas: null,
      gasUsed: row.gasUsed === null ? null : Number(row.gasUsed),
      fee: null,
      origin: row.origin,
      dataDecoded: null,
      confirmationsRequired: row.threshold,
      confirmations: own.map(confirmationResponse),
      trusted: row.decision !== null,
      signatures: null,
      // What the signers are asked to carry out, next to what they sign.
      conclave: {
        status: row.status,
        statusReason: row.statusReason,
        calls: row.calls,
        decision: decision
          ? {
              id: decision.id,
              proposal: decision.proposal,
              space: decision.space,
              outcome: decision.outcome,
              winningChoice: decision.winningChoice,
              choices: decision.choices,
              scores: decision.scores,
              scoresTotal: decision.scoresTotal,
              resultsHash: decision.resultsHash,
              signer: decision.signer,
              signature: decision.signature,
            }
          : null,
        // The overseer's report as of the decision, so signers see any flagged manipulation before they sign.
        risk: decision?.riskReport ? riskSummary(decision.proposal, riskView(decision.riskReport as StoredRisk)) : null,
      },
    };
  });
}

export function confirmationResponse(c: ConfirmationRow) {
  return { owner: c.owner, submissionDate: new Date(c.createdAt).toISOString(), transactionHash: null, signature: c.signature, signatureType: c.signatureType };
}

/** One transaction by safeTxHash, or null. */
export async function loadSafeTransaction(db: Db, safeTxHash: string): Promise<SafeTransactionRow | null> {
  const [row] = await db.select().from(safeTransactions).where(eq(safeTransactions.safeTxHash, safeTxHash));
  return row ?? null;
}

/** The report as signers need it: level, headline and each flag with the size of its evidence; the full report is linked. */
function riskSummary(proposal: string, view: RiskView) {
  return {
    level: view.level,
    headline: view.headline,
    votesAnalyzed: view.votesAnalyzed,
    flags: view.flags.map((flag) => ({
      kind: flag.kind,
      severity: flag.severity,
      explanation: flag.explanation,
      outcomeChanged: flag.outcomeChanged,
      voters: flag.evidence.voters.length,
      votes: flag.evidence.votes.length,
    })),
    winnerWithoutFlagged: view.resultWithoutFlagged.winner,
    report: `/api/proposals/${proposal}/outcome`,
  };
}
