/** Small display helpers shared by the views. */

/** 0x1234…abcd */
export function short(value: string | null | undefined, keep = 6): string {
  if (!value) return '—';
  return value.length > keep * 2 + 2 ? `${value.slice(0, keep + 2)}…${value.slice(-keep)}` : value;
}

/** Unix seconds (or milliseconds when `ms`) as a local date and time. */
export function when(seconds: number | null | undefined, ms = false): string {
  if (seconds == null) return '—';
  return new Date(ms ? seconds : seconds * 1000).toLocaleString();
}

/** A voting power or score with at most two decimals. */
export function amount(value: number | null | undefined): string {
  if (value == null) return '0';
  return value.toLocaleString(undefined, { maximumFractionDigits: 2 });
}

/** A share in percent with one decimal. */
export function percent(part: number, total: number): string {
  return total > 0 ? `${((part / total) * 100).toFixed(1)}%` : '0%';
}
