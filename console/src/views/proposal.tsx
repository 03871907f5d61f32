/** `#/proposal/<id>`: live results chart, latest votes, the risk report and the signed decision. */
import { useEffect, useState } from 'preact/hooks';
import { subscribe } from '../api.ts';
import { amount, short, when } from '../format.ts';
import { useQuery } from '../use-query.ts';
import { Decision, OUTCOME_FIELDS, type Outcome } from './decision.tsx';
import { ResultsChart } from './results-chart.tsx';
import { RISK_FIELDS, RiskReport, type Risk } from './risk-report.tsx';
import { Status } from './status.tsx';

type Tally = { scores: number[] | null; scores_total: number | null; votes: number | null; state: string | null };
type Vote = { id: string; voter: string; choice: unknown; vp: number | null; created: number; reason: string | null };
type Data = {
  proposal:
    | (Tally & {
        id: string;
        title: string;
        body: string | null;
        author: string;
        type: string | null;
        choices: string[];
        start: number;
        end: number;
        symbol: string;
        plugins: { safe?: { safe?: string } } | null;
        space: { id: string; name: string | null } | null;
        outcome: Outcome | null;
        risk: Risk | null;
      })
    | null;
  votes: Vote[];
  safeTransactions: { safeTxHash: string; safe: string; status: string }[] | null;
};

const QUERY = `query Proposal($id: String!) {
  proposal(id: $id) {
    id title body author type choices start end symbol plugins scores scores_total votes state
    space { id name }
    outcome { ${OUTCOME_FIELDS} }
    risk { ${RISK_FIELDS} }
  }
  votes(first: 10, where: { proposal: $id }, orderBy: "created", orderDirection: desc) { id voter choice vp created reason }
  safeTransactions(first: 10, where: { proposal: $id }) { safeTxHash safe status }
}`;

/** A proposal's page. */
export function ProposalView({ id }: { id: string }) {
  const { data, error, reload } = useQuery<Data>(QUERY, { id });
  const [tally, setTally] = useState<Tally | undefined>(undefined);
  const [risk, setRisk] = useState<Risk | null | undefined>(undefined);
  // Tallies arrive on the socket; the fresh read after a (re)load supersedes them.
  useEffect(() => {
    setTally(undefined);
    setRisk(undefined);
  }, [data]);
  useEffect(() => subscribe<{ proposalUpdated: Tally }>(`subscription ($id: String!) { proposalUpdated(id: $id) { scores scores_total votes state } }`, { id }, (event) => setTally(event.proposalUpdated)), [id]);
  useEffect(() => subscribe<{ riskReport: Risk }>(`subscription ($id: String!) { riskReport(proposal: $id) { ${RISK_FIELDS} } }`, { id }, (event) => setRisk(event.riskReport)), [id]);
  // New ballots and a decision change what is listed: re-read.
  useEffect(() => subscribe(`subscription ($id: String!) { votes(proposal: $id) { id } }`, { id }, reload), [id, reload]);
  const proposal = data?.proposal;
  const state = tally?.state ?? proposal?.state;
  useEffect(() => {
    if (state === 'closed' && proposal && !proposal.outcome) reload();
  }, [state]);
  if (data && !proposal) return <p role="alert">No proposal {id}.</p>;
  const current = { ...proposal, ...tally } as Tally;
  const safeAddress = proposal?.plugins?.safe?.safe;
  return (
    <article aria-labelledby="proposal-title">
      {proposal?.space && (
        <p>
          <a href={`#/space/${encodeURIComponent(proposal.space.id)}`}>← {proposal.space.name || proposal.space.id}</a>
        </p>
      )}
      <h1 id="proposal-title">{proposal?.title ?? 'Proposal'}</h1>
      <Status error={error} loading={!data} />
      {proposal && (
        <>
          <p class="muted">
            <span class={`badge state-${state}`}>{state}</span> {proposal.type} · by <span class="mono">{short(proposal.author)}</span> · {when(proposal.start)} → {when(proposal.end)}
          </p>
          <section aria-labelledby="results-title">
            <h2 id="results-title">
              Results <span class="muted live" aria-live="polite">({current.votes ?? 0} votes, {amount(current.scores_total)} {proposal.symbol})</span>
            </h2>
            <ResultsChart choices={proposal.choices} scores={current.scores ?? []} total={current.scores_total ?? 0} symbol={proposal.symbol} winner={proposal.outcome?.winningChoice} />
          </section>
          <section aria-labelledby="votes-title">
            <h2 id="votes-title">Latest votes</h2>
            {data.votes.length === 0 ? (
              <p>No votes yet.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Voter</th>
                    <th scope="col">Choice</th>
                    <th scope="col">Power</th>
                    <th scope="col">When</th>
                  </tr>
                </thead>
                <tbody>
                  {data.votes.map((vote) => (
                    <tr key={vote.id}>
                      <td class="mono" title={vote.voter}>{short(vote.voter)}</td>
                      <td>{choiceLabel(vote.choice, proposal.choices)}</td>
                      <td>{amount(vote.vp)}</td>
                      <td>{when(vote.created)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <section aria-labelledby="risk-title">
            <h2 id="risk-title">Risk report</h2>
            <RiskReport risk={risk === undefined ? proposal.risk : risk} />
          </section>
          <section aria-labelledby="decision-title">
            <h2 id="decision-title">Decision</h2>
            <Decision outcome={proposal.outcome} choices={proposal.choices} />
          </section>
          {safeAddress && (
            <section aria-labelledby="safe-title">
              <h2 id="safe-title">Safe</h2>
              <p>
                If it passes, Safe <a href={`#/safe/${safeAddress}`} class="mono">{safeAddress}</a> carries it out.
              </p>
              {data.safeTransactions?.map((tx) => (
                <p key={tx.safeTxHash}>
                  Transaction <a href={`#/safe/${tx.safe}`} class="mono">{short(tx.safeTxHash)}</a>: <span class="badge">{tx.status}</span>
                </p>
              ))}
            </section>
          )}
          {proposal.body && (
            <section aria-labelledby="body-title">
              <h2 id="body-title">Description</h2>
              <p class="body">{proposal.body}</p>
            </section>
          )}
        </>
      )}
    </article>
  );
}

/** A ballot in words: one choice, several (approval, ranked) or weights. */
function choiceLabel(choice: unknown, choices: string[]): string {
  const name = (n: number) => choices[n - 1] ?? String(n);
  if (typeof choice === 'number') return name(choice);
  if (Array.isArray(choice)) return choice.map((n) => name(Number(n))).join(', ');
  if (choice && typeof choice === 'object') return Object.entries(choice as Record<string, number>).map(([n, w]) => `${name(Number(n))}: ${w}`).join(', ');
  return String(choice);
}
