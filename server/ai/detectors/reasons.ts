/** D10: copy-paste, templated and paraphrased vote reasons across voters. */
import { makeFlag } from '../flag.ts';
import type { Prepared } from '../prepare.ts';
import { changesOutcome, resultShiftedBy, sortedPower } from '../prepare.ts';
import { clamp01, coefficientOfVariation, fmt, lowerBound, pct, upperBound } from '../stats.ts';
import { mainChoice } from '../tally.ts';
import { bandKeys, contentWords, cosine, jaccard, minhash, normalizeReason, trigramVector, wordSet, wordShingles } from '../text.ts';
import type { TrigramVector } from '../text.ts';
import type { Flag, Severity, VoteVersion } from '../types.ts';
import type { Thresholds } from '../thresholds.ts';
import { addExact, createExactSum, exactSumValue } from '../../scoring/exact-sum.ts';
import { applyChoiceExact, cloneExactScores, emptyExactScores } from '../tally.ts';
import type { ExactScores } from '../tally.ts';
import { historyIndex } from './late-swing.ts';
import { UnionFind } from '../unionfind.ts';

export type ReasonGroupType = 'exact' | 'near-duplicate' | 'paraphrase';

export type ReasonGroup = {
  type: ReasonGroupType;
  votes: VoteVersion[];
  distinctTexts: number;
  /** Set by the incremental index: this group is `base` (same texts) with some counted votes added and removed. */
  delta?: ReasonGroupDelta;
};

export type ReasonGroupDelta = { base: ReasonGroup; added: VoteVersion[]; removed: VoteVersion[] };

const MAX_CANDIDATES = 24;
/** Word-set Jaccard a paraphrase pair must also reach. */
const PARAPHRASE_WORDS = 0.45;
/**
 * Content-word paraphrase edge: stemmed content words (function words dropped) shared at this Jaccard, and their
 * character trigrams at this cosine; texts with fewer content words than CONTENT_MIN never take this edge.
 */
const CONTENT_JACCARD = 0.5;
const CONTENT_COSINE = 0.6;
const CONTENT_MIN = 3;

export type TextFeatures = {
  norm: string;
  valid: boolean;
  shingles: Uint32Array;
  words: Uint32Array;
  /** Hashed distinct stemmed content words, and those words in order joined by spaces. */
  content: Uint32Array;
  contentText: string;
  nearKeys: number[];
  /** Paraphrase candidates: MinHash bands of the content words (of all words when there are too few). */
  bowKeys: number[];
  tri?: TrigramVector;
  contentTri?: TrigramVector;
};

/** Features of a raw reason text, memoised in `texts` when given. */
export function textFeatures(t: Thresholds['reasons'], texts: Map<string, unknown> | undefined, boiler: Set<string>, raw: string): TextFeatures {
  const cached = texts?.get(raw) as TextFeatures | undefined;
  if (cached) return cached;
  const norm = normalizeReason(raw);
  const valid = norm.length >= t.minChars && !boiler.has(norm);
  const shingles = valid ? wordShingles(norm) : new Uint32Array(0);
  const words = valid ? wordSet(norm) : new Uint32Array(0);
  const stems = valid ? contentWords(norm) : [];
  const contentText = stems.join(' ');
  const content = stems.length ? wordSet(contentText) : new Uint32Array(0);
  const f: TextFeatures = {
    norm,
    valid,
    shingles,
    words,
    content,
    contentText,
    nearKeys: valid ? bandKeys(minhash(shingles, 32), 2) : [],
    bowKeys: valid ? bandKeys(minhash(content.length >= CONTENT_MIN ? content : words, 32), 2) : [],
  };
  texts?.set(raw, f);
  return f;
}

/** Normalised boilerplate reasons (never grouped). */
export function boilerplateSet(t: Thresholds['reasons']): Set<string> {
  return new Set(t.boilerplate.map(normalizeReason));
}

/** Near-duplicate edge: word-shingle Jaccard at the threshold. */
export function nearDuplicatePair(t: Thresholds['reasons'], a: TextFeatures, b: TextFeatures): boolean {
  return jaccard(a.shingles, b.shingles) >= t.nearDuplicate;
}

/**
 * Paraphrase edge: both the character-trigram profile and the vocabulary must agree (single linkage percolates
 * otherwise), over all words or over the stemmed content words (a paraphrase swaps function words and inflections).
 */
