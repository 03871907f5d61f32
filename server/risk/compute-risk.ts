/** Computes a proposal's risk: every detector over its vote log, then the advisory overseer (LLM when configured). */
import { analyzeProposal } from '../ai/analyze.ts';
import type { StructuredLlm } from '../ai/llm/client.ts';
import type { Db } from '../db/open-database.ts';
import { loadRiskInput } from './load-risk-input.ts';
import { citedReasons } from './analyzer-host.ts';
import { overseeRisk } from './oversee-risk.ts';
import type { StoredRisk } from './types.ts';

export type ComputeRiskParameters = {
  db: Db;
  proposalId: string;
  /** Server time, unix seconds. */
  now: number;
  /** Without a client, summary, explanations and rules check are deterministic text. */
  llm?: StructuredLlm;
};

/** The risk of the proposal as of now; undefined for an unknown proposal. */
export async function computeRisk({ db, proposalId, now, llm }: ComputeRiskParameters): Promise<StoredRisk | undefined> {
  const input = await loadRiskInput({ db, proposalId });
  if (!input) return undefined;
  const report = analyzeProposal(input.history, input.thresholds, { now });
  const reasons = citedReasons(report, input.history.votes);
  return overseeRisk({ report, proposal: input.history.proposal, reasons, rules: input.rules, lastMci: input.lastMci, llm });
}
