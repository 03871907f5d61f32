/** Builds flags with rounded figures and sorted, de-duplicated evidence. */
import { clamp01, round } from './stats.ts';
import type { Flag, FlagKind, Severity } from './types.ts';

export type MakeFlagParameters = {
  kind: FlagKind;
  severity: Severity;
  score: number;
  votes: Iterable<string>;
  voters: Iterable<string>;
  /** Votes and voters are already sorted and unique arrays (copied as they are, not re-sorted: they may be a detector's cache). */
  sorted?: boolean;
  figures: Record<string, number>;
  explanation: (figures: Record<string, number>) => string;
  outcomeChanged?: boolean;
};

/** One flag; the explanation is rendered from the rounded figures so text and numbers agree. */
export function makeFlag(p: MakeFlagParameters): Flag {
  const figures: Record<string, number> = {};
  for (const [k, v] of Object.entries(p.figures)) figures[k] = round(v);
  const flag: Flag = {
    kind: p.kind,
    severity: p.severity,
    score: round(clamp01(p.score)),
    evidence: p.sorted ? { votes: (p.votes as string[]).slice(), voters: (p.voters as string[]).slice(), figures } : { votes: [...new Set(p.votes)].sort(), voters: [...new Set(p.voters)].sort(), figures },
    explanation: p.explanation(figures),
  };
  if (p.outcomeChanged !== undefined) flag.outcomeChanged = p.outcomeChanged;
  return flag;
}

export const severityRank: Record<Severity, number> = { low: 1, medium: 2, high: 3 };

export function maxSeverity(a: Severity, b: Severity): Severity {
  return severityRank[a] >= severityRank[b] ? a : b;
}
