/** Seeded agent-based generator: honest populations, attack injectors and ground-truth labels. */
import { tally, outcomeOf } from '../tally.ts';
import type { DelegationEvent, FunderTag, PowerAround, ProposalInput, VoteChoice, VoteVersion } from '../types.ts';
import { createRng } from './rng.ts';
import type { Rng } from './rng.ts';
import { scenarios } from './scenarios.ts';
import type { AttackSpec, AttackType, Scenario, Variant } from './scenarios.ts';
import { BOILERPLATE, campaignText, honestReason, sybilReason } from './text-bank.ts';

export const SIM_T0 = 1_700_000_000;
const HOUR = 3600;
const DAY = 86400;

export type AttackTruth = {
  id: string;
  type: AttackType;
  variant: Variant;
  voters: string[];
  votes: string[];
  /** Result with the attack differs from the result after deleting its votes, delegations and rented power. */
  outcomeChanged: boolean;
  detail: Record<string, number | string>;
};

export type SimProposal = {
  proposal: ProposalInput;
  votes: VoteVersion[];
  context: { power?: Record<string, PowerAround>; delegations?: DelegationEvent[]; marketDelegates?: string[] };
  truth: { attacked: boolean; outcomeChanged: boolean; attacks: AttackTruth[] };
};

export type SimAddress = { funder?: string; walletCreated?: number };

export type Simulation = {
  header: { format: 'conclave-sim'; version: 1; scenario: string; seed: number; description: string; params: Record<string, unknown> };
  funderTags: Record<string, FunderTag>;
  addresses: Record<string, SimAddress>;
  proposals: SimProposal[];
};

type Holder = {
  address: string;
  vp: number;
  activity: number;
  lateHabit: boolean;
  bloc: number;
  app: string;
  spaces: number[];
  market: boolean;
};

type Draft = { voter: string; choice: VoteChoice; vp: number; created: number; reason: string; app: string; id?: string };

const APPS = ['snapshot', 'boardroom', 'tally', 'agora'];
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Builds a whole simulated scenario for a seed. */
export function simulate(scenarioName: string, seed: number, overrides: Partial<Scenario> = {}): Simulation {
  const base = scenarios[scenarioName];
  if (!base) throw new Error(`unknown scenario ${scenarioName}`);
  const sc: Scenario = { ...base, ...overrides };
  const rng = createRng(seed * 7919 + scenarioName.length);
  const world = makeWorld(sc, rng.fork('world'));
  const proposals: SimProposal[] = [];
  const attackRng = rng.fork('attacks');
  let attackCount = 0;
  const farmWallets = makeFarmers(sc, world, rng.fork('farm'));
  const rounds = sc.proposalsPerSpace;
  for (let j = 0; j < rounds; j++) {
    const roundStart = SIM_T0 + j * (sc.overlapping ? 4 * DAY : sc.spaces * 3 * DAY);
    const round: SimProposal[] = [];
    for (let s = 0; s < sc.spaces; s++) {
      const prng = rng.fork(`p${j}:${s}`);
      const start = roundStart + (sc.overlapping ? s * HOUR : s * 3 * DAY);
      const sp = honestProposal(sc, world, prng, `space${s}.eth`, s, j, start);
      const attacked = sc.attacks.length > 0 && j >= 3 && attackRng.chance(sc.attackRate);
      if (attacked) {
        const spec = attackRng.pick(sc.attacks);
        injectAttack(sc, world, sp, spec, prng.fork('attack'), `a${++attackCount}`);
      }
      round.push(sp);
    }
    if (farmWallets.length) injectFarming(round, farmWallets, rng.fork(`farm${j}`), world);
    proposals.push(...round);
  }
  finalize(proposals);
  return {
    header: {
      format: 'conclave-sim',
      version: 1,
      scenario: sc.name,
      seed,
      description: sc.description,
      params: { holders: sc.holders, spaces: sc.spaces, proposalsPerSpace: sc.proposalsPerSpace, attackRate: sc.attackRate, votingType: sc.votingType },
    },
    funderTags: world.funderTags,
    addresses: world.addresses,
    proposals,
  };
}

