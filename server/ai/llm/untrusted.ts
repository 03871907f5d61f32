/** Untrusted text handling: normalisation before it reaches a prompt, and grounding checks on answers. */
import { stripHidden } from '../text.ts';

/** Normalises attacker-controlled text: NFKC, no zero-width/bidi characters or HTML comments, no control chars, capped. */
export function cleanUntrusted(text: string | undefined, maxChars: number): string {
  const t = stripHidden(text ?? '')
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '')
    .trim();
  return t.length > maxChars ? `${t.slice(0, maxChars)} [truncated]` : t;
}

/** Numbers written in a text (digits with optional decimals, commas removed), e.g. "1,200.5" → 1200.5. */
export function numbersIn(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(/(?<![\w.])-?\d[\d,]*(?:\.\d+)?/g)) {
    const n = Number(m[0].replace(/,/g, ''));
    if (Number.isFinite(n)) out.push(n);
  }
  return out;
}

/** Whether `n` matches one of the allowed figures as written (exact, rounded, or as a percentage of a share). */
export function numberAllowed(n: number, allowed: readonly number[]): boolean {
  const close = (a: number, b: number): boolean => Math.abs(a - b) <= Math.max(1e-9, Math.abs(b) * 0.005);
  for (const v of allowed) {
    if (close(n, v) || close(n, Math.round(v)) || Math.abs(n - v) < 0.51 && Number.isInteger(n)) return true;
    if (Math.abs(v) <= 1 && (close(n, v * 100) || Math.abs(n - v * 100) <= 0.051)) return true;
  }
  return false;
}

/** Identifier-like tokens (hex addresses / ids) in a text. */
export function idsIn(text: string): string[] {
  return [...text.matchAll(/0x[0-9a-fA-F]{6,}/g)].map((m) => m[0]);
}
