/** Loading and error lines, announced to screen readers. */

/** Shows an error (alert) or a loading note. */
export function Status({ error, loading }: { error?: string; loading?: boolean }) {
  if (error) return <p role="alert" class="error">Could not load: {error}</p>;
  if (loading) return <p aria-live="polite" class="muted">Loading…</p>;
  return null;
}