type World = {
  holders: Holder[];
  bySpace: Holder[][];
  funderTags: Record<string, FunderTag>;
  addresses: Record<string, SimAddress>;
  cex: string[];
  expectedTurnout: number[];
  delegates: Holder[];
};

function makeWorld(sc: Scenario, rng: Rng): World {
  const cex = [rng.address(), rng.address(), rng.address()];
  const bridge = rng.address();
  const funderTags: Record<string, FunderTag> = {};
  for (const c of cex) funderTags[c] = 'cex';
  funderTags[bridge] = 'bridge';
  const addresses: Record<string, SimAddress> = {};
  const holders: Holder[] = [];
  let family = '';
  for (let i = 0; i < sc.holders; i++) {
    const tail = rng.chance(0.04);
    let vp = tail ? rng.pareto(2000, 1.3) : rng.lognormal(3, 2);
    vp = Math.round(vp * 1000) / 1000 + 0.001;
    const u = rng.next();
    const activity = u < 0.9 ? -1.2 : u < 0.99 ? 1 : 3;
    const address = rng.address();
    const f = rng.next();
    let funder: string;
    if (f < sc.cexShare) funder = rng.pick(cex);
    else if (f < sc.cexShare + 0.1) funder = bridge;
    else if (f < sc.cexShare + 0.15 && family) funder = family;
    else funder = family = rng.address();
    addresses[address] = { funder, walletCreated: Math.floor(SIM_T0 - rng.lognormal(Math.log(500), 0.8) * DAY) };
    const spaces = [rng.int(sc.spaces)];
    if (sc.spaces > 1 && rng.chance(0.3)) spaces.push(rng.int(sc.spaces));
    holders.push({ address, vp, activity, lateHabit: false, bloc: -1, app: rng.chance(0.8) ? 'snapshot' : rng.pick(APPS.slice(1)), spaces, market: false });
  }
  // institutional delegates
  const supply = holders.reduce((a, h) => a + h.vp, 0);
  const delegates: Holder[] = [];
  for (let d = 0; d < 5; d++) {
    const h = holders[rng.int(holders.length)];
    h.vp = Math.round(supply * rng.range(0.01, 0.03));
    h.activity = 3;
    delegates.push(h);
  }
  // honest habitual late whales: some of the top holders
  const sorted = [...holders].sort((a, b) => b.vp - a.vp);
  for (let k = 0; k < 4; k++) sorted[5 + k * 2].lateHabit = true;
  // honest blocs
  for (let b = 0; b < 3; b++) for (let m = 0; m < 12; m++) {
    const h = holders[rng.int(holders.length)];
    if (h.bloc < 0 && !h.lateHabit) {
      h.bloc = b;
      h.activity = Math.max(h.activity, 1.5);
    }
  }
  // vote-market delegates: regular voters with modest power
  for (let k = 0; k < 3; k++) {
    const h = holders[rng.int(holders.length)];
    h.market = true;
    h.activity = 8;
    h.vp = Math.max(h.vp, 50);
  }
  const bySpace: Holder[][] = Array.from({ length: sc.spaces }, () => []);
  for (const h of holders) for (const s of new Set(h.spaces)) bySpace[s].push(h);
  const expectedTurnout = bySpace.map((hs) => hs.reduce((a, h) => a + h.vp * voteProbability(h, 0), 0));
  return { holders, bySpace, funderTags, addresses, cex, expectedTurnout, delegates };
}

function voteProbability(h: Holder, salience: number): number {
  return sigmoid(-4.2 + 0.35 * Math.log1p(h.vp) + salience + h.activity);
}

