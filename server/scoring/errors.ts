/** Typed errors raised by the pure scoring functions. */

/** The voting type is not one conclave can count. */
export class UnknownVotingTypeError extends Error {
  override name = 'UnknownVotingTypeError';
  readonly type: string;
  constructor(type: string) {
    super(`unknown voting type: ${type}`);
    this.type = type;
  }
}

/** The voting type has no incremental (running-total) form. */
export class NotAdditiveVotingTypeError extends Error {
  override name = 'NotAdditiveVotingTypeError';
  readonly type: string;
  constructor(type: string) {
    super(`voting type is not additive: ${type}`);
    this.type = type;
  }
}

/** A vote's `scores` (voting power per strategy) does not have one entry per strategy. */
export class StrategyScoresLengthError extends Error {
  override name = 'StrategyScoresLengthError';
  constructor(expected: number, actual: number) {
    super(`vote has ${actual} strategy scores, expected ${expected}`);
  }
}

/** A running total was given a voting power that is not a finite number. */
export class NonFiniteVotingPowerError extends Error {
  override name = 'NonFiniteVotingPowerError';
  constructor(value: number) {
    super(`voting power is not finite: ${value}`);
  }
}

/** A pass threshold outside (50, 100]. */
export class InvalidPassThresholdError extends Error {
  override name = 'InvalidPassThresholdError';
  constructor(value: number) {
    super(`pass threshold must be a percentage in (50, 100]: ${value}`);
  }
}

/** More choices than a packed ballot can index. */
export class TooManyChoicesError extends Error {
  override name = 'TooManyChoicesError';
  constructor(choices: number, limit: number) {
    super(`${choices} choices, at most ${limit} supported`);
  }
}

/** A ranked-choice runoff that can never end (snapshot.js recurses until its stack overflows). */
export class EndlessRunoffError extends Error {
  override name = 'EndlessRunoffError';
  constructor(candidate: string) {
    super(`ranked-choice runoff cannot eliminate ${JSON.stringify(candidate)}`);
  }
}

/* Errors of voting-power strategies. */

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
