/** What the service stores for a proposal's risk: the detectors' report and the advisory overseer on top of it. */
import type { Oversight } from '../ai/llm/oversee.ts';
import type { RiskReport } from '../ai/types.ts';

export type StoredRisk = {
  report: RiskReport;
  oversight: Oversight;
  /** The last vote-log entry (vote_history.mci) included; 0 without votes. */
  lastMci: number;
};
