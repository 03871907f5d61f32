/** CLI: npm run analyze -- --input FILE [--thresholds FILE.json] [--no-enrichment]; prints flags as JSON. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { analyzeProposal } from './analyze.ts';
import { fromJsonLines, historiesOf } from './simulate/format.ts';
import { mergeThresholds } from './thresholds.ts';

const { values } = parseArgs({
  options: {
    input: { type: 'string' },
    thresholds: { type: 'string' },
    'no-enrichment': { type: 'boolean', default: false },
    truth: { type: 'boolean', default: false },
  },
});
if (!values.input) {
  process.stderr.write('usage: npm run analyze -- --input FILE [--thresholds FILE.json] [--no-enrichment] [--truth]\n');
  process.exit(2);
}
const sim = fromJsonLines(readFileSync(values.input, 'utf8').split('\n'));
const thresholds = mergeThresholds(values.thresholds ? JSON.parse(readFileSync(values.thresholds, 'utf8')) : {});
const histories = historiesOf(sim, { enrichment: !values['no-enrichment'] });
const out = histories.map((h, i) => {
  const r = analyzeProposal(h, thresholds, { now: h.proposal.end });
  return {
    proposal: r.proposal,
    level: r.level,
    votesAnalyzed: r.votesAnalyzed,
    flags: r.flags,
    fairness: r.fairness,
    ...(values.truth ? { truth: sim.proposals[i].truth } : {}),
  };
});
process.stdout.write(JSON.stringify({ scenario: sim.header.scenario, seed: sim.header.seed, proposals: out }, null, 1) + '\n');
