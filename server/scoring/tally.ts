/** Entry point of the pure scoring code: choice validation and full recount for every voting type. */
import { UnknownVotingTypeError } from './errors.ts';
import { VOTING_TYPES, type TallyParameters, type TallyReturnType, type VotingType } from './types.ts';
import { isValidApprovalChoice, tallyApproval } from './voting-types/approval.ts';
import { isValidBasicChoice, tallyBasic } from './voting-types/basic.ts';
import { isValidCopelandChoice, tallyCopeland } from './voting-types/copeland.ts';
import { isValidQuadraticChoice, tallyQuadratic } from './voting-types/quadratic.ts';
import { isValidRankedChoice, tallyRankedChoice } from './voting-types/ranked-choice.ts';
import { isValidSingleChoice, tallySingleChoice } from './voting-types/single-choice.ts';
import { isValidWeightedChoice, tallyWeighted } from './voting-types/weighted.ts';

/** The shapes of `tally`'s input and output. */
export type { TallyParameters, TallyReturnType, Vote, VotingType } from './types.ts';
/** Packed ballots: validate and pack once (when votes arrive), recount fast from the packed form. */
export { encodeQuadraticBallots, tallyQuadraticBallots, type QuadraticBallots } from './voting-types/quadratic.ts';
export { encodeRankedBallots, tallyRankedBallots, type RankedBallots } from './voting-types/ranked-choice.ts';

type VotingTypeModule = {
  isValidChoice(choice: unknown, choices: readonly string[]): boolean;
  tally(params: Omit<TallyParameters, 'type'>): TallyReturnType;
};

const MODULES: Record<VotingType, VotingTypeModule> = {
  'single-choice': { isValidChoice: isValidSingleChoice, tally: tallySingleChoice },
  basic: { isValidChoice: isValidBasicChoice, tally: tallyBasic },
  approval: { isValidChoice: isValidApprovalChoice, tally: tallyApproval },
  quadratic: { isValidChoice: isValidQuadraticChoice, tally: tallyQuadratic },
  weighted: { isValidChoice: isValidWeightedChoice, tally: tallyWeighted },
  'ranked-choice': { isValidChoice: isValidRankedChoice, tally: tallyRankedChoice },
  copeland: { isValidChoice: isValidCopelandChoice, tally: tallyCopeland }
};

/** Whether `type` names a voting type conclave counts. */
export function isVotingType(type: string): type is VotingType {
  return (VOTING_TYPES as readonly string[]).includes(type);
}

function moduleFor(type: string): VotingTypeModule {
  if (!isVotingType(type)) throw new UnknownVotingTypeError(type);
  return MODULES[type];
}

/** Snapshot's `isValidChoice` for the voting type (choices are 1-based); throws on an unknown type. */
export function isValidChoice(type: string, choice: unknown, choices: readonly string[]): boolean {
  return moduleFor(type).isValidChoice(choice, choices);
}

/** Full recount `{scores, scores_by_strategy, scores_total}`, identical to snapshot.js for the type. */
export function tally(params: TallyParameters): TallyReturnType {
  return moduleFor(params.type).tally(params);
}
