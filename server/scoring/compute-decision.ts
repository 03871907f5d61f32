/** The outcome of a closed proposal from its counted ballots: a pure function, so anyone can recompute it. */
import crypto from 'node:crypto';
import type { SpaceVoting } from '../../schema/space-settings.ts';
import { canonicalJson } from '../ingest/content-id.ts';
import { decideOutcome, type QuorumType } from './decide-outcome.ts';
import { tally } from './tally.ts';
import type { Vote } from './types.ts';

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

/** A proposal's counted votes as `tally` takes them, in log order, and what the decision records about them. */
export type CountedVotes = {
  votes: Vote[];
  /** The highest `mci` counted (0 when there is no vote). */
  lastMci: number;
  /** SHA-256 (0x-hex) of one `canonicalJson([id, choice, vp, vpByStrategy])` line per vote, in log order. */
  votesHash: string;
};

/** SHA-256 (0x-hex) of canonical JSON lines, one per item: streamed, as 10^6 ballots make a large text. */
function hashLines(lines: Iterable<string>): string {
  const hasher = createLineHasher();
  for (const line of lines) hasher.add(line);
  return hasher.digest();
}

/** A streaming hash of lines that feeds the digest in large pieces (one update per line costs more than the hash). */
export function createLineHasher(): { add(line: string): void; digest(): string } {
  const hash = crypto.createHash('sha256');
  let pending = '';
  return {
    add(line) {
      pending += `${line}\n`;
      if (pending.length > 1 << 16) {
        hash.update(pending);
        pending = '';
      }
    },
    digest() {
      hash.update(pending);
      pending = '';
      return `0x${hash.digest('hex')}`;
    },
  };
}

/** The canonical JSON of a choice as the votes hash writes it (objects with sorted keys). */
export function choiceJson(choice: unknown): string {
  if (typeof choice !== 'object' || choice === null || Array.isArray(choice)) return JSON.stringify(choice);
  return flatNumberMapJson(choice as Record<string, unknown>) ?? canonicalJson(choice);
}

/**
 * `canonicalJson` of an object whose values are all numbers (a weight-map ballot), written directly: keys in
 * code-unit order (what its `<` comparison gives), no intermediate entry arrays. Undefined for other objects.
 */
function flatNumberMapJson(map: Record<string, unknown>): string | undefined {
  const keys = Object.keys(map);
  if (keys.length > 1) keys.sort();
  let json = '{';
  for (let k = 0; k < keys.length; k++) {
    const value = map[keys[k]];
    if (typeof value !== 'number') return undefined;
    json += `${k > 0 ? ',' : ''}${JSON.stringify(keys[k])}:${JSON.stringify(value)}`;
  }
  return `${json}}`;
}

/** One votes-hash line, `canonicalJson([id, choice, vp, vpByStrategy])`, from the JSON of its parts. */
export function votesHashLine(idJson: string, choice: string, vp: string, vpByStrategy: string): string {
  return `[${idJson},${choice},${vp},${vpByStrategy}]`;
}

/** The counted votes of plain ballots: sorted by `mci`, hashed line by line. */
export function countBallots(ballots: readonly CountedBallot[]): CountedVotes {
  const ordered = [...ballots].sort((a, b) => a.mci - b.mci);
  return {
    votes: ordered.map((ballot) => ({ choice: ballot.choice, balance: ballot.vp, scores: ballot.vpByStrategy })),
    lastMci: ordered.reduce((last, ballot) => Math.max(last, ballot.mci), 0),
    votesHash: hashLines(
      ordered.map(({ id, choice, vp, vpByStrategy }) => votesHashLine(JSON.stringify(id), choiceJson(choice), JSON.stringify(vp), JSON.stringify(vpByStrategy))),
    ),
  };
}

/** Counts the ballots with the proposal's voting type and applies its quorum and pass rules. */
export function computeDecision({ proposal, ballots }: ComputeDecisionParameters): ComputeDecisionReturnType {
  return decideCountedVotes({ proposal, counted: countBallots(ballots) });
}

export type DecideCountedVotesParameters = { proposal: DecisionProposal; counted: CountedVotes };

/** `computeDecision` from votes already counted (in log order and hashed), however they were loaded. */
export function decideCountedVotes({ proposal, counted }: DecideCountedVotesParameters): ComputeDecisionReturnType {
  const result = tally({ type: proposal.type, choices: proposal.choices, strategies: proposal.strategies, votes: counted.votes });
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
      votesCount: counted.votes.length,
      lastMci: counted.lastMci,
      votesHash: counted.votesHash,
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
