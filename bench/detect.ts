/**
 * Detector benchmark: precision / recall / F1 per detector and scenario over seeds, overall targets,
 * and timings on 100k / 1M-vote proposals.
 * Usage: npm run bench:detect [-- --seeds 5 --first-seed 101 --scenarios S0,S1|none --no-timing --incremental-only --sweep-only --no-enrichment]
 * (--sweep-only: only the live sweep's cost per proposal at 100k votes, incremental against batch)
 */
import { parseArgs } from 'node:util';
import { analyzeProposal } from '../server/ai/analyze.ts';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { IncrementalAnalyzer } from '../server/ai/incremental.ts';
import { LocalAnalyzerHost, type AnalyzerHost } from '../server/risk/analyzer-host.ts';
import { WorkerAnalyzerHost } from '../server/risk/worker-analyzer-host.ts';
import { largeHistory } from '../server/ai/simulate/large.ts';
import { averagePrecision, emptyEvaluation, evaluate, prf } from '../server/ai/simulate/evaluate.ts';
import type { Evaluation } from '../server/ai/simulate/evaluate.ts';
import { historiesOf } from '../server/ai/simulate/format.ts';
import { simulate } from '../server/ai/simulate/generate.ts';
import { defaultThresholds } from '../server/ai/thresholds.ts';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '5' },
    'first-seed': { type: 'string', default: '101' },
    scenarios: { type: 'string', default: 'S0,S1,S2,S3,S4,S5,S6,S7,S8,S9' },
    'no-timing': { type: 'boolean', default: false },
    'no-enrichment': { type: 'boolean', default: false },
    'incremental-only': { type: 'boolean', default: false },
    'sweep-only': { type: 'boolean', default: false },
  },
});
const seeds = Number(values.seeds);
const first = Number(values['first-seed']);
const pad = (s: string | number, n: number): string => String(s).padEnd(n);
const f2 = (x: number): string => x.toFixed(2);

const overall = emptyEvaluation();
const rows: string[] = [];
const perScenario: { name: string; e: Evaluation; ms: number; votes: number }[] = [];
for (const name of values.scenarios === 'none' ? [] : values.scenarios!.split(',')) {
  const e = emptyEvaluation();
  let ms = 0;
  let votes = 0;
  for (let s = first; s < first + seeds; s++) {
    const sim = simulate(name, s);
    const histories = historiesOf(sim, { enrichment: !values['no-enrichment'] });
    const t0 = performance.now();
    const reports = histories.map((h) => analyzeProposal(h, defaultThresholds, { now: h.proposal.end }));
    ms += performance.now() - t0;
    votes += histories.reduce((a, h) => a + h.votes.length, 0);
    evaluate(sim, reports, e);
    evaluate(sim, reports, overall);
  }
  perScenario.push({ name, e, ms, votes });
  for (const [kind, c] of [...e.perDetector].sort()) {
    const m = prf(c);
    const oc = c.ocTp + c.ocFn ? `${c.ocTp}/${c.ocTp + c.ocFn}` : '-';
    const ranked = e.ranked.get(kind);
    const ap = ranked ? averagePrecision(ranked) : Number.NaN;
    rows.push(`${pad(name, 5)}${pad(kind, 33)}${pad(c.tp, 7)}${pad(c.fp, 7)}${pad(c.fn, 7)}${pad(f2(m.precision), 7)}${pad(f2(m.recall), 7)}${pad(f2(m.f1), 7)}${pad(oc, 8)}${Number.isNaN(ap) ? '-' : f2(ap)}`);
  }
}
console.log(`Detector quality over seeds ${first}..${first + seeds - 1}${values['no-enrichment'] ? ' (no enrichment)' : ''} (alert = severity ≥ medium; farming flags at any severity)`);
console.log('(voter-level: sybil-cluster, vote-flip, farming, reason-coordination; proposal-level: the others. oc = outcome-changing attacks of that type surfaced)');
console.log('(PR-AUC: average precision per proposal, ranking proposals by the highest flag score of that detector)');
console.log(`${pad('scen', 5)}${pad('detector', 33)}${pad('TP', 7)}${pad('FP', 7)}${pad('FN', 7)}${pad('P', 7)}${pad('R', 7)}${pad('F1', 7)}${pad('oc', 8)}PR-AUC`);
for (const r of rows) console.log(r);
console.log('\nPer scenario: outcome-changing attacks surfaced before close (alert touching attack voters), high-severity false alarms on honest proposals');
for (const s of perScenario) {
  const oc = s.e.outcomeChanging ? `${s.e.outcomeChangingFlagged}/${s.e.outcomeChanging} (${((100 * s.e.outcomeChangingFlagged) / s.e.outcomeChanging).toFixed(1)}%)` : '-';
  const fa = s.e.honestProposals ? `${s.e.honestHighAlerts}/${s.e.honestProposals} (${((100 * s.e.honestHighAlerts) / s.e.honestProposals).toFixed(2)} per 100)` : '-';
  console.log(`${pad(s.name, 5)}outcome-changing flagged ${pad(oc, 22)} honest high alerts ${pad(fa, 24)} analysis ${(s.ms / 1000).toFixed(2)} s for ${s.votes} votes`);
}
const o = overall;
console.log(
  `\nOverall: outcome-changing attacks flagged ${o.outcomeChangingFlagged}/${o.outcomeChanging} = ${((100 * o.outcomeChangingFlagged) / Math.max(1, o.outcomeChanging)).toFixed(1)}% (target ≥ 90%); ` +
    `high-severity false alarms ${o.honestHighAlerts} on ${o.honestProposals} honest proposals = ${((100 * o.honestHighAlerts) / Math.max(1, o.honestProposals)).toFixed(2)} per 100 (target ≤ 1)`,
);

