/** CLI: npm run simulate -- --scenario NAME --seed N --out FILE [--dp-epsilon E] [--holders N] [--proposals N] */
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { simulate } from './generate.ts';
import { toJsonLines } from './format.ts';
import { privatize, PrivacyLedger } from './privacy.ts';
import { createRng } from './rng.ts';
import { scenarios } from './scenarios.ts';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'S1' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string' },
    'dp-epsilon': { type: 'string' },
    'dp-clip': { type: 'string', default: '1000' },
    holders: { type: 'string' },
    proposals: { type: 'string' },
  },
});
if (!scenarios[values.scenario!]) {
  process.stderr.write(`unknown scenario ${values.scenario}; known: ${Object.keys(scenarios).join(', ')}\n`);
  process.exit(2);
}
const seed = Number(values.seed);
const overrides: Record<string, number> = {};
if (values.holders) overrides.holders = Number(values.holders);
if (values.proposals) overrides.proposalsPerSpace = Number(values.proposals);
const sim = simulate(values.scenario!, seed, overrides);
const out = values.out ? createWriteStream(values.out) : process.stdout;
const write = (line: string): boolean => out.write(line + '\n');
for (const line of toJsonLines(sim)) write(line);
if (values['dp-epsilon']) {
  // Per-proposal aggregates with per-voter clipping: one voter changes the count by ≤ 1 and the power sum by ≤ clip.
  const epsilon = Number(values['dp-epsilon']);
  const clip = Number(values['dp-clip']);
  const ledger = new PrivacyLedger(epsilon);
  const rng = createRng(seed ^ 0x5eed);
  const per = epsilon / sim.proposals.length;
  for (const sp of sim.proposals) {
    const latest = new Map(sp.votes.map((v) => [v.voter, v]));
    const vp = [...latest.values()].reduce((a, v) => a + Math.min(clip, v.vp), 0);
    const noisy = privatize({ values: { voters: latest.size, clippedVp: vp }, epsilon: per, sensitivity: clip, rng, ledger, label: sp.proposal.id });
    write(JSON.stringify({ type: 'aggregate', proposal: sp.proposal.id, private: true, epsilon: per, clip, ...noisy }));
  }
}
if (out !== process.stdout) (out as ReturnType<typeof createWriteStream>).end();
