/** The outcome of a closed proposal from its counted ballots: a pure function, so anyone can recompute it. */
import crypto from 'node:crypto';
import type { SpaceVoting } from '../../schema/space-settings.ts';
import { canonicalJson } from '../ingest/content-id.ts';
import { decideOutcome, type QuorumType } from './decide-outcome.ts';
import { tally } from './tally.ts';

export type DecisionProposal = {
  id: string;
  space: string;
  type: string;
  choices: string[];
  /** Number of strategies frozen into the proposal. */
  strategies: number;
  end: number;
  quorum: number;
  quorumType: string;
  voting: SpaceVoting;
};

/** One current ballot, in log order (ascending `mci`): the order fixes float summation, as in snapshot.js. */
export type CountedBallot = { id: string; choice: unknown; vp: number; vpByStrategy: number[]; mci: number };

export type ComputeDecisionParameters = { proposal: DecisionProposal; ballots: readonly CountedBallot[] };

/** The signed part of a decision (EIP-712 `Decision`, schema/eip712.ts). */
export type DecisionMessage = {
  proposal: string;
  space: string;
  outcome: 'passed' | 'rejected' | 'none';
  /** 0 when there is no winner. */
  winningChoice: number;
  quorumReached: boolean;
  votesCount: number;
  lastMci: number;
  votesHash: string;
  resultsHash: string;
  decidedAt: number;
};

export type ComputeDecisionReturnType = {
  message: DecisionMessage;
  scores: number[];
  scoresByStrategy: number[][];
  scoresTotal: number;
  reason: string;
};

/** SHA-256 (0x-hex) of canonical JSON lines, one per item: streamed, as 10^6 ballots make a large text. */
function hashLines(lines: Iterable<string>): string {
  const hash = crypto.createHash('sha256');
  for (const line of lines) hash.update(`${line}\n`);
  return `0x${hash.digest('hex')}`;
}

/** `canonicalJson([id, choice, vp, vpByStrategy])`, written out for speed on the common shapes. */
function ballotLine({ id, choice, vp, vpByStrategy }: CountedBallot): string {
  const choiceJson = typeof choice === 'object' && choice !== null && !Array.isArray(choice) ? canonicalJson(choice) : JSON.stringify(choice);
  return `[${JSON.stringify(id)},${choiceJson},${JSON.stringify(vp)},${JSON.stringify(vpByStrategy)}]`;
}

/** Counts the ballots with the proposal's voting type and applies its quorum and pass rules. */
export function computeDecision({ proposal, ballots }: ComputeDecisionParameters): ComputeDecisionReturnType {
  const ordered = [...ballots].sort((a, b) => a.mci - b.mci);
  const result = tally({
    type: proposal.type,
    choices: proposal.choices,
    strategies: proposal.strategies,
    votes: ordered.map((ballot) => ({ choice: ballot.choice, balance: ballot.vp, scores: ballot.vpByStrategy })),
  });
  const outcome = decideOutcome({
    type: proposal.type,
    choices: proposal.choices,
    scores: result.scores,
    scores_total: result.scores_total,
    quorum: proposal.quorum,
    quorumType: (proposal.quorumType === 'rejection' ? 'rejection' : '') as QuorumType,
    passThreshold: proposal.voting.passThreshold,
    hideAbstain: proposal.voting.hideAbstain,
    passOnWinner: proposal.voting.passOnWinner,
  });
  return {
    message: {
      proposal: proposal.id,
      space: proposal.space,
      outcome: outcome.passed === null ? 'none' : outcome.passed ? 'passed' : 'rejected',
      winningChoice: outcome.winningChoice ?? 0,
      quorumReached: outcome.quorumReached,
      votesCount: ordered.length,
      lastMci: ordered.reduce((last, ballot) => Math.max(last, ballot.mci), 0),
      votesHash: hashLines(ordered.map(ballotLine)),
      resultsHash: hashLines([canonicalJson({ scores: result.scores, scores_by_strategy: result.scores_by_strategy, scores_total: result.scores_total })]),
      // The decision is the outcome as of the end of voting, so recomputing it later gives the same bytes.
      decidedAt: proposal.end,
    },
    scores: result.scores,
    scoresByStrategy: result.scores_by_strategy,
    scoresTotal: result.scores_total,
    reason: outcome.reason,
  };
}
