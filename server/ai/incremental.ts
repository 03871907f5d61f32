/** Incremental analyzer: keeps a proposal's state and updates it on each new vote; reports equal the batch run. */
import { buildReport, runDetectors } from './analyze.ts';
import { lowerBound, lowerBoundBy, upperBound, upperBoundBy } from './stats.ts';
import { byCreated, fromParts, prepare } from './prepare.ts';
import type { AnalysisCache, Prepared } from './prepare.ts';
import { byLatePower, countLate, historyIndex, lateEntryOf, lateFromOf } from './detectors/late-swing.ts';
import type { LateEntry } from './detectors/late-swing.ts';
import { SybilGraph } from './sybil-graph.ts';
import { ReasonIndex } from './reason-index.ts';
import { applyChoiceExact, emptyExactScores, exactScoreValues, mainChoice } from './tally.ts';
import { createExactSum } from '../scoring/exact-sum.ts';
import type { ExactScores } from './tally.ts';
import { defaultThresholds } from './thresholds.ts';
import type { Thresholds } from './thresholds.ts';
import type { HistoryContext, ProposalInput, RiskReport, VoteVersion } from './types.ts';


/** Per-proposal state fed one vote at a time (any mci order; duplicates by id are ignored). */
export class IncrementalAnalyzer {
  readonly proposal: ProposalInput;
  readonly thresholds: Thresholds;
  private ctx: HistoryContext;
  private versions: VoteVersion[] = [];
  private ids = new Set<string>();
  private byVoter = new Map<string, VoteVersion[]>();
  private latest: VoteVersion[] = [];
  /** Running tally, exact (the batch sums the same way, so results are equal whatever the arrival order). */
  private exact: ExactScores;
  private cache: AnalysisCache = { texts: new Map(), multiVersionVoters: new Set() };
  private vpBuf = new Float64Array(1024);
  private vpLen = 0;

  constructor(proposal: ProposalInput, thresholds: Thresholds = defaultThresholds, context: HistoryContext = {}) {
    this.proposal = proposal;
    this.thresholds = thresholds;
    this.ctx = context;
    this.exact = emptyExactScores(proposal.choices.length);
    this.cache.sybil = new SybilGraph(proposal, thresholds, context);
    this.cache.reasonIndex = new ReasonIndex(thresholds, this.cache.texts);
    this.cache.heads = new Array<number>(proposal.choices.length).fill(0);
    this.cache.flips = new Map();
    this.cache.flipVersion = 0;
    this.cache.late = { late: [], revert: emptyExactScores(proposal.choices.length), lateVp: createExactSum(), withHistory: 0 };
    this.lateFrom = lateFromOf(this);
  }

  /**
   * An analyzer holding every given vote, built at once from the batch preparation (the same state as one `add` per
   * vote in any order, at about the cost of one batch analysis instead of one incremental update per vote).
   */
  static build(proposal: ProposalInput, thresholds: Thresholds = defaultThresholds, context: HistoryContext = {}, votes: readonly VoteVersion[] = []): IncrementalAnalyzer {
    const analyzer = new IncrementalAnalyzer(proposal, thresholds, context);
    analyzer.load(votes);
    return analyzer;
  }

  private load(input: readonly VoteVersion[]): void {
    const votes: VoteVersion[] = [];
    for (const v of input) if (!this.ids.has(v.id)) this.ids.add(v.id), votes.push(v);
    const p = prepare({ proposal: this.proposal, votes }, this.thresholds);
    this.versions = p.versions;
    this.byVoter = p.byVoter;
    this.latest = p.latest;
    this.exact = p.exact;
    const { prior } = historyIndex(this.ctx, this.proposal);
    const late: LateEntry[] = [];
    const counted: VoteVersion[] = [];
    for (const [voter, list] of this.byVoter) {
      if (prior.has(voter)) this.cache.late!.withHistory++;
      if (list.length >= 2) {
        this.cache.multiVersionVoters!.add(voter);
        this.cache.flipVersion! += list.length - 1;
      }
      const cur = list[list.length - 1];
      counted.push(cur);
      this.countHead(cur, 1);
      const e = lateEntryOf(list, this.lateFrom);
      if (e) {
        late.push(e);
        this.lateOf.set(voter, e);
      }
    }
    late.sort(byLatePower);
    for (const e of late) countLate(this.cache.late!, this.proposal.type, e, 1);
    this.cache.late!.late = late;
    if (this.vpBuf.length < counted.length) this.vpBuf = new Float64Array(counted.length * 2);
    for (const v of counted) this.vpBuf[this.vpLen++] = Math.max(0, v.vp);
    this.vpBuf.subarray(0, this.vpLen).sort();
    // voters in first-vote order: the node numbering one `set` per vote would give
    this.cache.sybil!.load(counted);
    // texts numbered by first appearance in the log, then the counted votes, as the index rebuilds itself
    for (const v of this.versions) this.cache.reasonIndex!.register(v);
    for (const v of this.latest) this.cache.reasonIndex!.add(v);
  }

  private countHead(v: VoteVersion, d: number): void {
    const c = mainChoice(v.choice);
    if (c >= 0 && c < this.proposal.choices.length) this.cache.heads![c] += d;
  }

  private readonly lateFrom: number;
  private readonly lateOf = new Map<string, LateEntry>();

