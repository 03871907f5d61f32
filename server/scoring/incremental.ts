/**
 * Running tallies for the additive voting types (single-choice, basic, approval, weighted, quadratic):
 * each ballot adds terms to per-choice sums, so accepting a vote or replacing one costs O(choices).
 * Sums are exact (see exact-sum.ts): `finalizeTally` returns the correctly rounded result of the exact
 * sums, independent of arrival order and of how many times ballots were replaced. A full recount
 * (snapshot.js) instead rounds after every addition in vote order, so the two agree up to that
 * recount's own rounding: |difference| ≤ n·ε·Σ|terms| (n ballots, ε = 2⁻⁵²), i.e. far below 1e-9 of
 * the total voting power in practice (see test/scoring-incremental.test.ts).
 */
import { NonFiniteVotingPowerError, NotAdditiveVotingTypeError } from './errors.ts';
import { addExact, exactSumValue } from './exact-sum.ts';
import { ADDITIVE_VOTING_TYPES, type AdditiveVotingType, type TallyReturnType, type Vote } from './types.ts';
import { approvalContributions, finishApproval } from './voting-types/approval.ts';
import { checkStrategyScores } from './voting-types/common.ts';
import { finishQuadratic, quadraticContributions } from './voting-types/quadratic.ts';
import { finishSingleChoice, singleChoiceContributions } from './voting-types/single-choice.ts';
import { finishWeighted, weightedContributions } from './voting-types/weighted.ts';

type Emit = (choiceIndex: number, strategyIndex: number, value: number) => void;

type AdditiveModule = {
  contributions(vote: Vote, choices: readonly string[], strategies: number, emit: Emit): boolean;
  finish(sums: Float64Array, sumsByStrategy: Float64Array, strategies: number, validTotal: number, total: number): TallyReturnType;
};

const ADDITIVE: Record<AdditiveVotingType, AdditiveModule> = {
  'single-choice': { contributions: singleChoiceContributions, finish: finishSingleChoice },
  basic: { contributions: singleChoiceContributions, finish: finishSingleChoice },
  approval: { contributions: approvalContributions, finish: finishApproval },
  quadratic: { contributions: quadraticContributions, finish: finishQuadratic },
  weighted: { contributions: weightedContributions, finish: finishWeighted }
};

/**
 * Running sums of one proposal. Per choice: single-choice/basic/approval Σ balance; weighted Σ
 * balance × weight share; quadratic Σ √(weight share × balance); and the same per strategy.
 */
export type TallyAccumulators = {
  type: AdditiveVotingType;
  choices: readonly string[];
  strategies: number;
  /** Exact sums (partials), one per choice. */
  sums: number[][];
  /** Exact sums, row-major choices × strategies. */
  sumsByStrategy: number[][];
  /** Σ balance of valid ballots (weighted and quadratic rescale to it). */
  validTotal: number[];
  /** Σ balance of all ballots (`scores_total`). */
  total: number[];
  /** Ballots counted, and how many of them are valid. */
  ballots: number;
  validBallots: number;
};

/** Input of `createTallyAccumulators`. */
export type CreateTallyAccumulatorsParameters = {
  type: string;
  choices: readonly string[];
  strategies: number;
};

/** Whether `type` has a running-total form. */
export function isAdditiveVotingType(type: string): type is AdditiveVotingType {
  return (ADDITIVE_VOTING_TYPES as readonly string[]).includes(type);
}

/** Empty running sums for a proposal; throws NotAdditiveVotingTypeError for ranked-choice/copeland. */
export function createTallyAccumulators(params: CreateTallyAccumulatorsParameters): TallyAccumulators {
  const { type, choices, strategies } = params;
  if (!isAdditiveVotingType(type)) throw new NotAdditiveVotingTypeError(type);
  return {
    type,
    choices,
    strategies,
    sums: Array.from({ length: choices.length }, () => []),
    sumsByStrategy: Array.from({ length: choices.length * strategies }, () => []),
    validTotal: [],
    total: [],
    ballots: 0,
    validBallots: 0
  };
}

function checkFinite(vote: Vote): void {
  if (!Number.isFinite(vote.balance)) throw new NonFiniteVotingPowerError(vote.balance);
  for (const score of vote.scores) if (!Number.isFinite(score)) throw new NonFiniteVotingPowerError(score);
}

// The ballot being applied: one module-level emitter so that applying a ballot allocates nothing.
let target: TallyAccumulators | null = null;
let targetSign = 1;
function emitTerm(choiceIndex: number, strategyIndex: number, value: number): void {
  const acc = target as TallyAccumulators;
  if (value === 0) return;
  if (strategyIndex < 0) addExact(acc.sums[choiceIndex], targetSign * value);
  else addExact(acc.sumsByStrategy[choiceIndex * acc.strategies + strategyIndex], targetSign * value);
}

function applyBallot(acc: TallyAccumulators, vote: Vote, sign: 1 | -1): void {
  target = acc;
  targetSign = sign;
  const valid = ADDITIVE[acc.type].contributions(vote, acc.choices, acc.strategies, emitTerm);
  target = null;
  addExact(acc.total, sign * vote.balance);
  acc.ballots += sign;
  if (valid) {
    addExact(acc.validTotal, sign * vote.balance);
    acc.validBallots += sign;
  }
}

function checkVote(acc: TallyAccumulators, vote: Vote): void {
  checkStrategyScores(vote, acc.strategies);
  checkFinite(vote);
}

/**
 * Replaces a voter's ballot in the running sums in O(choices): removes `previous` (the exact vote
 * that was applied before, with its power then; null for a first vote) and adds `next` (null to
 * withdraw). Invalid ballots change only `scores_total`, as in Snapshot. Powers must be finite.
 */
export function applyBallotDelta(acc: TallyAccumulators, previous: Vote | null, next: Vote | null): void {
  if (previous !== null) checkVote(acc, previous);
  if (next !== null) checkVote(acc, next);
  if (previous !== null) applyBallot(acc, previous, -1);
  if (next !== null) applyBallot(acc, next, 1);
}

/** The tally of the running sums, shaped and rescaled exactly as a full recount finishes it. */
export function finalizeTally(acc: TallyAccumulators): TallyReturnType {
  const n = acc.choices.length;
  const sums = new Float64Array(n);
  for (let i = 0; i < n; i++) sums[i] = exactSumValue(acc.sums[i]);
  const sumsByStrategy = new Float64Array(acc.sumsByStrategy.length);
  for (let c = 0; c < sumsByStrategy.length; c++) sumsByStrategy[c] = exactSumValue(acc.sumsByStrategy[c]);
  return ADDITIVE[acc.type].finish(
    sums,
    sumsByStrategy,
    acc.strategies,
    exactSumValue(acc.validTotal),
    exactSumValue(acc.total)
  );
}
