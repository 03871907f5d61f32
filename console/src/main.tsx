/** The web console: one page served by the service at `/`, reading GraphQL and writing through the public REST routes. */
import { render } from 'preact';
import { useEffect } from 'preact/hooks';
import { useRoute } from './use-route.ts';
import { ProposalView } from './views/proposal.tsx';
import { SafeView } from './views/safe.tsx';
import { SpaceView } from './views/space.tsx';
import { SpacesView } from './views/spaces.tsx';

/** Header, the routed view and the footer. */
function App() {
  const route = useRoute();
  // Moving to another view puts keyboard and screen-reader focus on its content.
  useEffect(() => {
    document.getElementById('content')?.focus();
    scrollTo(0, 0);
  }, [route]);
  return (
    <>
      <a class="skip" href="#content" onClick={(event) => {
        event.preventDefault();
        document.getElementById('content')?.focus();
      }}>
        Skip to content
      </a>
      <header>
        <nav aria-label="Main">
          <a href="#/" class="brand">conclave</a>
          <a href="#/">Spaces</a>
        </nav>
      </header>
      <main id="content" tabIndex={-1}>
        {route.view === 'spaces' && <SpacesView />}
        {route.view === 'space' && <SpaceView id={route.id} />}
        {route.view === 'proposal' && <ProposalView id={route.id} />}
        {route.view === 'safe' && <SafeView address={route.address} />}
        {route.view === 'missing' && <p role="alert">Nothing at {route.path}. <a href="#/">Back to the spaces</a>.</p>}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
