/** Scores risk reports against simulation ground truth: per-detector precision / recall and overall targets. */
import type { FlagKind, RiskReport, Severity } from '../types.ts';
import type { AttackType, } from './scenarios.ts';
import type { Simulation } from './generate.ts';

export const detectorFor: Record<AttackType, FlagKind> = {
  sybil: 'sybil-cluster',
  borrowed: 'borrowed-vp',
  'delegation-spike': 'delegation-spike',
  'vote-market': 'rented-vp',
  'late-swing': 'late-swing',
  flip: 'vote-flip',
  'low-participation': 'low-participation',
  farming: 'farming',
};

/** Detectors scored per voter (the others per proposal). */
const VOTER_LEVEL = new Set<FlagKind>(['sybil-cluster', 'vote-flip', 'farming', 'reason-coordination']);
/** Detectors whose every flag counts as an alert; the others count from medium severity. */
const ANY_SEVERITY = new Set<FlagKind>(['farming']);

export type Counts = { tp: number; fp: number; fn: number; ocTp: number; ocFn: number };

export type Evaluation = {
  /** Keyed by detector kind; reason coordination also per text style (`reason-coordination:exact`). */
  perDetector: Map<string, Counts>;
  /** Outcome-changing attacks, and how many of them an alert (≥ medium) touching the attack surfaced. */
  outcomeChanging: number;
  outcomeChangingFlagged: number;
  /** Proposals without a (non-farming) attack, and those with a high-severity flag. */
  honestProposals: number;
  honestHighAlerts: number;
  /** Per detector kind, one (highest flag score, attacked by that type) pair per proposal, for PR-AUC. */
  ranked: Map<string, { score: number; positive: boolean }[]>;
  /** Attacked proposals with at least one high flag touching the attack. */
};

const rank: Record<Severity, number> = { low: 1, medium: 2, high: 3 };

export function emptyEvaluation(): Evaluation {
  return { perDetector: new Map(), outcomeChanging: 0, outcomeChangingFlagged: 0, honestProposals: 0, honestHighAlerts: 0, ranked: new Map() };
}

function counts(e: Evaluation, k: string): Counts {
  let c = e.perDetector.get(k);
  if (!c) e.perDetector.set(k, (c = { tp: 0, fp: 0, fn: 0, ocTp: 0, ocFn: 0 }));
  return c;
}

/** Adds one simulation's reports (same order as sim.proposals) to the evaluation. */
export function evaluate(sim: Simulation, reports: RiskReport[], into: Evaluation = emptyEvaluation()): Evaluation {
  const kindsInScenario = new Set<FlagKind>();
  for (const sp of sim.proposals) for (const a of sp.truth.attacks) kindsInScenario.add(detectorFor[a.type]);
  const textual = sim.proposals.some((sp) => sp.truth.attacks.some((a) => a.type === 'sybil' && a.detail.text && a.detail.text !== 'none'));
  if (textual) kindsInScenario.add('reason-coordination');
  sim.proposals.forEach((sp, i) => {
    const report = reports[i];
    const attackers = new Set(sp.truth.attacks.flatMap((a) => a.voters));
    const voteReason = new Map(sp.votes.map((v) => [v.voter, v.reason]));
    const isAlert = (k: FlagKind, s: Severity): boolean => ANY_SEVERITY.has(k) || rank[s] >= 2;
    for (const kind of kindsInScenario) {
      const styles = kind === 'reason-coordination' ? [undefined, 'exact', 'templated', 'paraphrased'] : [undefined];
      for (const style of styles) {
        const key = style ? `${kind}:${style}` : kind;
        const relevant = sp.truth.attacks.filter((a) =>
          kind === 'reason-coordination' ? a.type === 'sybil' && (!style || a.detail.text === style) : detectorFor[a.type] === kind,
        );
        if (style && !sim.proposals.some((q) => q.truth.attacks.some((a) => a.type === 'sybil' && a.detail.text === style))) continue;
        const c = counts(into, key);
        if (!style) {
          let list = into.ranked.get(key);
          if (!list) into.ranked.set(key, (list = []));
          const score = report.flags.filter((f) => f.kind === kind).reduce((m, f) => Math.max(m, f.score), 0);
          list.push({ score, positive: relevant.length > 0 });
        }
        const truth = new Set<string>();
        for (const a of relevant) for (const v of a.voters) if (kind !== 'reason-coordination' || voteReason.get(v)) truth.add(v);
        const flags = report.flags.filter((f) => f.kind === kind && isAlert(kind, f.severity));
        const flagged = new Set(flags.flatMap((f) => f.evidence.voters));
        if (VOTER_LEVEL.has(kind)) {
          for (const v of flagged) {
            if (truth.has(v)) c.tp++;
            else if (!attackers.has(v) && !style) c.fp++;
          }
          for (const v of truth) if (!flagged.has(v)) c.fn++;
        } else {
          const positive = truth.size > 0;
          const hit = flags.length > 0;
          const touchesOtherAttack = flags.some((f) => f.evidence.voters.some((v) => attackers.has(v)));
          if (positive && hit) c.tp++;
          else if (positive) c.fn++;
          else if (hit && !touchesOtherAttack) c.fp++;
        }
        for (const a of relevant) {
          if (!a.outcomeChanged) continue;
          const surfaced = VOTER_LEVEL.has(kind) ? a.voters.some((v) => flagged.has(v)) : flags.length > 0;
          if (surfaced) c.ocTp++;
          else c.ocFn++;
        }
      }
    }
    const real = sp.truth.attacks.filter((a) => a.type !== 'farming');
    if (real.length === 0) {
      into.honestProposals++;
      if (report.flags.some((f) => f.severity === 'high')) into.honestHighAlerts++;
    }
    for (const a of real) {
      if (!a.outcomeChanged) continue;
      into.outcomeChanging++;
      const av = new Set(a.voters);
      if (report.flags.some((f) => rank[f.severity] >= 2 && f.evidence.voters.some((v) => av.has(v)))) into.outcomeChangingFlagged++;
    }
  });
  return into;
}

export function prf(c: Counts): { precision: number; recall: number; f1: number } {
  const precision = c.tp + c.fp ? c.tp / (c.tp + c.fp) : 1;
  const recall = c.tp + c.fn ? c.tp / (c.tp + c.fn) : 1;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1 };
}

/** Average precision (area under the precision-recall curve) of scores ranked high to low; ties share a rank. */
export function averagePrecision(items: { score: number; positive: boolean }[]): number {
  const positives = items.filter((x) => x.positive).length;
  if (positives === 0) return Number.NaN;
  const sorted = [...items].sort((a, b) => b.score - a.score);
  let tp = 0;
  let seen = 0;
  let ap = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    let groupTp = 0;
    while (j < sorted.length && sorted[j].score === sorted[i].score) {
      if (sorted[j].positive) groupTp++;
      j++;
    }
    tp += groupTp;
    seen += j - i;
    ap += (groupTp / positives) * (tp / seen);
    i = j;
  }
  return ap;
}