export function paraphrasePair(t: Thresholds['reasons'], a: TextFeatures, b: TextFeatures): boolean {
  if (
    a.content.length >= CONTENT_MIN &&
    b.content.length >= CONTENT_MIN &&
    jaccard(a.content, b.content) >= CONTENT_JACCARD &&
    cosine((a.contentTri ??= trigramVector(a.contentText)), (b.contentTri ??= trigramVector(b.contentText))) >= CONTENT_COSINE
  ) {
    return true;
  }
  return jaccard(a.words, b.words) >= PARAPHRASE_WORDS && cosine((a.tri ??= trigramVector(a.norm)), (b.tri ??= trigramVector(b.norm))) >= t.paraphrase;
}

/** Groups counted votes whose reasons are copies, templates or paraphrases of each other. */
export function findReasonGroups(p: Prepared): ReasonGroup[] {
  const index = p.cache?.reasonIndex;
  return index ? index.groups(p.versions, p.latest) : computeReasonGroups(p);
}

function computeReasonGroups(p: Prepared): ReasonGroup[] {
  const t = p.thresholds.reasons;
  const boiler = boilerplateSet(t);
  const textIndex = new Map<string, number>();
  const feats: TextFeatures[] = [];
  const votesOf: VoteVersion[][] = [];
  // Texts are numbered by first appearance in the log, every version's: a vote changed later never renumbers
  // them, so the capped LSH buckets below hold the same texts whatever is counted now (the incremental index
  // only appends). A text no counted vote uses any more stays a node of the graph.
  for (const v of p.versions) {
    if (!v.reason) continue;
    const f = textFeatures(t, p.cache?.texts, boiler, v.reason);
    if (!f.valid || textIndex.has(f.norm)) continue;
    textIndex.set(f.norm, feats.length);
    feats.push(f);
    votesOf.push([]);
  }
  for (const v of p.latest) {
    if (!v.reason) continue;
    const f = textFeatures(t, p.cache?.texts, boiler, v.reason);
    if (f.valid) votesOf[textIndex.get(f.norm)!].push(v);
  }
  const n = feats.length;
  const uf = new UnionFind(n);
  const kind = new Uint8Array(n); // 0 none, 1 near, 2 paraphrase edge touched
  const nearBuckets = new Map<number, number[]>();
  const bowBuckets = new Map<number, number[]>();
  const nearCand: number[][] = [];
  const bowCand: number[][] = [];
  const markNear = new Int32Array(n).fill(-1);
  const markBow = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    nearCand.push(candidates(nearBuckets, feats[i].nearKeys, i, markNear));
    bowCand.push(candidates(bowBuckets, feats[i].bowKeys, i, markBow));
  }
  for (let i = 0; i < n; i++) {
    for (const j of nearCand[i]) {
      if (uf.find(i) === uf.find(j)) continue;
      if (nearDuplicatePair(t, feats[i], feats[j])) {
        uf.union(i, j);
        kind[i] |= 1;
        kind[j] |= 1;
      }
    }
  }
  for (let i = 0; i < n; i++) {
    for (const j of bowCand[i]) {
      if (uf.find(i) === uf.find(j)) continue;
      if (paraphrasePair(t, feats[i], feats[j])) {
        uf.union(i, j);
        kind[i] |= 2;
        kind[j] |= 2;
      }
    }
  }
  const groups: ReasonGroup[] = [];
  for (const members of uf.groups(1)) {
    const votes = members.flatMap((i) => votesOf[i]);
    if (new Set(votes.map((v) => v.voter)).size < t.minGroupSize) continue;
    let k = 0;
    let used = 0;
    for (const i of members) {
      k |= kind[i];
      if (votesOf[i].length > 0) used++;
    }
    const type: ReasonGroupType = used === 1 ? 'exact' : k & 2 ? 'paraphrase' : 'near-duplicate';
    groups.push({ type, votes, distinctTexts: used });
  }
  return groups;
}

/** Registers text i in its LSH buckets and returns up to MAX_CANDIDATES earlier texts sharing a bucket. */
export function candidates(buckets: Map<number, number[]>, keys: number[], i: number, mark: { [j: number]: number }): number[] {
  const out: number[] = [];
  for (const key of keys) {
    const list = buckets.get(key);
    if (!list) {
      buckets.set(key, [i]);
      continue;
    }
    for (let x = list.length - 1; x >= 0 && out.length < MAX_CANDIDATES; x--) {
      const j = list[x];
      if (mark[j] !== i) {
        mark[j] = i;
        out.push(j);
      }
    }
    if (list.length < MAX_CANDIDATES) list.push(i);
  }
  return out;
}

