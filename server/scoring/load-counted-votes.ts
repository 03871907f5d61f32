/**
 * Loads a proposal's counted votes fast: the server writes them as tab-separated text lines in a few large
 * `string_agg` values (one per `mci` range), so 10^6 ballots cost a few hundred round-trip rows instead of
 * 10^6 parsed rows; distinct ballot texts (few, in practice) are parsed once. The result is what
 * `loadBallots` + `countBallots` give on the same rows, byte for byte (test/decision-fast-path.test.ts).
 */
import { sql } from 'drizzle-orm';
import type pg from 'pg';
import type { SnapshotReaders } from '../db/open-snapshot-readers.ts';
import { queryRows, type Db } from '../db/open-database.ts';
import { choiceJson, countBallots, createLineHasher, votesHashLine, type CountedVotes } from './compute-decision.ts';
import { loadBallots } from './load-ballots.ts';
import type { Vote } from './types.ts';

export type LoadCountedVotesParameters = {
  db: Db;
  proposalId: string;
  /** Rows per query (about: ranges of `mci` of equal width). */
  chunkRows?: number;
  /**
   * Opens connections in the same snapshot as `db` (`openSnapshotReaders`) that read the ranges in turn, so
   * the server writes the next ranges while this process parses one; called only when there are several
   * ranges. Without them (or when it gives none) `db` reads the ranges one by one.
   */
  openReaders?: () => Promise<SnapshotReaders | undefined>;
  /** Whether rows the text form cannot carry are read the plain way (default) or throw `UnparsableLineError` (tests). */
  fallBackToRows?: boolean;
};

type ChunkRow = { count: number | string; lines: string | null };

/**
 * One `mci` range as text lines `id, choice, vp, vp_by_strategy, mci` (tab-separated), fed in `mci` order by the
 * index; the parser checks that order and the count. `vp::text` is the numeric's exact decimal, which
 * `Number` rounds as PostgreSQL's `::float8` does (both are correctly rounded).
 */
const CHUNK_SQL = `SELECT count(*) AS count, string_agg(line, E'\n') AS lines FROM (
  SELECT id || E'\t' || choice::text || E'\t' || vp::text || E'\t' || vp_by_strategy::text || E'\t' || mci::text AS line
    FROM votes WHERE proposal = $1 AND mci >= $2 AND mci < $3 ORDER BY mci) ranged`;

/** A parsed JSON text and its JSON as the votes hash writes it. */
type Parsed = { value: unknown; json: string };

/** Distinct texts remembered per load: ballots repeat (a few choices, a few powers), the cap bounds memory when they do not. */
const MAX_CACHED = 1 << 16;
/** Texts seen before a cache that has been no use (fewer hits than entries) stops looking up. */
const CACHE_TRIAL = 4096;

/** Parsed texts by text, which turns itself off where texts do not repeat (lookups would only cost). */
type ParseCache = { known: Map<string, Parsed>; hits: number; on: boolean };

/** A line the text form cannot carry unambiguously (an id with a tab or a newline): the plain path reads those rows. */
export class UnparsableLineError extends Error {
  override name = 'UnparsableLineError';
}

/** Every current vote of the proposal in `mci` order, with `lastMci` and the votes hash, as `countBallots(loadBallots(...))`. */
export async function loadCountedVotes({ db, proposalId, chunkRows = 50_000, openReaders, fallBackToRows = true }: LoadCountedVotesParameters): Promise<CountedVotes> {
  const [range] = await queryRows<{ first: string | null; last: string | null; count: number | string }>(
    db,
    sql`SELECT min(mci)::text AS first, max(mci)::text AS last, count(*) AS count FROM votes WHERE proposal = ${proposalId}`,
  );
  const count = Number(range.count);
  if (count === 0 || range.first === null || range.last === null) return countBallots([]);
  const first = Number(range.first);
  const last = Number(range.last);
  const chunks = Math.max(1, Math.ceil(count / chunkRows));
  const width = Math.floor((last - first) / chunks) + 1;
  const ranges: [number, number][] = [];
  for (let from = first; from <= last; from += width) ranges.push([from, from + width]);
  const readers = ranges.length > 1 && openReaders ? await openReaders() : undefined;
  try {
    return await countChunks(db, proposalId, count, readChunks(db, proposalId, ranges, readers?.clients ?? []), fallBackToRows);
  } finally {
    await readers?.close();
  }
}

