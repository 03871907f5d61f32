/** Basic voting (For / Against / Abstain): counted exactly like single-choice, as snapshot.js does. */
import type { TallyReturnType } from '../types.ts';
import { isValidSingleChoice, tallySingleChoice, type SingleChoiceTallyParameters } from './single-choice.ts';

/** Snapshot's basic validity (the single-choice rule): a number naming an existing choice. */
export function isValidBasicChoice(choice: unknown, choices: readonly string[]): boolean {
  return isValidSingleChoice(choice, choices);
}

/** Full recount, identical to snapshot.js (which maps `basic` to `SingleChoiceVoting`). */
export function tallyBasic(params: SingleChoiceTallyParameters): TallyReturnType {
  return tallySingleChoice(params);
}
