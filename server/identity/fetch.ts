/** The small fetch interface identity code needs, so tests and the lead can inject their own transport. */

/** Satisfied by the global `fetch`; a test can pass a function serving fixed documents. */
export type FetchLike = (
  url: string,
  init?: { signal?: AbortSignal; headers?: Record<string, string>; redirect?: 'error' | 'follow' | 'manual' },
) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;

export type FetchTextParameters = {
  fetch: FetchLike;
  url: string;
  /** Abort after this many milliseconds (default 5000). */
  timeoutMs?: number;
  /** Reject bodies longer than this many characters (default 1 MiB). */
  maxLength?: number;
  accept?: string;
};

/** GETs `url` and returns the body text; throws an Error with the reason on timeout, HTTP error or oversize body. */
export async function fetchText(parameters: FetchTextParameters): Promise<string> {
  const { fetch, url, timeoutMs = 5000, maxLength = 1 << 20, accept = '*/*' } = parameters;
  const response = await fetch(url, {
    signal: AbortSignal.timeout(timeoutMs),
    headers: { accept },
    redirect: 'error',
  });
  if (!response.ok) throw new Error(`HTTP ${response.status} from ${url}`);
  const body = await response.text();
  if (body.length > maxLength) throw new Error(`response from ${url} is larger than ${maxLength} characters`);
  return body;
}
