/** Approval voting: a ballot lists any number of distinct choices; each one gets the voter's full power. */
import type { TallyReturnType, Vote } from '../types.ts';
import { addVotePower, checkStrategyScores, emitVotePower, scanChoiceList, toRows } from './common.ts';
import { finishSingleChoice } from './single-choice.ts';

/** Input of an approval recount. */
export type ApprovalTallyParameters = {
  choices: readonly string[];
  votes: readonly Vote[];
  strategies: number;
};

/**
 * Snapshot's approval validity: an array (possibly empty) of distinct entries that each name a
 * choice after numeric coercion (`choices[entry - 1]` exists; so "2" passes but then counts nothing,
 * because scoring compares entries with `===`). Distinctness is SameValueZero, as in a `Set`.
 */
export function isValidApprovalChoice(choice: unknown, choices: readonly string[]): boolean {
  if (!Array.isArray(choice)) return false;
  const length = choice.length;
  const entries = scanChoiceList(choice, choices);
  if (entries < 0) return false;
  if (entries === 1 && length <= 16) {
    // Numbers that pass are integers 1..choices.length: compare short ballots pairwise.
    for (let a = 1; a < length; a++) for (let b = 0; b < a; b++) if (choice[a] === choice[b]) return false;
    return true;
  }
  return new Set(choice).size === length;
}

/** Full recount, identical to snapshot.js `ApprovalVoting` (sums in vote order). */
export function tallyApproval(params: ApprovalTallyParameters): TallyReturnType {
  const { choices, votes, strategies } = params;
  const n = choices.length;
  const scores = new Float64Array(n);
  const byStrategy = new Float64Array(n * strategies);
  let total = 0;
  for (let v = 0; v < votes.length; v++) {
    const vote = votes[v];
    checkStrategyScores(vote, strategies);
    total += vote.balance;
    const choice = vote.choice;
    if (!isValidApprovalChoice(choice, choices)) continue;
    const list = choice as unknown[];
    for (let k = 0; k < list.length; k++) {
      const entry = list[k];
      // An entry valid by coercion only ("2") counts nothing: snapshot.js matches with `includes`.
      if (typeof entry === 'number') addVotePower(scores, byStrategy, entry - 1, vote, strategies);
    }
  }
  return { scores: Array.from(scores), scores_by_strategy: toRows(byStrategy, n, strategies), scores_total: total };
}

/** Emits an approval ballot's additive contributions (see `singleChoiceContributions`); returns validity. */
export function approvalContributions(
  vote: Vote,
  choices: readonly string[],
  strategies: number,
  emit: (choiceIndex: number, strategyIndex: number, value: number) => void
): boolean {
  if (!isValidApprovalChoice(vote.choice, choices)) return false;
  const list = vote.choice as unknown[];
  for (let k = 0; k < list.length; k++) {
    const entry = list[k];
    if (typeof entry === 'number') emitVotePower(emit, entry - 1, vote, strategies);
  }
  return true;
}

/** Turns per-choice sums into the tally (approval scores are the sums themselves). */
export const finishApproval = finishSingleChoice;
