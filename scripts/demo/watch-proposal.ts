/** Follows a proposal while it is open: prints the live tally and each risk flag the overseer raises, by polling GraphQL. */
import { graphql } from '../devnet/client.ts';

export type WatchProposalParameters = {
  url: string;
  proposal: string;
  /** Ground truth of the simulated sybil ring, to say how much of a flag it covers. */
  ring: ReadonlySet<string>;
  print: (line: string) => void;
  intervalMs?: number;
};

export type Flag = { kind: string; severity: string; explanation: string; evidence: { voters: string[] } };

export type ProposalState = {
  votes: number;
  choices: string[];
  scores: number[];
  scores_total: number;
  state: string;
  risk: { level: string; votesAnalyzed: number; flags: Flag[] } | null;
};

export type WatchProposalReturnType = {
  /** Stops polling after one last read; resolves with the last state. */
  stop(): Promise<ProposalState | undefined>;
};

const QUERY = `query ($id: String!) { proposal(id: $id) { votes choices scores scores_total state
  risk { level votesAnalyzed flags { kind severity explanation evidence { voters } } } } }`;

/** Reads the proposal now and then until stopped. */
export function watchProposal({ url, proposal, ring, print, intervalMs = 2000 }: WatchProposalParameters): WatchProposalReturnType {
  const seen = new Set<string>();
  const started = Date.now();
  let last: ProposalState | undefined;
  let stopped = false;

  async function poll(): Promise<void> {
    const { data, errors } = await graphql(url, QUERY, { id: proposal });
    if (errors) throw new Error(`GraphQL: ${JSON.stringify(errors)}`);
    const state = data.proposal as ProposalState;
    if (!state) return;
    if (state.votes > 0 && (!last || state.votes !== last.votes || state.risk?.level !== last.risk?.level)) {
      const total = state.scores_total || 0;
      const shares = state.choices.map((choice, i) => `${choice} ${total ? ((100 * (state.scores[i] ?? 0)) / total).toFixed(1) : '0.0'}%`).join('  ');
      const seconds = String(Math.round((Date.now() - started) / 1000)).padStart(3);
      print(`  ${seconds}s  ${String(state.votes).padStart(3)} voters  ${shares}  (${Math.round(total).toLocaleString('en-US')} TT)  risk: ${state.risk?.level ?? '…'}`);
    }
    for (const flag of state.risk?.flags ?? []) {
      // Printed once per group (its first voter stays while later votes join it).
      const key = `${flag.kind}:${flag.evidence.voters[0]}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const inRing = flag.evidence.voters.filter((voter) => ring.has(voter)).length;
      print(`        ⚑ ${flag.kind} (${flag.severity}): ${flag.explanation}`);
      print(`          ${inRing} of its ${flag.evidence.voters.length} wallets belong to the simulated sybil ring`);
    }
    last = state;
  }

  const loop = (async () => {
    while (!stopped) {
      try {
        await poll();
      } catch (error) {
        print(`        (live view: ${String(error)})`);
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();

  return {
    async stop() {
      stopped = true;
      await loop;
      await poll();
      return last;
    },
  };
}
