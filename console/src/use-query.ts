/** Loads GraphQL data for a view, with a `reload` for live events and reconnects. */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { gql, onConnected } from './api.ts';

export type QueryState<T> = { data: T | undefined; error: string | undefined; reload: () => void };

/** Runs `query` now and whenever `variables` change or the subscription socket reconnects. */
export function useQuery<T>(query: string, variables: Record<string, unknown>): QueryState<T> {
  const key = JSON.stringify(variables);
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  useEffect(() => {
    let live = true;
    gql<T>(query, JSON.parse(key))
      .then((value) => {
        if (!live) return;
        setData(value);
        setError(undefined);
      })
      .catch((reason: unknown) => live && setError(reason instanceof Error ? reason.message : String(reason)));
    return () => {
      live = false;
    };
  }, [query, key, tick]);
  // Events missed while the socket was down are re-read.
  useEffect(() => onConnected(reload), [reload]);
  return { data, error, reload };
}
