/** Puts the advisory overseer on top of a detectors' report: the stored risk of a proposal. */
import type { StructuredLlm } from '../ai/llm/client.ts';
import { oversee } from '../ai/llm/oversee.ts';
import type { ProposalInput, RiskReport } from '../ai/types.ts';
import type { StoredRisk } from './types.ts';

export type OverseeRiskParameters = {
  report: RiskReport;
  proposal: ProposalInput;
  /** Reasons of the votes the report's flags cite (citedReasons): only those are shown to the model, as untrusted data. */
  reasons: Record<string, string>;
  rules: string[];
  lastMci: number;
  llm?: StructuredLlm;
};

/** The report with its oversight (LLM when configured, deterministic text otherwise). */
export async function overseeRisk({ report, proposal, reasons, rules, lastMci, llm }: OverseeRiskParameters): Promise<StoredRisk> {
  const oversight = await oversee({ report, proposal, reasons, rules, llm });
  return { report, oversight, lastMci };
}