if (!values['no-timing'] && !values['sweep-only']) {
  console.log('\nTimings (single proposal, all detectors, batch analyzeProposal; first run includes JIT warm-up):');
  for (const n of values['incremental-only'] ? [] : [100_000, 1_000_000]) {
    const h = largeHistory(n, 7);
    const runs: number[] = [];
    let flags = 0;
    for (let k = 0; k < (n === 100_000 ? 3 : 1); k++) {
      const t0 = performance.now();
      flags = analyzeProposal(h, defaultThresholds, { now: h.proposal.end }).flags.length;
      runs.push(performance.now() - t0);
    }
    const shown = runs.map((x) => `${(x / 1000).toFixed(2)} s`).join(', ');
    console.log(`  ${pad(n.toLocaleString('en'), 10)} votes: ${shown} (target ${n === 100_000 ? '≤ 2' : '≤ 20'} s), ${flags} flags`);
  }
  const h = largeHistory(100_000, 9);
  const sorted = [...h.votes].sort((a, b) => a.mci - b.mci);
  const tail = 300;
  const t0 = performance.now();
  const inc = IncrementalAnalyzer.build(h.proposal, defaultThresholds, h.context, sorted.slice(0, sorted.length - tail));
  inc.report(h.proposal.end);
  const buildMs = performance.now() - t0;
  const adds: number[] = [];
  const totals: number[] = [];
  for (const v of sorted.slice(sorted.length - tail)) {
    const t0 = performance.now();
    inc.add(v);
    const t1 = performance.now();
    inc.report(h.proposal.end);
    adds.push(t1 - t0);
    totals.push(performance.now() - t0);
  }
  const q = (xs: number[], f: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(f * xs.length))];
  console.log(
    `  incremental at 100,000 votes (last ${tail} votes, each followed by a full report; first ${sorted.length - tail} built at once with a report in ${(buildMs / 1000).toFixed(2)} s): ` +
      `add median ${q(adds, 0.5).toFixed(3)} ms; add + report median ${q(totals, 0.5).toFixed(2)} ms, p99 ${q(totals, 0.99).toFixed(2)} ms (target ≤ 5 ms)`,
  );
}