function choiceFor(sc: Scenario, index: number, n: number): VoteChoice {
  if (sc.votingType === 'weighted') return { [String(index)]: 1 };
  if (sc.votingType === 'approval') return [index];
  return Math.min(index, n);
}

function honestProposal(sc: Scenario, world: World, rng: Rng, space: string, s: number, j: number, start: number): SimProposal {
  const duration = Math.round(rng.range(3, 7) * 24) * HOUR;
  const end = start + duration;
  const quorum = Math.round(world.expectedTurnout[s] * 0.4);
  const proposal: ProposalInput = {
    id: `${space}/${j}`,
    space,
    type: sc.votingType,
    choices: ['For', 'Against', 'Abstain'],
    start,
    end,
    snapshot: 18_000_000 + Math.floor((start - SIM_T0) / 12),
    snapshotTime: start,
    quorum,
    author: rng.pick(world.delegates).address,
    title: `Proposal ${j} of ${space}`,
    body: `This proposal adjusts ${rng.pick(['grants', 'emissions', 'fees', 'the budget'])} by ${rng.int(50) + 1}%. ` +
      'Motivation, specification and risks are described in the linked forum thread; the multisig executes after the vote.',
    created: start - HOUR,
  };
  const salience = rng.normal() * 0.5;
  const contentious = rng.chance(0.08);
  const pYes = contentious ? rng.range(0.42, 0.58) : rng.range(0.7, 0.9);
  const blocChoice = [rng.chance(pYes) ? 1 : 2, rng.chance(pYes) ? 1 : 2, rng.chance(pYes) ? 1 : 2];
  const blocTime = [0, 1, 2].map(() => start + rng.range(0, duration * 0.6));
  const blocText = [0, 1, 2].map((b) => campaignText(rng, `Bloc ${b}`));
  const campaign = campaignText(rng, 'Our delegate coalition');
  const drafts: Draft[] = [];
  const power: Record<string, PowerAround> = {};
  for (const h of world.bySpace[s]) {
    if (h.market) {
      if (!rng.chance(0.9)) continue;
    } else if (!rng.chance(voteProbability(h, salience))) continue;
    let choice = h.bloc >= 0 ? blocChoice[h.bloc] : rng.chance(pYes) ? 1 : rng.chance(0.9) ? 2 : 3;
    if (h.market) choice = 1;
    let created: number;
    if (h.lateHabit) created = end - rng.range(0, 0.04) * duration;
    else if (h.bloc >= 0) created = blocTime[h.bloc] + rng.range(0, 3 * HOUR);
    else {
      const u = rng.next();
      if (u < 0.7) created = start + Math.min(rng.exponential(5 * HOUR), DAY);
      else if (u < 0.9) created = start + rng.range(0, duration);
      else created = end - rng.exponential(4 * HOUR);
    }
    created = Math.floor(Math.min(end - 1, Math.max(start, created)));
    let reason = '';
    if (h.bloc >= 0 && rng.chance(0.6)) reason = blocText[h.bloc];
    else if (rng.chance(0.12)) {
      const r = rng.next();
      reason = r < 0.35 ? rng.pick(BOILERPLATE) : r < 0.45 ? campaign : honestReason(rng);
    }
    const vp = h.vp;
    const app = rng.chance(0.02) ? 'api-delegate-platform' : h.app;
    drafts.push({ voter: h.address, choice: choiceFor(sc, choice, 3), vp, created, reason, app });
    power[h.address] = rng.chance(0.05)
      ? { before: vp * rng.range(0, 0.3), at: vp, after: vp * rng.range(0.95, 1.05) }
      : { before: vp * rng.range(0.9, 1.1), at: vp, after: vp * rng.range(0.9, 1.1) };
    if (rng.chance(0.02)) {
      const late = rng.chance(0.15);
      const t2 = late ? end - rng.range(0, 0.1) * duration : created + rng.exponential(2 * HOUR);
      drafts.push({ voter: h.address, choice: choiceFor(sc, choice === 1 ? 2 : 1, 3), vp, created: Math.floor(Math.min(end - 1, Math.max(created + 1, t2))), reason: '', app });
    }
  }
  // steady background delegations to institutional delegates, and occasional honest delegation drives
  const delegations: DelegationEvent[] = [];
  for (const d of world.delegates) {
    for (let t = start - 35 * DAY; t < start; t += rng.exponential(2 * DAY)) {
      delegations.push({ delegator: rng.address(), delegatee: d.address, amount: Math.round(rng.lognormal(3, 1.5)), timestamp: Math.floor(t) });
    }
  }
  if (rng.chance(0.1)) {
    const d = rng.pick(world.delegates);
    for (let k = 0; k < 10; k++) delegations.push({ delegator: rng.address(), delegatee: d.address, amount: Math.round(rng.lognormal(3, 1)), timestamp: Math.floor(start - rng.range(0, 5 * DAY)) });
  }
  const sp: SimProposal = { proposal, votes: [], context: { power, delegations }, truth: { attacked: false, outcomeChanged: false, attacks: [] } };
  (sp as SimProposalDraft).drafts = drafts;
  return sp;
}

