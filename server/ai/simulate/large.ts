/** One large honest-like proposal (plus a sybil swarm and a late flip group) for timing runs. */
import type { ProposalHistory, VoteVersion } from '../types.ts';
import { createRng } from './rng.ts';
import { BOILERPLATE, honestReason, sybilReason } from './text-bank.ts';
import { SIM_T0 } from './generate.ts';

/** A proposal with about `n` vote versions. */
export function largeHistory(n: number, seed: number): ProposalHistory {
  const rng = createRng(seed);
  const start = SIM_T0;
  const end = start + 5 * 86400;
  const drafts: Omit<VoteVersion, 'id' | 'mci'>[] = [];
  const apps = ['snapshot', 'snapshot', 'snapshot', 'snapshot', 'boardroom', 'tally', 'agora'];
  let i = 0;
  while (drafts.length < n - 130) {
    const voter = `0x${(i++).toString(16).padStart(40, '0')}`;
    const vp = rng.chance(0.04) ? rng.pareto(2000, 1.3) : rng.lognormal(3, 2);
    const u = rng.next();
    const created = Math.floor(u < 0.7 ? start + Math.min(rng.exponential(5 * 3600), 86400) : u < 0.9 ? start + rng.range(0, end - start) : end - Math.min(end - start, rng.exponential(4 * 3600)));
    const choice = rng.chance(0.7) ? 1 : 2;
    const r = rng.next();
    const reason = r < 0.04 ? rng.pick(BOILERPLATE) : r < 0.12 ? honestReason(rng) : '';
    drafts.push({ voter, choice, vp, created: Math.min(end - 1, created), reason, app: rng.pick(apps) });
    if (rng.chance(0.02)) drafts.push({ voter, choice: 3 - choice, vp, created: Math.min(end - 1, created + Math.floor(rng.exponential(7200))), reason: '', app: rng.pick(apps) });
  }
  const t0 = start + 2 * 86400;
  for (let k = 0; k < 100; k++) {
    drafts.push({ voter: `0xs${k}`, choice: 2, vp: 500 * (1 + rng.range(-0.01, 0.01)), created: t0 + k * 10, reason: sybilReason(rng, 'templated', 1, 'Against'), app: 'vote-bot' });
  }
  for (let k = 0; k < 15; k++) {
    drafts.push({ voter: `0xf${k}`, choice: 1, vp: 3000, created: start + 3600 + k, reason: '', app: 'snapshot' });
    drafts.push({ voter: `0xf${k}`, choice: 2, vp: 3000, created: end - 3000 + k * 30, reason: '', app: 'snapshot' });
  }
  drafts.sort((a, b) => a.created - b.created);
  const votes: VoteVersion[] = drafts.map((d, k) => ({ ...d, vp: Number(d.vp.toPrecision(8)), id: `0x${(k + 1).toString(16).padStart(12, '0')}`, mci: k + 1 }));
  return {
    proposal: { id: `large-${n}`, space: 'large.eth', type: 'single-choice', choices: ['For', 'Against', 'Abstain'], start, end, snapshot: 18_000_000, quorum: 0 },
    votes,
    context: {},
  };
}
