/** Reason texts for the simulator: honest free text, boilerplate, campaigns, and sybil templates/paraphrases. */
import type { Rng } from './rng.ts';

export const BOILERPLATE = ['For', 'LGTM', 'Agree', 'Support', 'Against', '+1', 'Yes', 'No', 'I support this proposal', 'Looks good to me'];

const TOPICS = ['treasury', 'grants', 'security', 'liquidity', 'incentives', 'the roadmap', 'the audit', 'emissions', 'the budget', 'governance', 'the bridge', 'fees', 'the oracle', 'contributors', 'the runway'];
const VERBS = ['helps', 'hurts', 'improves', 'weakens', 'clarifies', 'complicates', 'funds', 'delays', 'protects', 'dilutes'];
const OPENERS = ['I think', 'In my view', 'Honestly', 'After reading the forum thread', 'As a long term holder', 'Personally', 'Overall', 'On balance', 'From what I can tell', 'My take:'];
const CLOSERS = ['so I vote this way.', 'which matters more than the cost.', 'but the team should report back.', 'and the numbers look reasonable.', 'though I have doubts about timing.', 'and I trust the authors.', 'yet the ask is large.', 'and we need more data.', 'so lets move forward.', 'which the forum discussed at length.'];

/** An honest free-text reason (combinatorial, so copies are rare). */
export function honestReason(rng: Rng): string {
  const a = rng.pick(TOPICS);
  let b = rng.pick(TOPICS);
  if (b === a) b = rng.pick(TOPICS);
  return `${rng.pick(OPENERS)} this ${rng.pick(VERBS)} ${a} and ${rng.pick(VERBS)} ${b}, ${rng.pick(CLOSERS)} (${rng.int(1000)})`;
}

/** A public campaign statement shared by an honest bloc or many supporters. */
export function campaignText(rng: Rng, name: string): string {
  return `${name} delegates back this after our public call: it ${rng.pick(VERBS)} ${rng.pick(TOPICS)}. Full rationale on the forum.`;
}

const NAMES = ['alex', 'sam', 'kim', 'lee', 'jo', 'max', 'ria', 'tom', 'eva', 'noa', 'ivy', 'ben', 'zoe', 'leo', 'mia', 'kai'];
const ADJ = ['longtime', 'loyal', 'early', 'committed', 'proud', 'active'];

/** Sybil reason in one of three styles; the same `plan` gives the same campaign. */
export function sybilReason(rng: Rng, style: 'exact' | 'templated' | 'paraphrased', plan: number, choiceName: string): string {
  const point = ['the treasury is being drained by insiders', 'this spending has no accountability', 'the team ignored community feedback', 'the proposal hides a large transfer'][plan % 4];
  if (style === 'exact') return `Voting ${choiceName} because ${point}. Protect the DAO!`;
  if (style === 'templated') {
    return `Hi, I am ${rng.pick(NAMES)}, a ${rng.pick(ADJ)} member holding ${10 + rng.int(990)} tokens. I vote ${choiceName} because ${point}. Protect the DAO!`;
  }
  // paraphrased: synonym substitution over one message
  const w = (xs: string[]): string => rng.pick(xs);
  return `${w(['I', 'We', 'Personally I'])} ${w(['vote', 'am voting', 'cast my vote'])} ${choiceName} ${w(['because', 'since', 'as'])} ${w(['the treasury', 'our treasury', 'the DAO treasury'])} ${w(['is being drained', 'is getting drained', 'is being emptied'])} ${w(['by insiders', 'by the insiders', 'by a few insiders'])}; ${w(['protect', 'defend', 'save'])} ${w(['the DAO', 'our DAO', 'this DAO'])}.`;
}