  /** Re-derives a voter's late entry after any new version of theirs. */
  private updateLate(voter: string, list: VoteVersion[]): void {
    const view = this.cache.late!;
    const old = this.lateOf.get(voter);
    if (old) {
      view.late.splice(indexOfSorted(view.late, old, byLatePower), 1);
      countLate(view, this.proposal.type, old, -1);
      this.lateOf.delete(voter);
    }
    const e = lateEntryOf(list, this.lateFrom);
    if (e) {
      insertSorted(view.late, e, byLatePower);
      countLate(view, this.proposal.type, e, 1);
      this.lateOf.set(voter, e);
    }
  }

  get context(): HistoryContext {
    return this.ctx;
  }

  /**
   * Replaces the cross-proposal context (the live sweep's context follows the voters and the space's other
   * proposals). What reads it is re-derived: the link graph only when the funding data changed, the reason groups'
   * summaries (newcomers), and the count of voters with earlier history.
   */
  set context(context: HistoryContext) {
    const old = this.ctx;
    this.ctx = context;
    if (old.funders !== context.funders || old.funderTags !== context.funderTags || old.walletCreated !== context.walletCreated) {
      const graph = new SybilGraph(this.proposal, this.thresholds, context);
      graph.load(this.latestByVoter());
      this.cache.sybil = graph;
    }
    this.cache.reasonIndex!.renew();
    const { prior } = historyIndex(context, this.proposal);
    let withHistory = 0;
    if (prior.size) for (const voter of this.byVoter.keys()) if (prior.has(voter)) withHistory++;
    this.cache.late!.withHistory = withHistory;
  }

  /** The counted vote of each voter, voters in order of their first vote. */
  latestByVoter(): VoteVersion[] {
    return Array.from(this.byVoter.values(), (list) => list[list.length - 1]);
  }

  /** Number of distinct voters. */
  get voters(): number {
    return this.byVoter.size;
  }

  /** Every version added, in log (mci) order. */
  get votes(): readonly VoteVersion[] {
    return this.versions;
  }

  /** Current per-choice scores, updated on every add. */
  get runningScores(): number[] {
    return exactScoreValues(this.exact);
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
    this.cache.reasonIndex!.register(vote);
    let list = this.byVoter.get(vote.voter);
    if (!list) {
      this.byVoter.set(vote.voter, (list = []));
      if (historyIndex(this.ctx, this.proposal).prior.has(vote.voter)) this.cache.late!.withHistory++;
    }
    const prev = list[list.length - 1];
    insertSorted(list, vote, (a, b) => a.mci - b.mci);
    const cur = list[list.length - 1];
    if (list.length === 2) this.cache.multiVersionVoters!.add(vote.voter);
    if (list.length >= 2) this.cache.flipVersion!++;
    this.updateLate(vote.voter, list);
    if (cur !== prev) {
      if (prev) {
        applyChoiceExact(this.exact, this.proposal.type, prev.choice, prev.vp, -1);
        this.countHead(prev, -1);
        const i = indexOfSorted(this.latest, prev, byCreated);
        if (i >= 0) this.latest.splice(i, 1);
        this.removeVp(Math.max(0, prev.vp));
        this.cache.reasonIndex!.remove(prev);
      }
      applyChoiceExact(this.exact, this.proposal.type, cur.choice, cur.vp, 1);
      this.countHead(cur, 1);
      this.cache.sybil!.set(cur.voter, cur);
      insertSorted(this.latest, cur, byCreated);
      this.insertVp(Math.max(0, cur.vp));
      this.cache.reasonIndex!.add(cur);
    }
    return true;
  }

  private insertVp(x: number): void {
    if (this.vpLen === this.vpBuf.length) {
      const b = new Float64Array(this.vpBuf.length * 2);
      b.set(this.vpBuf);
      this.vpBuf = b;
    }
    const lo = upperBound(this.vpBuf.subarray(0, this.vpLen), x);
    this.vpBuf.copyWithin(lo + 1, lo, this.vpLen);
    this.vpBuf[lo] = x;
    this.vpLen++;
  }

  private removeVp(x: number): void {
    const lo = lowerBound(this.vpBuf.subarray(0, this.vpLen), x);
    if (lo < this.vpLen && this.vpBuf[lo] === x) {
      this.vpBuf.copyWithin(lo, lo + 1, this.vpLen);
      this.vpLen--;
    }
  }

  /** The shared view detectors read. */
  prepared(): Prepared {
    const p = fromParts(this.proposal, this.ctx, this.thresholds, this.versions, this.byVoter, this.latest, this.exact);
    this.cache.sortedVp = this.vpBuf.subarray(0, this.vpLen);
    p.cache = this.cache;
    return p;
  }

  /** The current report (same as analyzeProposal on the votes added so far). */
  report(now: number = Math.floor(Date.now() / 1000)): RiskReport {
    const p = this.prepared();
    return buildReport(p, runDetectors(p), now);
  }
}

function insertSorted<T>(a: T[], x: T, cmp: (p: T, q: T) => number): void {
  if (a.length === 0 || cmp(a[a.length - 1], x) <= 0) a.push(x);
  else a.splice(upperBoundBy(a, x, cmp), 0, x);
}

function indexOfSorted<T>(a: T[], x: T, cmp: (p: T, q: T) => number): number {
  for (let i = lowerBoundBy(a, x, cmp); i < a.length && cmp(a[i], x) === 0; i++) if (a[i] === x) return i;
  return -1;
}
