/** Puts the advisory overseer on top of a detectors' report: the stored risk of a proposal. */
import type { StructuredLlm } from '../ai/llm/client.ts';
import { oversee } from '../ai/llm/oversee.ts';
import type { ProposalInput, RiskReport, VoteVersion } from '../ai/types.ts';
import type { StoredRisk } from './types.ts';

export type OverseeRiskParameters = {
  report: RiskReport;
  proposal: ProposalInput;
  /** Every version of the proposal's vote log the report covers. */
  votes: readonly VoteVersion[];
  rules: string[];
  lastMci: number;
  llm?: StructuredLlm;
};

/** The report with its oversight (LLM when configured, deterministic text otherwise). */
export async function overseeRisk({ report, proposal, votes, rules, lastMci, llm }: OverseeRiskParameters): Promise<StoredRisk> {
  // Only the reasons of votes a flag cites are shown to the model, as untrusted data.
  const cited = new Set(report.flags.flatMap((flag) => flag.evidence.votes));
  const reasons: Record<string, string> = {};
  for (const vote of votes) if (vote.reason && cited.has(vote.id)) reasons[vote.id] = vote.reason;
  const oversight = await oversee({ report, proposal, reasons, rules, llm });
  return { report, oversight, lastMci };
}