type SimProposalDraft = SimProposal & { drafts: Draft[]; removal?: { drafts: Set<Draft>; vp: Map<string, number> }[] };

function latestOf(drafts: Draft[]): Draft[] {
  const m = new Map<string, Draft>();
  for (const d of [...drafts].sort((a, b) => a.created - b.created)) m.set(d.voter, d);
  return [...m.values()];
}

function honestStanding(sp: SimProposalDraft): { winner: number; runnerUp: number; margin: number; total: number } {
  const r = tally(sp.proposal, latestOf(sp.drafts));
  const order = r.scores.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0]);
  const total = r.scores.reduce((a, b) => a + b, 0);
  return { winner: order[0][1] + 1, runnerUp: order[1][1] + 1, margin: order[0][0] - order[1][0], total };
}

function newWallet(world: World, rng: Rng, created: number, funder: string): string {
  const a = rng.address();
  world.addresses[a] = { funder, walletCreated: Math.floor(created) };
  return a;
}

function injectAttack(sc: Scenario, world: World, sp0: SimProposal, spec: AttackSpec, rng: Rng, id: string): void {
  const sp = sp0 as SimProposalDraft;
  const { start, end } = sp.proposal;
  const L = end - start;
  const st = honestStanding(sp);
  const attack: Draft[] = [];
  const vpRemoval = new Map<string, number>();
  const detail: Record<string, number | string> = {};
  const voters: string[] = [];
  const ch = (i: number): VoteChoice => choiceFor(sc, i, 3);
  if (spec.type === 'sybil') {
    const k = rng.pick(spec.sizes ?? [20]);
    const easy = spec.variant === 'easy';
    const x = Math.max(1, (st.margin * rng.range(0.6, 1.6)) / k);
    const spread = easy ? rng.pick([120, 1800]) : 6 * HOUR;
    const t0 = start + rng.range(0.05, 0.8) * L;
    const funders = [0, 1, 2].slice(0, 1 + rng.int(3)).map(() => rng.address());
    const plan = rng.int(4);
    let prev = '';
    const style = spec.text ?? 'none';
    for (let i = 0; i < k; i++) {
      const created = easy ? start - rng.range(1, 6) * DAY : start - rng.range(200, 800) * DAY;
      let funder: string;
      if (easy) funder = funders[i % funders.length];
      else funder = rng.chance(0.5) || !prev ? rng.pick(world.cex) : prev;
      const w = newWallet(world, rng, created, funder);
      prev = w;
      voters.push(w);
      const decoy = !easy && rng.chance(0.25);
      const choice = decoy ? st.winner : st.runnerUp;
      const t = easy ? t0 + (i * spread) / k + rng.range(0, 10) : t0 + rng.range(0, spread);
      const vp = x * (1 + (easy ? rng.range(-0.01, 0.01) : rng.range(-0.04, 0.04)));
      const withReason = style !== 'none' && rng.chance(easy ? 0.8 : 0.6);
      attack.push({
        voter: w,
        choice: ch(choice),
        vp,
        created: Math.floor(Math.min(end - 1, t)),
        reason: withReason ? sybilReason(rng, style as 'exact' | 'templated' | 'paraphrased', plan, choice === 1 ? 'For' : 'Against') : '',
        app: easy ? 'vote-bot' : rng.chance(0.7) ? 'snapshot' : rng.pick(APPS),
      });
    }
    detail.size = k;
    detail.text = style;
  } else if (spec.type === 'borrowed') {
    const share = rng.pick([0.1, 0.34, 0.51]);
    const vp = Math.max(1, st.total * share);
    const w = newWallet(world, rng, start - rng.range(0, 2) * DAY, rng.address());
    voters.push(w);
    attack.push({ voter: w, choice: ch(st.runnerUp), vp, created: Math.floor(start + rng.range(0.05, 0.95) * L), reason: '', app: 'snapshot' });
    sp.context.power![w] = { before: rng.range(0, 1), at: vp, after: rng.range(0, 1) };
    detail.share = share;
  } else if (spec.type === 'delegation-spike') {
    const m = rng.pick([10, 50]);
    const W = spec.variant === 'easy' ? DAY : 7 * DAY;
    const inflow = Math.max(1, sp.proposal.quorum * rng.range(0.6, 1.0));
    const delegatee = newWallet(world, rng, start - rng.range(30, 300) * DAY, rng.address());
    sp.proposal.author = delegatee;
    voters.push(delegatee);
    const weights = Array.from({ length: m }, () => (spec.variant === 'easy' ? 1 : rng.range(0.2, 2)));
    const wsum = weights.reduce((a, b) => a + b, 0);
    const snap = sp.proposal.snapshotTime ?? start;
    for (let i = 0; i < m; i++) {
      const funder = spec.variant === 'easy' ? world.cex[0] : rng.pick(world.cex);
      const d = newWallet(world, rng, snap - rng.range(1, 10) * DAY, funder);
      voters.push(d);
      sp.context.delegations!.push({ delegator: d, delegatee, amount: Math.round((inflow * weights[i]) / wsum), timestamp: Math.floor(snap - rng.range(0, W)) });
    }
    const own = rng.range(1, 50);
    attack.push({ voter: delegatee, choice: ch(st.runnerUp), vp: own + inflow, created: Math.floor(start + rng.range(0.1, 0.9) * L), reason: '', app: 'snapshot' });
    vpRemoval.set(delegatee, own + inflow);
    detail.delegators = m;
    detail.windowHours = W / HOUR;
  } else if (spec.type === 'vote-market') {
    const market = world.holders.filter((h) => h.market);
    const h = rng.pick(market);
    const factor = rng.range(10, 100);
    const existing = sp.drafts.filter((d) => d.voter === h.address);
    sp.drafts = sp.drafts.filter((d) => d.voter !== h.address);
    const created = existing[0]?.created ?? Math.floor(start + rng.range(0.1, 0.9) * L);
    const rented = h.vp * (factor - 1);
    attack.push({ voter: h.address, choice: ch(st.runnerUp), vp: h.vp * factor, created, reason: '', app: existing[0]?.app ?? 'snapshot' });
    vpRemoval.set(h.address, rented);
    voters.push(h.address);
    if (spec.variant === 'easy') sp.context.marketDelegates = market.map((m) => m.address);
    detail.factor = factor;
  } else if (spec.type === 'late-swing') {
    const lastFrac = rng.pick([0.01, 0.05]);
    const w = newWallet(world, rng, start - rng.range(10, 400) * DAY, rng.address());
    voters.push(w);
    const vp = Math.max(1, st.margin * rng.range(0.7, 2));
    if (spec.variant === 'evasive') attack.push({ voter: w, choice: ch(st.winner), vp, created: Math.floor(start + rng.range(0, 0.5) * L), reason: '', app: 'snapshot' });
    attack.push({ voter: w, choice: ch(st.runnerUp), vp, created: Math.floor(end - rng.range(0.05, 1) * lastFrac * L), reason: '', app: 'snapshot' });
    detail.lastFraction = lastFrac;
  } else if (spec.type === 'flip') {
    const c = 10 + rng.int(21);
    const total = Math.max(c, st.margin * rng.range(0.35, 1.0));
    const t1 = end - rng.range(0.005, 0.05) * L;
    for (let i = 0; i < c; i++) {
      const w = newWallet(world, rng, start - rng.range(100, 900) * DAY, rng.pick(world.cex));
      voters.push(w);
      const vp = (total / c) * rng.range(0.3, 1.7);
      const app = rng.chance(0.8) ? 'snapshot' : rng.pick(APPS);
      attack.push({ voter: w, choice: ch(st.winner), vp, created: Math.floor(start + rng.range(0, 0.3) * L), reason: '', app });
      attack.push({ voter: w, choice: ch(st.runnerUp), vp, created: Math.floor(Math.min(end - 1, t1 + rng.range(0, 1500))), reason: '', app });
    }
    detail.size = c;
  } else if (spec.type === 'low-participation') {
    const easy = spec.variant === 'easy';
    const keep = rng.range(0.1, 0.3);
    const newL = easy ? DAY : L;
    sp.proposal.end = start + newL;
    if (easy) sp.proposal.body = rng.pick(['', 'Transfer treasury funds.', 'See title.']);
    // honest voters of this proposal mostly oppose it, and few show up
    sp.drafts = sp.drafts
      .filter(() => rng.chance(keep))
      .map((d) => ({ ...d, created: Math.floor(start + ((d.created - start) * newL) / L), choice: ch(rng.chance(0.3) ? 1 : 2) }));
    const honestTotal = sp.drafts.reduce((a, d) => a + d.vp, 0);
    const need = Math.max(sp.proposal.quorum * rng.range(1.0, 1.3), honestTotal * 1.2);
    const wallets = easy ? 1 : 3;
    const author = newWallet(world, rng, start - rng.range(1, 30) * DAY, rng.address());
    sp.proposal.author = author;
    for (let i = 0; i < wallets; i++) {
      const w = i === 0 ? author : newWallet(world, rng, start - rng.range(1, 30) * DAY, author);
      voters.push(w);
      attack.push({ voter: w, choice: ch(1), vp: need / wallets, created: Math.floor(start + rng.range(0, 0.2) * newL), reason: '', app: 'snapshot' });
    }
    detail.turnoutFactor = keep;
  }
  const truthVotes = new Set(attack);
  sp.drafts.push(...attack);
  for (const a of attack) {
    const pw = sp.context.power!;
    if (!pw[a.voter]) pw[a.voter] = { before: a.vp * 0.98, at: a.vp, after: a.vp };
  }
  (sp.removal ??= []).push({ drafts: truthVotes, vp: vpRemoval });
  sp.truth.attacked = true;
  sp.truth.attacks.push({ id, type: spec.type, variant: spec.variant, voters, votes: [], outcomeChanged: false, detail });
}

