/** snapshot.js 0.17.5 voting classes, typed minimally, as the reference the scoring tests compare with. */
import snapshotModule from '@snapshot-labs/snapshot.js';
import type { Vote } from '../../server/scoring/types.ts';

export type SnapshotVotingInstance = {
  getScores(): number[];
  getScoresByStrategy(): number[][];
  getScoresTotal(): number;
};

export type SnapshotVotingClass = {
  new (proposal: { choices: string[] }, votes: Vote[], strategies: unknown[], selected: unknown): SnapshotVotingInstance;
  isValidChoice(choice: unknown, choices: string[]): boolean;
};

const loaded = snapshotModule as unknown as { utils?: unknown; default?: { utils: unknown } };
const utils = (loaded.utils ?? loaded.default?.utils) as { voting: Record<string, SnapshotVotingClass> };

/** The snapshot.js class for a voting type. */
export function snapshotVoting(type: string): SnapshotVotingClass {
  const votingClass = utils.voting[type];
  if (!votingClass) throw new Error(`snapshot.js has no voting type ${type}`);
  return votingClass;
}

/** snapshot.js's tally for the votes, as the hub stores it. */
export function snapshotTally(
  type: string,
  choices: readonly string[],
  votes: readonly Vote[],
  strategies: number
): { scores: number[]; scores_by_strategy: number[][]; scores_total: number } {
  const VotingClass = snapshotVoting(type);
  const strategyList = Array.from({ length: strategies }, (_, i) => ({ name: `s${i}`, network: '1', params: {} }));
  const instance = new VotingClass({ choices: choices.slice() }, votes.slice(), strategyList, []);
  return {
    scores: instance.getScores(),
    scores_by_strategy: instance.getScoresByStrategy(),
    scores_total: instance.getScoresTotal()
  };
}