/** Parses the ranges' lines in order into the counted votes (or reads the rows plainly, see UnparsableLineError). */
async function countChunks(db: Db, proposalId: string, count: number, pending: Promise<ChunkRow>[], fallBackToRows: boolean): Promise<CountedVotes> {
  const votes: Vote[] = new Array(count);
  const hasher = createLineHasher();
  const choices: ParseCache = { known: new Map(), hits: 0, on: true };
  const powers: ParseCache = { known: new Map(), hits: 0, on: true };
  let parsed = 0;
  let lastMci = 0;
  try {
    for (const query of pending) {
      const row = await query;
      if (row.lines === null) continue;
      const before = parsed;
      const text = row.lines;
      let at = 0;
      while (at < text.length) {
        let end = text.indexOf('\n', at);
        if (end < 0) end = text.length;
        const t1 = text.indexOf('\t', at);
        const t2 = text.indexOf('\t', t1 + 1);
        const t3 = text.indexOf('\t', t2 + 1);
        const t4 = text.indexOf('\t', t3 + 1);
        if (t1 < 0 || t2 < 0 || t3 < 0 || t4 < 0 || t4 > end || parsed >= count) throw new UnparsableLineError();
        const mciText = text.slice(t4 + 1, end);
        if (!/^[0-9]{1,16}$/.test(mciText)) throw new UnparsableLineError();
        const mci = Number(mciText);
        if (mci < lastMci) throw new UnparsableLineError();
        lastMci = mci;
        const choice = cachedParse(choices, text.slice(t1 + 1, t2), parsedChoice);
        const power = cachedParse(powers, text.slice(t3 + 1, t4), strategyPowerJson);
        const vp = Number(text.slice(t2 + 1, t3));
        // Out of double range (or NaN), `::float8` would fail or differ: the plain path reads it as it does.
        if (!Number.isFinite(vp)) throw new UnparsableLineError();
        votes[parsed++] = { choice: choice.value, balance: vp, scores: power.value as number[] };
        hasher.add(votesHashLine(JSON.stringify(text.slice(at, t1)), choice.json, JSON.stringify(vp), power.json));
        at = end + 1;
      }
      if (parsed - before !== Number(row.count)) throw new UnparsableLineError();
    }
  } catch (error) {
    if (!(error instanceof UnparsableLineError) || !fallBackToRows) throw error;
    await Promise.allSettled(pending);
    return countBallots(await loadBallots(db, proposalId));
  }
  if (parsed !== count) throw new Error(`counted ${parsed} of ${count} votes`);
  return { votes, lastMci, votesHash: hasher.digest() };
}

/** The ranges' rows, read in turn by each reader (or by `db` one after another), in range order. */
function readChunks(db: Db, proposalId: string, ranges: [number, number][], readers: readonly pg.ClientBase[]): Promise<ChunkRow>[] {
  const pending: Promise<ChunkRow>[] = [];
  const lanes: Promise<unknown>[] = readers.length > 0 ? readers.map(() => Promise.resolve()) : [Promise.resolve()];
  ranges.forEach(([from, to], i) => {
    const lane = i % lanes.length;
    const reader = readers[lane];
    const chunk = lanes[lane].then(async () => {
      if (reader) return (await reader.query<ChunkRow>(CHUNK_SQL, [proposalId, from, to])).rows[0];
      const [row] = await queryRows<ChunkRow>(db, chunkSql(proposalId, from, to));
      return row;
    });
    // Nothing may stay unobserved if an early chunk fails; the parser awaits each one in turn.
    chunk.catch(() => {});
    lanes[lane] = chunk.catch(() => {});
    pending.push(chunk);
  });
  return pending;
}

/** CHUNK_SQL for drizzle, with its three parameters. */
function chunkSql(proposalId: string, from: number, to: number) {
  const [head, afterProposal] = CHUNK_SQL.split('$1');
  const [middle, afterFrom] = afterProposal.split('$2');
  const [tail, end] = afterFrom.split('$3');
  return sql`${sql.raw(head)}${proposalId}${sql.raw(middle)}${from}${sql.raw(tail)}${to}${sql.raw(end)}`;
}

/** `JSON.parse(text)` through the cache (the value is shared by every ballot with that text: never mutated). */
function cachedParse(cache: ParseCache, text: string, make: (value: unknown) => Parsed): Parsed {
  if (!cache.on) return make(JSON.parse(text));
  const known = cache.known.get(text);
  if (known) {
    cache.hits++;
    return known;
  }
  const entry = make(JSON.parse(text));
  const size = cache.known.size;
  if (size >= CACHE_TRIAL && cache.hits < size) {
    cache.on = false;
    cache.known.clear();
  } else if (size < MAX_CACHED) cache.known.set(text, entry);
  return entry;
}

/** `vp_by_strategy` as `loadBallots` makes it (entries through `Number`) and its JSON. */
function strategyPowerJson(value: unknown): Parsed {
  const powers = (value as unknown[]).map(Number);
  return { value: powers, json: JSON.stringify(powers) };
}

/** A choice and its canonical JSON. */
function parsedChoice(value: unknown): Parsed {
  return { value, json: choiceJson(value) };
}