const TYPE_CODE: Record<ReasonGroupType, number> = { exact: 0, 'near-duplicate': 1, paraphrase: 2 };

/** Wallets younger than this (days) are newcomers when wallet ages are known. */
const NEWCOMER_DAYS = 90;
/**
 * Equal power: a group of at least EQUAL_POWER_MIN voters whose power varies by at most EQUAL_POWER_CV
 * (coefficient of variation) is medium even when its wallets are old, unless equal power is common in the
 * proposal: more than EQUAL_POWER_BAND of the other counted votes hold power within the group's band
 * (mean ± (5% + 2 CV)), as when every voter holds one token or one NFT.
 */
const EQUAL_POWER_MIN = 3;
const EQUAL_POWER_CV = 0.05;
const EQUAL_POWER_BAND = 0.15;

/**
 * Flags each reason group; text alone never makes a high-severity flag. Groups of established voters (old
 * wallets, or a voting history when ages are unknown) are legitimate campaigns and stay low.
 */
export function detectReasonCoordination(p: Prepared, groups: ReasonGroup[] = findReasonGroups(p)): Flag[] {
  const flags: Flag[] = [];
  for (const g of groups) {
    const s = summaryOf(p, g);
    const outcomeChanged = changesOutcome(p, resultShiftedBy(p, s.contribution, -1));
    const { size, homogeneity, newcomerShare, score, vpCv } = s;
    const vp = exactSumValue(s.vp);
    // the band share depends on every counted vote, so it is taken per report (and only for equal-power groups)
    let bandShare = 1;
    if (size >= EQUAL_POWER_MIN && vpCv <= EQUAL_POWER_CV) {
      const sortedVp = sortedPower(p);
      const mean = vp / size;
      const w = 0.05 + 2 * vpCv;
      const inBand = upperBound(sortedVp, mean * (1 + w)) - lowerBound(sortedVp, mean * (1 - w));
      bandShare = Math.max(0, inBand - size) / Math.max(1, sortedVp.length - size);
    }
    const equalPower = bandShare <= EQUAL_POWER_BAND;
    const severity: Severity = s.severity === 'low' && equalPower ? 'medium' : s.severity;
    flags.push(
      makeFlag({
        kind: 'reason-coordination',
        severity,
        score,
        votes: s.votes,
        voters: s.voters,
        sorted: true,
        figures: {
          groupSize: size,
          distinctTexts: g.distinctTexts,
          groupType: TYPE_CODE[g.type],
          choiceHomogeneity: homogeneity,
          newcomerShare,
          vpShare: p.totalVp > 0 ? vp / p.totalVp : 0,
          vpEquality: clamp01(1 - vpCv / 0.3),
          equalPower: equalPower ? 1 : 0,
          outcomeChanged: outcomeChanged ? 1 : 0,
        },
        explanation: (f) =>
          `${fmt(f.groupSize)} voters gave ${g.type === 'exact' ? 'the same reason text' : g.type === 'near-duplicate' ? 'near-identical (templated) reason texts' : 'closely paraphrased reason texts'} (${fmt(f.distinctTexts)} distinct variants); ${pct(f.choiceHomogeneity)} of them chose the same option and they hold ${pct(f.vpShare)} of the cast voting power${f.equalPower ? ' in nearly equal amounts, which few other voters hold' : ''}; ${pct(f.newcomerShare)} are newcomers (fresh wallets or no earlier votes). Removing them would ${f.outcomeChanged ? '' : 'not '}change the outcome.`,
        outcomeChanged,
      }),
    );
  }
  return flags;
}

/** What a reason group's flag needs besides the current totals (memoised per group object: groups are immutable). */
type GroupSummary = {
  votes: string[];
  voters: string[];
  size: number;
  homogeneity: number;
  newcomerShare: number;
  /** Severity from size, choice and newcomers alone (equal power can raise it per report). */
  severity: Severity;
  score: number;
  vp: number[];
  vpSquares: number[];
  /** Coefficient of variation of the members' power, from exact sums (the same in any order). */
  vpCv: number;
  contribution: ExactScores;
  choiceCounts: Map<number, number>;
  newcomers: number;
};

const summaries = new WeakMap<ReasonGroup, GroupSummary>();

function summaryOf(p: Prepared, g: ReasonGroup): GroupSummary {
  const hit = summaries.get(g);
  if (hit) return hit;
  const base = g.delta && summaries.get(g.delta.base);
  const s = base ? updatedSummary(p, base, g) : freshSummary(p, g);
  summaries.set(g, s);
  return s;
}

