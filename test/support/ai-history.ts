/** Builders of crafted vote histories for the AI detector tests. */
import type { HistoryContext, ProposalHistory, ProposalInput, VoteChoice, VoteVersion } from '../../server/ai/types.ts';

export const T0 = 1_700_000_000;
export const DAY = 86400;

export function makeProposal(over: Partial<ProposalInput> = {}): ProposalInput {
  return {
    id: 'p1',
    space: 'test.eth',
    type: 'single-choice',
    choices: ['For', 'Against'],
    start: T0,
    end: T0 + 5 * DAY,
    snapshot: 1000,
    quorum: 0,
    body: 'A proposal with a reasonable description of what it does and why it matters for the DAO treasury.',
    ...over,
  };
}

/** Deterministic small PRNG for fixtures (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class HistoryBuilder {
  proposal: ProposalInput;
  votes: VoteVersion[] = [];
  context: HistoryContext = {};
  private mci = 0;
  constructor(proposal: ProposalInput = makeProposal()) {
    this.proposal = proposal;
  }
  vote(voter: string, choice: VoteChoice, vp: number, created: number, extra: Partial<VoteVersion> = {}): VoteVersion {
    const v: VoteVersion = { id: `v${++this.mci}`, mci: this.mci, voter, choice, vp, created, reason: '', app: 'snapshot', ...extra };
    this.votes.push(v);
    return v;
  }
  /** n honest voters: lognormal power, early-heavy times, mostly choice 1, varied apps, few reasons. */
  honest(n: number, seed = 1, prefix = 'h'): this {
    const r = rng(seed);
    const len = this.proposal.end - this.proposal.start;
    const apps = ['snapshot', 'snapshot', 'snapshot', 'boardroom', 'tally'];
    for (let i = 0; i < n; i++) {
      const z = Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
      const vp = Math.round(Math.exp(4 + 1.8 * z) * 1000) / 1000 + 0.001;
      const t = r() < 0.7 ? r() * DAY : r() * (len - DAY) + DAY;
      const choice = r() < 0.7 ? 1 : 2;
      this.vote(`${prefix}${i}`, choice, vp, Math.floor(this.proposal.start + Math.min(t, len * 0.9)), {
        app: apps[Math.floor(r() * apps.length)],
        reason: r() < 0.1 ? randomSentence(r) : '',
      });
    }
    return this;
  }
  build(): ProposalHistory {
    return { proposal: this.proposal, votes: [...this.votes], context: this.context };
  }
}

const WORDS = (
  'treasury grant budget risk team roadmap audit security token liquidity incentive community delegate growth ' +
  'cost benefit timeline milestone contributor vendor oracle market bridge chain upgrade fee revenue runway ' +
  'transparency report metric user adoption partner integration protocol parameter emission reward vote ' +
  'support concern worry like dislike prefer agree disagree trust doubt think believe expect hope fear ' +
  'strong weak clear vague fair unfair long short early late small large new old cheap expensive'
).split(' ');

/** A random sentence of 8 to 15 bank words. */
export function randomSentence(r: () => number): string {
  const n = 8 + Math.floor(r() * 8);
  const w: string[] = [];
  for (let i = 0; i < n; i++) w.push(WORDS[Math.floor(r() * WORDS.length)]);
  return w.join(' ');
}
