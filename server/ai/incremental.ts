/** Incremental analyzer: keeps a proposal's state and updates it on each new vote; reports equal the batch run. */
import { buildReport, runDetectors } from './analyze.ts';
import { fromParts } from './prepare.ts';
import type { Prepared } from './prepare.ts';
import { applyChoice } from './tally.ts';
import { defaultThresholds } from './thresholds.ts';
import type { Thresholds } from './thresholds.ts';
import type { HistoryContext, ProposalInput, RiskReport, VoteVersion } from './types.ts';

const byCreated = (a: VoteVersion, b: VoteVersion): number => a.created - b.created || a.mci - b.mci;

/** Per-proposal state fed one vote at a time (any mci order; duplicates by id are ignored). */
export class IncrementalAnalyzer {
  readonly proposal: ProposalInput;
  readonly thresholds: Thresholds;
  context: HistoryContext;
  private versions: VoteVersion[] = [];
  private ids = new Set<string>();
  private byVoter = new Map<string, VoteVersion[]>();
  private latest: VoteVersion[] = [];
  private scores: number[];

  constructor(proposal: ProposalInput, thresholds: Thresholds = defaultThresholds, context: HistoryContext = {}) {
    this.proposal = proposal;
    this.thresholds = thresholds;
    this.context = context;
    this.scores = new Array<number>(proposal.choices.length).fill(0);
  }

  /** Number of vote versions seen. */
  get size(): number {
    return this.versions.length;
  }

  /** Adds one vote version; returns false for a duplicate id. */
  add(vote: VoteVersion): boolean {
    if (this.ids.has(vote.id)) return false;
    this.ids.add(vote.id);
    insertSorted(this.versions, vote, (a, b) => a.mci - b.mci);
    let list = this.byVoter.get(vote.voter);
    if (!list) this.byVoter.set(vote.voter, (list = []));
    const prev = list[list.length - 1];
    insertSorted(list, vote, (a, b) => a.mci - b.mci);
    const cur = list[list.length - 1];
    if (cur !== prev) {
      if (prev) {
        applyChoice(this.scores, this.proposal.type, prev.choice, prev.vp, -1);
        const i = indexOfSorted(this.latest, prev, byCreated);
        if (i >= 0) this.latest.splice(i, 1);
      }
      applyChoice(this.scores, this.proposal.type, cur.choice, cur.vp, 1);
      insertSorted(this.latest, cur, byCreated);
    }
    return true;
  }

  /** The shared view detectors read. */
  prepared(): Prepared {
    const scores = this.scores.map((s) => (Math.abs(s) < 1e-9 ? 0 : s));
    return fromParts(this.proposal, this.context, this.thresholds, this.versions, this.byVoter, this.latest, scores);
  }

  /** The current report (same as analyzeProposal on the votes added so far). */
  report(now: number = Math.floor(Date.now() / 1000)): RiskReport {
    const p = this.prepared();
    return buildReport(p, runDetectors(p), now);
  }
}

function insertSorted<T>(a: T[], x: T, cmp: (p: T, q: T) => number): void {
  if (a.length === 0 || cmp(a[a.length - 1], x) <= 0) {
    a.push(x);
    return;
  }
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (cmp(a[m], x) <= 0) lo = m + 1;
    else hi = m;
  }
  a.splice(lo, 0, x);
}

function indexOfSorted<T>(a: T[], x: T, cmp: (p: T, q: T) => number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (cmp(a[m], x) < 0) lo = m + 1;
    else hi = m;
  }
  for (let i = lo; i < a.length && cmp(a[i], x) === 0; i++) if (a[i] === x) return i;
  return -1;
}
