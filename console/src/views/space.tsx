/** `#/space/<id>`: a space and its proposals, updated live as proposals are created or change. */
import { useEffect } from 'preact/hooks';
import { subscribe } from '../api.ts';
import { when } from '../format.ts';
import { useQuery } from '../use-query.ts';
import { Status } from './status.tsx';

type Proposal = { id: string; title: string; state: string | null; start: number; end: number; votes: number | null; type: string | null };
type Data = {
  space: { id: string; name: string | null; about: string | null; network: string | null; plugins: { safe?: unknown } | null; votesCount: number | null } | null;
  proposals: Proposal[];
};

const QUERY = `query Space($id: String!) {
  space(id: $id) { id name about network plugins votesCount }
  proposals(first: 100, where: { space: $id }, orderBy: "created", orderDirection: desc) { id title state start end votes type }
}`;

/** A space's page. */
export function SpaceView({ id }: { id: string }) {
  const { data, error, reload } = useQuery<Data>(QUERY, { id });
  useEffect(() => subscribe(`subscription ($space: String!) { proposals(space: $space) { id } }`, { space: id }, reload), [id, reload]);
  if (data && !data.space) return <p role="alert">No space {id}.</p>;
  return (
    <section aria-labelledby="space-title">
      <p>
        <a href="#/">← All spaces</a>
      </p>
      <h1 id="space-title">{data?.space?.name || id}</h1>
      <Status error={error} loading={!data} />
      {data?.space && (
        <p class="muted">
          {data.space.id} · network {data.space.network ?? '—'} · {data.space.votesCount ?? 0} votes
        </p>
      )}
      {data?.space?.about && <p>{data.space.about}</p>}
      <h2>Proposals</h2>
      {data && data.proposals.length === 0 && <p>No proposals yet.</p>}
      <ul class="cards">
        {data?.proposals.map((proposal) => (
          <li key={proposal.id} class="card">
            <h3>
              <a href={`#/proposal/${encodeURIComponent(proposal.id)}`}>{proposal.title}</a>
            </h3>
            <p class="muted">
              <span class={`badge state-${proposal.state}`}>{proposal.state}</span> {proposal.type} · {proposal.votes ?? 0} votes · ends {when(proposal.end)}
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}
