/** Errors of voting-power strategies. */

/** Reading voting power failed (RPC down, timeout, malformed answer); the vote is refused with this text. */
export class VotingPowerError extends Error {
  readonly strategy: string;

  constructor(strategy: string, options?: { cause?: unknown }) {
    super('failed to check voting power', options);
    this.name = 'VotingPowerError';
    this.strategy = strategy;
  }
}

/** A strategy's `params` are unusable; `reason` says why. */
export class StrategyParamsError extends Error {
  readonly strategy: string;
  readonly reason: string;

  constructor(strategy: string, reason: string) {
    super(`invalid params for strategy ${strategy}: ${reason}`);
    this.name = 'StrategyParamsError';
    this.strategy = strategy;
    this.reason = reason;
  }
}
