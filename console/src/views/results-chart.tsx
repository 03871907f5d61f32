/** A bar per choice, widths from the live scores; the figures are text too, so the chart reads without seeing it. */
import { amount, percent } from '../format.ts';

export type ResultsChartProps = { choices: string[]; scores: number[]; total: number; symbol: string; winner?: number | null };

/** The results chart of one proposal. */
export function ResultsChart({ choices, scores, total, symbol, winner }: ResultsChartProps) {
  const max = Math.max(0, ...scores);
  return (
    <ol class="chart" aria-label="Results per choice">
      {choices.map((choice, index) => {
        const score = scores[index] ?? 0;
        return (
          <li key={index} class={winner === index + 1 ? 'winner' : undefined} data-choice={index + 1}>
            <span class="chart-label">{choice}</span>
            <span class="chart-track" aria-hidden="true">
              <span class="chart-bar" style={{ width: max > 0 ? `${(score / max) * 100}%` : '0%' }} />
            </span>
            <span class="chart-value">
              <span class="score">{amount(score)}</span> {symbol} ({percent(score, total)})
            </span>
          </li>
        );
      })}
    </ol>
  );
}
