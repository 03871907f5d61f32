/** A space configures a strategy with parameters it cannot use. */
export class StrategyParamsError extends Error {
  override name = 'StrategyParamsError';
}
