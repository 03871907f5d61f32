/** `#/`: every space, newest first. */
import { useQuery } from '../use-query.ts';
import { Status } from './status.tsx';

type Data = { spaces: { id: string; name: string | null; about: string | null; network: string | null; proposalsCount: number | null; votesCount: number | null }[] };

const QUERY = `query Spaces { spaces(first: 100, orderBy: "created", orderDirection: desc) { id name about network proposalsCount votesCount } }`;

/** The list of spaces. */
export function SpacesView() {
  const { data, error } = useQuery<Data>(QUERY, {});
  return (
    <section aria-labelledby="spaces-title">
      <h1 id="spaces-title">Spaces</h1>
      <Status error={error} loading={!data} />
      {data && data.spaces.length === 0 && <p>No spaces yet.</p>}
      <ul class="cards">
        {data?.spaces.map((space) => (
          <li key={space.id} class="card">
            <h2>
              <a href={`#/space/${encodeURIComponent(space.id)}`}>{space.name || space.id}</a>
            </h2>
            <p class="muted">
              {space.id} · network {space.network ?? '—'} · {space.proposalsCount ?? 0} proposals · {space.votesCount ?? 0} votes
            </p>
            {space.about && <p>{space.about}</p>}
          </li>
        ))}
      </ul>
    </section>
  );
}
