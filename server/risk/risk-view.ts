/** The public shape of a stored risk report (REST and GraphQL): detector findings with the overseer's text. */
import type { Fairness, FlagKind, RiskLevel, Severity } from '../ai/types.ts';
import type { StoredRisk } from './types.ts';

export type RiskFlagView = {
  kind: FlagKind;
  /** max(detector severity, accepted LLM suggestion). */
  severity: Severity;
  detectorSeverity: Severity;
  score: number;
  /** The LLM's grounded explanation when accepted, otherwise the detector's text. */
  explanation: string;
  explanationSource: 'llm' | 'deterministic';
  detectorExplanation: string;
  outcomeChanged: boolean | null;
  evidence: { votes: string[]; voters: string[]; figures: Record<string, number> };
};

type ResultView = { scores: number[]; winner: number; quorumMet: boolean };

export type RiskView = {
  proposal: string;
  level: RiskLevel;
  computedAt: number;
  votesAnalyzed: number;
  lastMci: number;
  headline: string;
  summary: string;
  riskNotes: string[];
  summarySource: 'llm' | 'deterministic';
  model: string | null;
  flags: RiskFlagView[];
  fairness: Fairness;
  result: ResultView;
  resultWithoutFlagged: ResultView;
  rules: { verdict: string; violatedRules: number[]; notes: string; source: 'llm' | 'deterministic' };
};

/** Merges the detectors' flags with the overseer's narratives (same order). */
export function riskView({ report, oversight, lastMci }: StoredRisk): RiskView {
  return {
    proposal: report.proposal,
    level: oversight.level,
    computedAt: report.computedAt,
    votesAnalyzed: report.votesAnalyzed,
    lastMci,
    headline: oversight.summary.headline,
    summary: oversight.summary.text,
    riskNotes: oversight.summary.riskNotes,
    summarySource: oversight.summary.source,
    model: oversight.model ?? null,
    flags: report.flags.map((flag, index) => {
      const narrative = oversight.flags.find((n) => n.flag === index);
      return {
        kind: flag.kind,
        severity: narrative?.severity ?? flag.severity,
        detectorSeverity: flag.severity,
        score: flag.score,
        explanation: narrative?.explanation ?? flag.explanation,
        explanationSource: narrative?.source ?? 'deterministic',
        detectorExplanation: flag.explanation,
        outcomeChanged: flag.outcomeChanged ?? null,
        evidence: flag.evidence,
      };
    }),
    fairness: report.fairness,
    result: report.result,
    resultWithoutFlagged: report.resultWithoutFlagged,
    rules: { verdict: oversight.rules.verdict, violatedRules: oversight.rules.violatedRules, notes: oversight.rules.notes, source: oversight.rules.source },
  };
}

const strings = { type: 'array', items: { type: 'string' } } as const;
const numbers = { type: 'array', items: { type: 'number' } } as const;
const source = { type: 'string', enum: ['llm', 'deterministic'] } as const;
const severity = { type: 'string', enum: ['low', 'medium', 'high'] } as const;
const result = { type: 'object', required: ['scores', 'winner', 'quorumMet'], properties: { scores: numbers, winner: { type: 'integer' }, quorumMet: { type: 'boolean' } } } as const;

/** JSON schema of RiskView (REST responses). */
export const riskViewSchema = {
  type: 'object',
  required: ['proposal', 'level', 'computedAt', 'votesAnalyzed', 'flags', 'fairness', 'summary'],
  properties: {
    proposal: { type: 'string' },
    level: { type: 'string', enum: ['none', 'low', 'medium', 'high'] },
    computedAt: { type: 'integer' },
    votesAnalyzed: { type: 'integer' },
    lastMci: { type: 'integer' },
    headline: { type: 'string' },
    summary: { type: 'string' },
    riskNotes: strings,
    summarySource: source,
    model: { type: ['string', 'null'] },
    flags: {
      type: 'array',
      items: {
        type: 'object',
        required: ['kind', 'severity', 'score', 'explanation', 'evidence'],
        properties: {
          kind: { type: 'string' },
          severity,
          detectorSeverity: severity,
          score: { type: 'number' },
          explanation: { type: 'string' },
          explanationSource: source,
          detectorExplanation: { type: 'string' },
          outcomeChanged: { type: ['boolean', 'null'] },
          evidence: {
            type: 'object',
            required: ['votes', 'voters', 'figures'],
            properties: { votes: strings, voters: strings, figures: { type: 'object', additionalProperties: { type: 'number' } } },
          },
        },
      },
    },
    fairness: {
      type: 'object',
      properties: {
        voters: { type: 'integer' },
        totalVp: { type: 'number' },
        gini: { type: 'number' },
        nakamoto: { type: 'integer' },
        top1Share: { type: 'number' },
        top10Share: { type: 'number' },
        hhi: { type: 'number' },
        effectiveVoters: { type: 'number' },
        headShare: numbers,
        vpShare: numbers,
        countVsPowerDivergence: { type: 'number' },
        countWinnerDiffers: { type: 'boolean' },
      },
    },
    result,
    resultWithoutFlagged: result,
    rules: {
      type: 'object',
      properties: { verdict: { type: 'string', enum: ['compliant', 'violation', 'unclear'] }, violatedRules: { type: 'array', items: { type: 'integer' } }, notes: { type: 'string' }, source },
    },
  },
} as const;