/** Whether a group member is a newcomer (fresh wallet, or no earlier votes when ages are unknown). */
function newcomerTest(p: Prepared): (v: VoteVersion) => boolean {
  const created = p.context.walletCreated;
  const prior = p.context.otherVotes ? historyIndex(p.context, p.proposal).prior : undefined;
  return (v) => {
    const c = created?.[v.voter];
    if (c !== undefined) return (v.created - c) / 86400 < NEWCOMER_DAYS;
    if (prior) return !prior.has(v.voter);
    return false; // unknown: no evidence either way, so no escalation
  };
}

function finishSummary(p: Prepared, g: ReasonGroup, parts: Omit<GroupSummary, 'size' | 'homogeneity' | 'newcomerShare' | 'severity' | 'score' | 'vpCv'>): GroupSummary {
  const t = p.thresholds.reasons;
  let top = 0;
  for (const c of parts.choiceCounts.values()) if (c > top) top = c;
  const homogeneity = top / g.votes.length;
  const size = parts.voters.length;
  const newcomerShare = parts.newcomers / g.votes.length;
  const severity: Severity = size >= t.mediumGroupSize && homogeneity >= 0.8 && newcomerShare >= 0.5 ? 'medium' : 'low';
  const vpCv = coefficientOfVariation(exactSumValue(parts.vp), exactSumValue(parts.vpSquares), g.votes.length);
  const base = Math.min(1, 0.3 + 0.4 * Math.min(1, size / (2 * t.mediumGroupSize)) + 0.3 * homogeneity) * (g.type === 'paraphrase' ? 0.8 : 1);
  // a shared text is evidence of coordination in proportion to what else the group shares: fresh wallets or equal power
  const score = base * (0.6 + 0.4 * Math.max(newcomerShare, clamp01(1 - vpCv / 0.3)));
  return { ...parts, size, homogeneity, newcomerShare, severity, score, vpCv };
}

function freshSummary(p: Prepared, g: ReasonGroup): GroupSummary {
  const newcomer = newcomerTest(p);
  const choiceCounts = new Map<number, number>();
  const vp = createExactSum();
  const vpSquares = createExactSum();
  const contribution = emptyExactScores(p.proposal.choices.length);
  let newcomers = 0;
  for (const v of g.votes) {
    const c = mainChoice(v.choice);
    choiceCounts.set(c, (choiceCounts.get(c) ?? 0) + 1);
    addExact(vp, v.vp);
    addExact(vpSquares, v.vp * v.vp);
    applyChoiceExact(contribution, p.proposal.type, v.choice, v.vp, 1);
    if (newcomer(v)) newcomers++;
  }
  return finishSummary(p, g, {
    votes: [...new Set(g.votes.map((v) => v.id))].sort(),
    voters: [...new Set(g.votes.map((v) => v.voter))].sort(),
    vp,
    vpSquares,
    contribution,
    choiceCounts,
    newcomers,
  });
}

/** The summary of `g` from its base's (one counted vote per voter, so ids and voters stay unique). */
function updatedSummary(p: Prepared, base: GroupSummary, g: ReasonGroup): GroupSummary {
  const newcomer = newcomerTest(p);
  const choiceCounts = new Map(base.choiceCounts);
  const vp = [...base.vp];
  const vpSquares = [...base.vpSquares];
  const contribution = cloneExactScores(base.contribution);
  const votes = base.votes.slice();
  const voters = base.voters.slice();
  let newcomers = base.newcomers;
  const { added, removed } = g.delta!;
  for (const [list, sign] of [[removed, -1], [added, 1]] as const) {
    for (const v of list) {
      const c = mainChoice(v.choice);
      const n = (choiceCounts.get(c) ?? 0) + sign;
      if (n === 0) choiceCounts.delete(c);
      else choiceCounts.set(c, n);
      addExact(vp, sign * v.vp);
      addExact(vpSquares, sign * v.vp * v.vp);
      applyChoiceExact(contribution, p.proposal.type, v.choice, v.vp, sign);
      if (newcomer(v)) newcomers += sign;
      sortedToggle(votes, v.id, sign);
      sortedToggle(voters, v.voter, sign);
    }
  }
  return finishSummary(p, g, { votes, voters, vp, vpSquares, contribution, choiceCounts, newcomers });
}

/** Inserts (sign 1) or removes (sign -1) a string in a sorted array. */
function sortedToggle(a: string[], x: string, sign: number): void {
  const lo = lowerBound(a, x);
  if (sign > 0) a.splice(lo, 0, x);
  else if (a[lo] === x) a.splice(lo, 1);
}
