/** Hash routes (`#/`, `#/space/<id>`, `#/proposal/<id>`, `#/safe/<address>`), so the service serves one page at `/`. */
import { useEffect, useState } from 'preact/hooks';

export type Route = { view: 'spaces' } | { view: 'space'; id: string } | { view: 'proposal'; id: string } | { view: 'safe'; address: string } | { view: 'missing'; path: string };

/** Parses `location.hash`. */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  const [, kind, ...rest] = path.split('/');
  const arg = decodeURIComponent(rest.join('/'));
  if (!kind) return { view: 'spaces' };
  if (kind === 'space' && arg) return { view: 'space', id: arg };
  if (kind === 'proposal' && arg) return { view: 'proposal', id: arg };
  if (kind === 'safe' && arg) return { view: 'safe', address: arg };
  return { view: 'missing', path };
}

/** The current route, updated on hash changes. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}
