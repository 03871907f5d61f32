/**
 * The outcome of a closed proposal from its tally: winning choice, quorum, and pass/fail.
 *
 * Snapshot computes pass/fail in its UI only (sx-monorepo `getProposalState` and `helpers/quorum.ts`);
 * conclave decides it on the server with the same rules and these documented extensions:
 *
 * - `basic` (For / Against / Abstain), default quorum: the quorum counts `scores_total` (For + Against
 *   when `hideAbstain`), reached when ≥ `quorum`; passed when reached and For > Against. With a
 *   supermajority `passThreshold` p (a percentage in (50, 100]), also For × 100 ≥ p × (For + Against)
 *   (abstentions count towards quorum, never towards the majority). Extension: Snapshot has no
 *   supermajority.
 * - `basic`, `rejection` quorum (optimistic): rejected when Against (`scores[1]`) exceeds `quorum`,
 *   passed otherwise — also with no votes at all. `quorumReached` then reports whether the rejection
 *   quorum was exceeded; `passThreshold` does not apply. As in Snapshot.
 * - Every other type has no pass/fail in Snapshot: `passed` is null, unless `passOnWinner` is set
 *   (extension): then passed when the participation quorum (`scores_total` ≥ `quorum`) is reached and a
 *   unique winning choice exists, and with `passThreshold` p when that choice holds ≥ p % of the
 *   choices' summed scores. A `rejection` quorum only has meaning for basic; other types always use
 *   the participation quorum.
 * - `winningChoice` (1-based) is the choice with the strictly highest score; null on a tie for the
 *   lead or when no choice scored above 0. For basic only For and Against compete (Abstain never wins).
 */
import { InvalidPassThresholdError, UnknownVotingTypeError } from './errors.ts';
import { isVotingType } from './tally.ts';

/** Snapshot's quorum types: participation ('') or rejection. */
export type QuorumType = '' | 'rejection';

/** Input of `decideOutcome`: the proposal's type, choices, tally and quorum settings. */
export type DecideOutcomeParameters = {
  type: string;
  choices: readonly string[];
  scores: readonly number[];
  scores_total: number;
  /** Absolute voting power; 0 means no quorum. */
  quorum: number;
  quorumType: QuorumType;
  /** Omitted or 'majority': simple majority; a number: supermajority percentage in (50, 100]. */
  passThreshold?: number | 'majority';
  /** Basic only: abstentions do not count towards the quorum. */
  hideAbstain?: boolean;
  /** Give pass/fail to the types that have none in Snapshot (see the module comment). */
  passOnWinner?: boolean;
};

/** Winner (1-based or null), pass/fail (null: not applicable), quorum, and a short reason. */
export type DecideOutcomeReturnType = {
  winningChoice: number | null;
  passed: boolean | null;
  quorumReached: boolean;
  reason: string;
};

/** Index (0-based) of the strictly highest score above 0 among the first `count`, or -1. */
function leader(scores: readonly number[], count: number): number {
  let best = -1;
  let bestScore = 0;
  let tied = false;
  for (let i = 0; i < count; i++) {
    const score = scores[i] ?? 0;
    if (score > bestScore) {
      best = i;
      bestScore = score;
      tied = false;
    } else if (score === bestScore && best >= 0) tied = true;
  }
  return tied ? -1 : best;
}

const show = (x: number): string => String(Math.round(x * 1e6) / 1e6);

/** Decides winner, quorum and pass/fail of a tallied proposal (pure; rules in the module comment). */
export function decideOutcome(params: DecideOutcomeParameters): DecideOutcomeReturnType {
  const { type, choices, scores, scores_total: total, quorum, quorumType } = params;
  if (!isVotingType(type)) throw new UnknownVotingTypeError(type);
  const threshold = params.passThreshold === undefined || params.passThreshold === 'majority' ? null : params.passThreshold;
  if (threshold !== null && !(threshold > 50 && threshold <= 100)) throw new InvalidPassThresholdError(threshold);

  if (type === 'basic') {
    const forVotes = scores[0] ?? 0;
    const against = scores[1] ?? 0;
    const lead = leader(scores, 2);
    const winningChoice = lead >= 0 ? lead + 1 : null;
    if (quorumType === 'rejection') {
      const rejected = against > quorum;
      return {
        winningChoice,
        passed: !rejected,
        quorumReached: rejected,
        reason: rejected
          ? `rejected: Against ${show(against)} exceeds the rejection quorum ${show(quorum)}`
          : `passed: Against ${show(against)} does not exceed the rejection quorum ${show(quorum)}`
      };
    }
    const counted = params.hideAbstain ? forVotes + against : total;
    const quorumReached = counted >= quorum;
    if (!quorumReached) {
      return { winningChoice, passed: false, quorumReached, reason: `rejected: quorum not reached (${show(counted)} < ${show(quorum)})` };
    }
    if (!(forVotes > against)) {
      return { winningChoice, passed: false, quorumReached, reason: `rejected: For ${show(forVotes)} does not exceed Against ${show(against)}` };
    }
    if (threshold !== null && !(forVotes * 100 >= threshold * (forVotes + against))) {
      const share = (forVotes * 100) / (forVotes + against);
      return { winningChoice, passed: false, quorumReached, reason: `rejected: For has ${show(share)}% of For + Against, below ${threshold}%` };
    }
    return {
      winningChoice,
      passed: true,
      quorumReached,
      reason: `passed: For ${show(forVotes)} > Against ${show(against)}` + (threshold !== null ? ` (at least ${threshold}%)` : '') + `, quorum ${show(counted)} ≥ ${show(quorum)}`
    };
  }

  const lead = leader(scores, choices.length);
  const winningChoice = lead >= 0 ? lead + 1 : null;
  const quorumReached = total >= quorum;
  const winnerText = winningChoice !== null ? `choice ${winningChoice} leads` : total > 0 ? 'no unique leader' : 'no votes';
  if (!params.passOnWinner) {
    return { winningChoice, passed: null, quorumReached, reason: `no pass/fail for ${type}: ${winnerText}` };
  }
  if (!quorumReached) {
    return { winningChoice, passed: false, quorumReached, reason: `rejected: quorum not reached (${show(total)} < ${show(quorum)})` };
  }
  if (winningChoice === null) return { winningChoice, passed: false, quorumReached, reason: `rejected: ${winnerText}` };
  if (threshold !== null) {
    let sum = 0;
    for (let i = 0; i < choices.length; i++) sum += scores[i] ?? 0;
    const top = scores[winningChoice - 1];
    if (!(top * 100 >= threshold * sum)) {
      return { winningChoice, passed: false, quorumReached, reason: `rejected: choice ${winningChoice} has ${show((top * 100) / sum)}% of the scores, below ${threshold}%` };
    }
  }
  return { winningChoice, passed: true, quorumReached, reason: `passed: ${winnerText}, quorum ${show(total)} ≥ ${show(quorum)}` };
}
