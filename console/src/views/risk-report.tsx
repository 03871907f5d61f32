/** The AI overseer's risk report: level, summary, and each flag with the votes and voters behind it (expandable). */
import { amount, short } from '../format.ts';

export type RiskFlag = {
  kind: string;
  severity: string;
  score: number;
  explanation: string;
  explanationSource: string;
  outcomeChanged: boolean | null;
  evidence: { votes: string[]; voters: string[]; figures: Record<string, unknown> };
};

export type Risk = {
  level: string;
  computedAt: number;
  votesAnalyzed: number;
  headline: string | null;
  summary: string | null;
  summarySource: string | null;
  flags: RiskFlag[];
  fairness: { voters: number; gini: number; nakamoto: number; top1Share: number } | null;
};

export const RISK_FIELDS = `level computedAt votesAnalyzed headline summary summarySource
  flags { kind severity score explanation explanationSource outcomeChanged evidence { votes voters figures } }
  fairness { voters gini nakamoto top1Share }`;

/** The risk report, or a note that none has been computed yet. */
export function RiskReport({ risk }: { risk: Risk | null }) {
  if (!risk) return <p class="muted">No risk report yet: it is computed shortly after votes arrive.</p>;
  return (
    <div class="risk">
      <p>
        Level <span class={`badge level-${risk.level}`}>{risk.level}</span> · {risk.votesAnalyzed} vote versions analysed · advisory only
      </p>
      {risk.headline && <p><strong>{risk.headline}</strong></p>}
      {risk.summary && <p>{risk.summary}</p>}
      {risk.fairness && (
        <p class="muted">
          {risk.fairness.voters} voters · Gini {risk.fairness.gini.toFixed(2)} · Nakamoto {risk.fairness.nakamoto} · largest voter {(risk.fairness.top1Share * 100).toFixed(1)}%
        </p>
      )}
      {risk.flags.length === 0 ? (
        <p>No flags.</p>
      ) : (
        <ul class="flags" aria-label="Flags">
          {risk.flags.map((flag, index) => (
            <li key={`${flag.kind}-${index}`} class="flag">
              <details>
                <summary>
                  <span class={`badge level-${flag.severity}`}>{flag.severity}</span> <strong>{flag.kind}</strong>: {flag.explanation}
                </summary>
                <div class="evidence">
                  <p class="muted">
                    score {flag.score.toFixed(2)} · explanation from {flag.explanationSource}
                    {flag.outcomeChanged ? ' · the result would change without these votes' : ''}
                  </p>
                  <h4>Figures</h4>
                  <dl class="figures">
                    {Object.entries(flag.evidence.figures ?? {}).map(([name, value]) => (
                      <div key={name}>
                        <dt>{name}</dt>
                        <dd>{typeof value === 'number' ? amount(value) : JSON.stringify(value)}</dd>
                      </div>
                    ))}
                  </dl>
                  <h4>Voters ({flag.evidence.voters.length})</h4>
                  <ul class="mono evidence-voters">
                    {flag.evidence.voters.map((voter) => (
                      <li key={voter}>{voter}</li>
                    ))}
                  </ul>
                  <h4>Votes ({flag.evidence.votes.length})</h4>
                  <ul class="mono">
                    {flag.evidence.votes.map((vote) => (
                      <li key={vote} title={vote}>{short(vote, 10)}</li>
                    ))}
                  </ul>
                </div>
              </details>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
