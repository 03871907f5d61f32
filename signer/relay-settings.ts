/** A space's relay settings, from its signed settings at `plugins.safe`: `{allowDelegateCall?, autoExecute?}`. */
export type RelaySettings = {
  /** Calls with `operation: 1` (delegatecall) are accepted in batches; off by default. */
  allowDelegateCall: boolean;
  /** The relay's executor key executes once enough owners confirmed; off by default (an owner executes). */
  autoExecute: boolean;
};

/** Reads the relay settings of a space's settings object (missing or malformed fields are off). */
export function relaySettings(settings: { plugins?: unknown } | null | undefined): RelaySettings {
  const plugins = settings?.plugins as Record<string, unknown> | undefined;
  const safe = plugins?.safe as Record<string, unknown> | undefined;
  return { allowDelegateCall: safe?.allowDelegateCall === true, autoExecute: safe?.autoExecute === true };
}
