/** The signed decision: outcome, the hashes it commits to, the signature and its signer. */
import { amount, when } from '../format.ts';

export type Outcome = {
  id: string;
  outcome: string;
  winningChoice: number | null;
  quorumReached: boolean;
  reason: string | null;
  scores_total: number | null;
  votesCount: number | null;
  votesHash: string | null;
  resultsHash: string | null;
  decidedAt: number | null;
  signer: string;
  signature: string;
};

export const OUTCOME_FIELDS = 'id outcome winningChoice quorumReached reason scores_total votesCount votesHash resultsHash decidedAt signer signature';

/** The decision, or a note that there is none yet. */
export function Decision({ outcome, choices }: { outcome: Outcome | null; choices: string[] }) {
  if (!outcome) return <p class="muted">Not decided yet: the service decides and signs once voting has closed.</p>;
  return (
    <dl class="facts">
      <div>
        <dt>Outcome</dt>
        <dd>
          <span class={`badge outcome-${outcome.outcome}`}>{outcome.outcome}</span>
          {outcome.winningChoice ? ` · ${choices[outcome.winningChoice - 1] ?? `choice ${outcome.winningChoice}`}` : ''}
          {outcome.reason ? ` · ${outcome.reason}` : ''}
        </dd>
      </div>
      <div>
        <dt>Quorum</dt>
        <dd>{outcome.quorumReached ? 'reached' : 'not reached'}</dd>
      </div>
      <div>
        <dt>Votes</dt>
        <dd>
          {outcome.votesCount ?? 0} ({amount(outcome.scores_total)} total)
        </dd>
      </div>
      <div>
        <dt>Decided</dt>
        <dd>{when(outcome.decidedAt)}</dd>
      </div>
      <div>
        <dt>Results hash</dt>
        <dd class="mono">{outcome.resultsHash}</dd>
      </div>
      <div>
        <dt>Votes hash</dt>
        <dd class="mono">{outcome.votesHash}</dd>
      </div>
      <div>
        <dt>Signer</dt>
        <dd class="mono">{outcome.signer}</dd>
      </div>
      <div>
        <dt>Signature (EIP-712)</dt>
        <dd class="mono">{outcome.signature}</dd>
      </div>
    </dl>
  );
}
