/** Casts the demo's votes on schedule: each one a real EIP-712 Snapshot vote, signed when it is sent and posted to the service. */
import { postJson } from '../devnet/client.ts';
import { sign } from '../devnet/sign.ts';
import type { DemoVote } from './population.ts';

export type CastVotesParameters = {
  url: string;
  space: string;
  proposal: string;
  votes: readonly DemoVote[];
  /** Wall-clock milliseconds of the window's start and its length; a vote goes out at start + at × length. */
  startMs: number;
  windowMs: number;
  /** Requests in flight at most. */
  concurrency?: number;
};

export type CastVotesReturnType = { accepted: number; refused: { voter: string; reason: string }[] };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends every vote at its time; resolves when all were answered. */
export async function castVotes({ url, space, proposal, votes, startMs, windowMs, concurrency = 16 }: CastVotesParameters): Promise<CastVotesReturnType> {
  const result: CastVotesReturnType = { accepted: 0, refused: [] };
  const lastTimestamp = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  for (const vote of votes) {
    const due = startMs + vote.at * windowMs;
    if (due > Date.now()) await sleep(due - Date.now());
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    // A changed vote must carry a later timestamp than the one it replaces (latest timestamp wins).
    const address = vote.wallet.address;
    const timestamp = Math.max(Math.floor(Date.now() / 1000), (lastTimestamp.get(address) ?? 0) + 1);
    lastTimestamp.set(address, timestamp);
    const envelope = await sign(vote.wallet, 'vote', { space, proposal, choice: vote.choice, reason: vote.reason, app: vote.app, timestamp });
    const sent: Promise<void> = postJson(url, envelope)
      .then(({ status, body }) => {
        if (status === 200) result.accepted++;
        else result.refused.push({ voter: address, reason: String(body.error_description) });
      })
      .catch((error: unknown) => {
        result.refused.push({ voter: address, reason: String(error) });
      })
      .finally(() => inFlight.delete(sent));
    inFlight.add(sent);
  }
  await Promise.all(inFlight);
  return result;
}
