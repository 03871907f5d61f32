/** JSON-lines encoding of simulations (spec: docs/simulation-format.md). */
import { buildHistories } from '../context.ts';
import type { FunderTag, ProposalHistory, VoteVersion } from '../types.ts';
import type { SimProposal, Simulation } from './generate.ts';

/** Encodes a simulation as JSON lines (header, funder, address, proposal, vote). */
export function* toJsonLines(sim: Simulation): Generator<string> {
  yield JSON.stringify({ type: 'header', ...sim.header });
  for (const [address, tag] of Object.entries(sim.funderTags)) yield JSON.stringify({ type: 'funder', address, tag });
  for (const [address, a] of Object.entries(sim.addresses)) yield JSON.stringify({ type: 'address', address, ...a });
  for (const sp of sim.proposals) {
    yield JSON.stringify({ type: 'proposal', proposal: sp.proposal, context: sp.context, truth: sp.truth });
    for (const vote of sp.votes) yield JSON.stringify({ type: 'vote', proposal: sp.proposal.id, vote });
  }
}

export class SimulationFormatError extends Error {
  constructor(line: number, why: string) {
    super(`line ${line}: ${why}`);
    this.name = 'SimulationFormatError';
  }
}

/** Parses JSON lines back into a simulation (unknown record types are skipped). */
export function fromJsonLines(lines: Iterable<string>): Simulation {
  let header: Simulation['header'] | undefined;
  const funderTags: Record<string, FunderTag> = {};
  const addresses: Simulation['addresses'] = {};
  const proposals: SimProposal[] = [];
  const byId = new Map<string, SimProposal>();
  let n = 0;
  for (const raw of lines) {
    n++;
    const line = raw.trim();
    if (!line) continue;
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new SimulationFormatError(n, 'not JSON');
    }
    switch (rec.type) {
      case 'header': {
        const { type: _t, ...rest } = rec;
        header = rest as unknown as Simulation['header'];
        break;
      }
      case 'funder':
        funderTags[rec.address as string] = rec.tag as FunderTag;
        break;
      case 'address': {
        const { type: _t, address, ...rest } = rec;
        addresses[address as string] = rest as Simulation['addresses'][string];
        break;
      }
      case 'proposal': {
        const sp = { proposal: rec.proposal, context: rec.context ?? {}, truth: rec.truth ?? { attacked: false, outcomeChanged: false, attacks: [] }, votes: [] } as unknown as SimProposal;
        if (!sp.proposal || typeof sp.proposal.id !== 'string') throw new SimulationFormatError(n, 'proposal without id');
        proposals.push(sp);
        byId.set(sp.proposal.id, sp);
        break;
      }
      case 'vote': {
        const sp = byId.get(rec.proposal as string);
        if (!sp) throw new SimulationFormatError(n, `vote for unknown proposal ${String(rec.proposal)}`);
        sp.votes.push(rec.vote as VoteVersion);
        break;
      }
      default:
        break;
    }
  }
  if (!header) throw new SimulationFormatError(n, 'missing header');
  return { header, funderTags, addresses, proposals };
}

export type HistoryOptions = {
  /** Include the address enrichment (funders, wallet age); default true. */
  enrichment?: boolean;
};

/** Turns a simulation into analyzable histories (with derived cross-proposal context). */
export function historiesOf(sim: Simulation, options: HistoryOptions = {}): ProposalHistory[] {
  const enrich = options.enrichment ?? true;
  const funders: Record<string, string> = {};
  const walletCreated: Record<string, number> = {};
  for (const [a, x] of Object.entries(sim.addresses)) {
    if (x.funder) funders[a] = x.funder;
    if (x.walletCreated !== undefined) walletCreated[a] = x.walletCreated;
  }
  return buildHistories({
    items: sim.proposals.map((sp) => ({
      proposal: sp.proposal,
      votes: sp.votes,
      context: enrich ? sp.context : { marketDelegates: sp.context.marketDelegates },
    })),
    ...(enrich ? { funders, walletCreated, funderTags: sim.funderTags } : {}),
  });
}