function makeFarmers(sc: Scenario, world: World, rng: Rng): string[] {
  const out: string[] = [];
  const funder = rng.address();
  for (let i = 0; i < sc.farmers; i++) out.push(newWallet(world, rng, SIM_T0 - rng.range(1, 60) * DAY, rng.chance(0.5) ? funder : rng.pick(world.cex)));
  return out;
}

function injectFarming(round: SimProposal[], farmers: string[], rng: Rng, world: World): void {
  const open = round.map((sp) => sp as SimProposalDraft);
  const latestStart = Math.max(...open.map((sp) => sp.proposal.start));
  const firstEnd = Math.min(...open.map((sp) => sp.proposal.end));
  const perProposal = new Map<SimProposalDraft, Set<Draft>>();
  for (const f of farmers) {
    let t = latestStart + rng.range(0, Math.max(1, firstEnd - latestStart - 3600));
    const vp = rng.range(0.01, 0.3);
    for (const sp of rng.shuffle([...open])) {
      t += rng.range(2, 15);
      const d: Draft = { voter: f, choice: choiceFor({ votingType: sp.proposal.type } as Scenario, 1, 3), vp, created: Math.floor(Math.min(t, sp.proposal.end - 1)), reason: '', app: 'farm-client' };
      sp.drafts.push(d);
      sp.context.power![f] = { before: vp, at: vp, after: vp };
      let s = perProposal.get(sp);
      if (!s) perProposal.set(sp, (s = new Set()));
      s.add(d);
    }
  }
  void world;
  for (const [sp, drafts] of perProposal) {
    (sp.removal ??= []).push({ drafts, vp: new Map() });
    sp.truth.attacks.push({ id: `farm-${sp.proposal.id}`, type: 'farming', variant: 'easy', voters: [...new Set([...drafts].map((d) => d.voter))], votes: [], outcomeChanged: false, detail: { wallets: drafts.size } });
    sp.truth.attacked = true;
  }
}

