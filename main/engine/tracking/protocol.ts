// The metric line protocol (docs/metrics-protocol.md): a job prints `@@axon ` then one JSON object on one
// line. Everything else in the log is plain output. A malformed protocol line is counted and kept in the log.

export const PREFIX = '@@axon ';

/** One record: any of metrics, params and tags (a line holding several gives each; none is dropped). */
export interface ProtocolRecord {
  metrics?: { values: Record<string, number>; step: number | null; ts: number | null };
  params?: Record<string, unknown>;
  tags?: string[];
}

export type LineResult =
  { kind: 'plain' } | { kind: 'malformed'; reason: string } | ({ kind: 'record' } & ProtocolRecord);

/** The latest `ts` a date can hold (9999-12-31): a larger one is no time a point was written. */
export const MAX_TS = 253402300799;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Where the protocol record on a log line starts, or -1. A record starts the line, or follows a progress bar
 * rewritten with `\r` (tqdm writes `\r<bar>` to stderr, which shares the log with stdout, so the record printed
 * next lands on the bar's line): after a `\r`, the record is found where its prefix is.
 */
export function protocolStart(line: string): number {
  if (line.startsWith(PREFIX)) return 0;
  const cr = line.indexOf('\r');
  return cr < 0 ? -1 : line.indexOf(PREFIX, cr);
}

/** A log line as the protocol reads it: the record on it (see protocolStart), or plain output. */
export function parseLogLine(line: string): LineResult {
  const at = protocolStart(line);
  return at < 0 ? { kind: 'plain' } : parseLine(at ? line.slice(at) : line);
}

export function parseLine(line: string): LineResult {
  if (!line.startsWith(PREFIX)) return { kind: 'plain' };
  let obj: unknown;
  try {
    obj = JSON.parse(line.slice(PREFIX.length));
  } catch {
    return { kind: 'malformed', reason: 'not a JSON object' };
  }
  if (!isObject(obj)) return { kind: 'malformed', reason: 'not a JSON object' };
  const out: { kind: 'record' } & ProtocolRecord = { kind: 'record' };
  // `__proto__` cannot be a key of a plain object: it would be dropped silently further on.
  const reserved = (o: Record<string, unknown>) => Object.keys(o).find((k) => k === '__proto__');
  if (obj.metrics != null) {
    const m = obj.metrics;
    if (!isObject(m)) return { kind: 'malformed', reason: '"metrics" must be an object of numbers' };
    const values: Record<string, number> = {};
    for (const [k, v] of Object.entries(m)) {
      if (typeof v !== 'number' || !Number.isFinite(v) || k === '' || k === '__proto__')
        return {
          kind: 'malformed',
          reason: `metric "${k}" must be a finite number, named other than __proto__`,
        };
      values[k] = v;
    }
    const step = obj.step ?? null;
    // Beyond 2^53 integers are no longer exact: two steps would be stored as one.
    if (step !== null && !(typeof step === 'number' && Number.isSafeInteger(step) && step >= 0))
      return { kind: 'malformed', reason: '"step" must be an integer from 0 to 2^53 − 1' };
    const ts = obj.ts ?? null;
    if (ts !== null && !(typeof ts === 'number' && ts >= 0 && ts <= MAX_TS))
      return {
        kind: 'malformed',
        reason: `"ts" must be unix seconds (from 1970 to 9999)${typeof ts === 'number' && ts > MAX_TS && ts <= MAX_TS * 1000 ? ', not milliseconds' : ''}`,
      };
    out.metrics = { values, step: step as number | null, ts: ts as number | null };
  }
  if (obj.params != null) {
    if (!isObject(obj.params) || reserved(obj.params))
      return { kind: 'malformed', reason: '"params" must be an object (no __proto__ key)' };
    out.params = obj.params;
  }
  if (obj.tags != null) {
    const t = obj.tags;
    if (!Array.isArray(t) || !t.every((x) => typeof x === 'string'))
      return { kind: 'malformed', reason: '"tags" must be a list of strings' };
    out.tags = t as string[];
  }
  if (!out.metrics && !out.params && !out.tags)
    return { kind: 'malformed', reason: 'expected one of "metrics", "params", "tags"' };
  return out;
}

/** Formats a record as the job-side clients do (used by tests and the TypeScript client). */
export function formatLine(rec: Record<string, unknown>): string {
  return PREFIX + JSON.stringify(rec) + '\n';
}
