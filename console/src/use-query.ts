/** Loads GraphQL data for a view, with a `reload` for live events and reconnects. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { gql, onConnected } from './api.ts';

const RELOAD_INTERVAL_MS = 1000;

export type QueryState<T> = { data: T | undefined; error: string | undefined; reload: () => void };

/** Runs `query` now and whenever `variables` change or the subscription socket reconnects. */
export function useQuery<T>(query: string, variables: Record<string, unknown>): QueryState<T> {
  const key = JSON.stringify(variables);
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [tick, setTick] = useState(0);
  // A burst of events (hundreds of votes a second) costs at most one re-read per second.
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const last = useRef(0);
  const reload = useCallback(() => {
    if (pending.current !== undefined) return;
    const wait = Math.max(0, last.current + RELOAD_INTERVAL_MS - Date.now());
    pending.current = setTimeout(() => {
      pending.current = undefined;
      last.current = Date.now();
      setTick((n) => n + 1);
    }, wait);
  }, []);
  useEffect(() => () => clearTimeout(pending.current), []);
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