/** Assigns global log order (mci) and ids, and computes the outcome labels. */
function finalize(proposals: SimProposal[]): void {
  const all: { sp: SimProposalDraft; d: Draft }[] = [];
  for (const sp0 of proposals) {
    const sp = sp0 as SimProposalDraft;
    for (const d of sp.drafts) all.push({ sp, d });
  }
  all.sort((a, b) => a.d.created - b.d.created);
  let mci = 0;
  for (const { sp, d } of all) {
    mci++;
    d.id = `0x${mci.toString(16).padStart(10, '0')}`;
    sp.votes.push({ id: d.id, mci, voter: d.voter, choice: d.choice, vp: round6(d.vp), created: d.created, reason: d.reason, app: d.app });
  }
  for (const sp0 of proposals) {
    const sp = sp0 as SimProposalDraft;
    const full = tally(sp.proposal, latestOf(sp.drafts));
    const removals = sp.removal ?? [];
    sp.truth.attacks.forEach((a, i) => {
      const r = removals[i];
      if (!r) return;
      a.votes = [...r.drafts].map((d) => d.id!).sort();
      const without = applyRemoval(sp, [r]);
      a.outcomeChanged = a.type !== 'farming' && outcomeOf(full) !== outcomeOf(without);
    });
    if (removals.length) sp.truth.outcomeChanged = outcomeOf(full) !== outcomeOf(applyRemoval(sp, removals.filter((_, i) => sp.truth.attacks[i]?.type !== 'farming')));
    delete (sp as Partial<SimProposalDraft>).drafts;
    delete (sp as Partial<SimProposalDraft>).removal;
  }
}

function applyRemoval(sp: SimProposalDraft, removals: { drafts: Set<Draft>; vp: Map<string, number> }[]): ReturnType<typeof tally> {
  const gone = new Set<Draft>();
  const minus = new Map<string, number>();
  for (const r of removals) {
    for (const d of r.drafts) gone.add(d);
    for (const [k, v] of r.vp) minus.set(k, (minus.get(k) ?? 0) + v);
  }
  const kept = latestOf(sp.drafts.filter((d) => !gone.has(d) || minus.has(d.voter))).map((d) => (minus.has(d.voter) ? { ...d, vp: Math.max(0, d.vp - minus.get(d.voter)!) } : d));
  return tally(sp.proposal, kept);
}

function round6(x: number): number {
  return Number(x.toPrecision(8));
}
