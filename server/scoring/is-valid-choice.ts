/** Whether a ballot is valid for a voting type, exactly as snapshot.js's voting classes decide. */

const inRange = (choice: unknown, choices: readonly string[]) =>
  typeof choice === 'number' && choices[choice - 1] !== undefined;

const isRanking = (choice: unknown, choices: readonly string[]) =>
  Array.isArray(choice) &&
  choice.length > 0 &&
  choice.length === choices.length &&
  new Set(choice).size === choice.length &&
  choice.every((item) => Number.isInteger(item) && item >= 1 && item <= choices.length);

const isWeights = (choice: unknown, choices: readonly string[]) => {
  if (typeof choice !== 'object' || choice === null || Array.isArray(choice)) return false;
  const keys = Object.keys(choice);
  const values = Object.values(choice);
  return (
    keys.length > 0 &&
    keys.every((key) => choices[Number(key) - 1] !== undefined) &&
    values.every((value) => typeof value === 'number' && value >= 0) &&
    values.some((value) => typeof value === 'number' && value > 0)
  );
};

/** Returns true when `choice` is a valid ballot of `type` over `choices`. */
export function isValidChoice(type: string, choice: unknown, choices: readonly string[]): boolean {
  switch (type) {
    case 'single-choice':
    case 'basic':
      return inRange(choice, choices);
    case 'approval':
      return (
        Array.isArray(choice) &&
        choice.every((item) => inRange(item, choices)) &&
        new Set(choice).size === choice.length
      );
    case 'quadratic':
    case 'weighted':
      return isWeights(choice, choices);
    case 'ranked-choice':
    case 'copeland':
      return isRanking(choice, choices);
    default:
      return false;
  }
}