if (!values['no-timing']) {
  // What one live sweep of a 100k-vote proposal costs on the event loop (server/risk/compute-live-risk.ts, without
  // the database): k new votes since the last sweep (30 s of debounce at 1, 10, 100, 1,000 votes/s) added to the
  // analyzer, its context replaced (a new voter changes it) and a report; against building the analyzer at once
  // over every vote (restart, first sight, or the sweep's choice when it is cheaper) and the batch analyzeProposal.
  const n = 100_000;
  const h = largeHistory(n, 9);
  const sorted = [...h.votes].sort((a, b) => a.mci - b.mci);
  const ms = (f: () => unknown): number => {
    const t0 = performance.now();
    f();
    return performance.now() - t0;
  };
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const batch = median([0, 1, 2].map(() => ms(() => analyzeProposal(h, defaultThresholds, { now: h.proposal.end }))));
  const build = median([0, 1, 2].map(() => ms(() => IncrementalAnalyzer.build(h.proposal, defaultThresholds, h.context, sorted).report(h.proposal.end))));
  console.log(`\nLive sweep of one proposal at ${n.toLocaleString('en')} votes (event-loop time per sweep, medians of 3; no database):`);
  console.log(`  batch analyzeProposal ${batch.toFixed(0)} ms; analyzer built at once + report ${build.toFixed(0)} ms`);
  for (const k of [30, 300, 3000, 30_000]) {
    const runs: number[] = [];
    let perAdd = 0;
    for (let r = 0; r < (k >= 30_000 ? 1 : 3); r++) {
      const inc = IncrementalAnalyzer.build(h.proposal, defaultThresholds, h.context, sorted.slice(0, n - k));
      inc.report(h.proposal.end);
      const tail = sorted.slice(n - k);
      const adds = ms(() => {
        for (const v of tail) inc.add(v);
      });
      perAdd = adds / k;
      runs.push(adds + ms(() => {
        inc.context = { ...h.context };
        inc.report(h.proposal.end);
      }));
    }
    const incremental = median(runs);
    const chosen = Math.min(incremental, build);
    console.log(
      `  ${pad(k.toLocaleString('en'), 7)} new votes: incremental ${pad(`${incremental.toFixed(0)} ms`, 9)} (add ${perAdd.toFixed(3)} ms/vote), ` +
        `cheaper path ${pad(`${chosen.toFixed(0)} ms`, 8)} (${incremental <= build ? 'add' : 'build'}); batch ${batch.toFixed(0)} ms`,
    );
  }
  // The longest the event loop is held while a sweep builds the 100k-vote analyzer and then adds 300 votes to it,
  // with the analyzers on the loop's thread and in a worker (as the service runs them).
  const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
  for (const [name, host] of [['on the event loop', new LocalAnalyzerHost()], ['in a worker thread', new WorkerAnalyzerHost()]] as [string, AnalyzerHost][]) {
    const delay = monitorEventLoopDelay({ resolution: 5 });
    const others = { others: [], otherVotes: new Map() };
    await host.build({ proposal: h.proposal, thresholds: defaultThresholds, ...others, votes: sorted.slice(0, 1000), now: h.proposal.end });
    delay.enable();
    await settle();
    const t0 = performance.now();
    await host.build({ proposal: h.proposal, thresholds: defaultThresholds, ...others, votes: sorted.slice(0, n - 300), now: h.proposal.end });
    const built = performance.now() - t0;
    await settle();
    const buildStall = delay.max;
    delay.reset();
    // the first turn after a reset records nothing
    await settle();
    const t1 = performance.now();
    await host.update({ proposal: h.proposal.id, added: sorted.slice(n - 300), rebuild: false, now: h.proposal.end });
    const updated = performance.now() - t1;
    await settle();
    delay.disable();
    await host.close();
    console.log(
      `  analyzers ${pad(name, 19)}: build ${(built / 1000).toFixed(2)} s (longest event-loop stall ${(buildStall / 1e6).toFixed(0)} ms), ` +
        `then 300 votes + report ${updated.toFixed(0)} ms (stall ${(delay.max / 1e6).toFixed(0)} ms)`,
    );
  }
}
