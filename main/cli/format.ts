// Output for people (tables on a terminal) and for programs (--json, plain lines when piped).
import { createRequire } from 'node:module';
import type TableCtor from 'cli-table3';
import pc from 'picocolors';
import type { Experiment } from '../../shared/domain';
import { isDone } from '../../shared/statuses';

export const isTTY = () => !!process.stdout.isTTY;

export function printJson(v: unknown): void {
  process.stdout.write(JSON.stringify(v, null, 2) + '\n');
}

/** A table on a terminal; tab-separated lines when piped, so `cut` and `awk` work. */
export function printTable(head: string[], rows: Array<Array<string | number | null | undefined>>): void {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c))));
  if (!isTTY()) {
    process.stdout.write([head, ...cells].map((r) => r.join('\t')).join('\n') + '\n');
    return;
  }
  // Loaded on first use: piped output (tab-separated) and commands without a table never need it.
  const Table = createRequire(import.meta.url)('cli-table3') as typeof TableCtor;
  const t = new Table({ head: head.map((h) => pc.bold(h)), style: { head: [], border: [], compact: true } });
  t.push(...cells);
  process.stdout.write(t.toString() + '\n');
}

export function fmtValue(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

const COLOURS: Record<string, (s: string) => string> = {
  succeeded: pc.green,
  failed: pc.red,
  upstream_failed: pc.red,
  stopped: pc.gray,
  running: pc.cyan,
  done: pc.green,
};

export function fmtStatus(s: string): string {
  return isTTY() ? (COLOURS[s] ?? pc.yellow)(s) : s;
}

/** The results table of experiments: params and last metrics as columns (`params`/`metrics` false: without
 *  those; `where`: the name and group columns, for lists that span groups). */
export function experimentsTable(
  exps: Experiment[],
  opts: { bestId?: number | null; params?: boolean; metrics?: boolean; where?: boolean } = {},
): void {
  const paramKeys = opts.params === false ? [] : [...new Set(exps.flatMap((e) => Object.keys(e.params)))];
  const metricKeys =
    opts.metrics === false ? [] : [...new Set(exps.flatMap((e) => Object.keys(e.lastMetrics)))];
  printTable(
    ['id', ...(opts.where ? ['name', 'group'] : []), 'status', ...paramKeys, ...metricKeys],
    exps.map((e) => [
      e.id === opts.bestId && isTTY() ? `${e.id} ★` : e.id,
      ...(opts.where ? [e.name ?? '', e.groupId ?? ''] : []),
      fmtStatus(e.status),
      ...paramKeys.map((k) => (k in e.params ? fmtValue(e.params[k]) : '')),
      ...metricKeys.map((k) => (k in e.lastMetrics ? fmtValue(e.lastMetrics[k]) : '')),
    ]),
  );
  waitingNotes(exps);
}

/** `-m` metrics only, `-d` params only (Polyaxon's flags); neither or both: the two. */
export const columns = (o: { metrics?: boolean; declarations?: boolean }) =>
  o.metrics && !o.declarations ? { params: false } : o.declarations && !o.metrics ? { metrics: false } : {};

/** Under a table of experiments: why those not running yet (or stuck) wait, one line per reason with their ids
 *  ("waiting for capacity on …", "unschedulable: …"), so a sweep's idle trials are never unexplained. */
export function waitingNotes(
  exps: Array<Pick<Experiment, 'id' | 'status' | 'statusReason'> & Partial<Pick<Experiment, 'groupId'>>>,
): void {
  const byReason = new Map<string, number[]>();
  for (const e of exps) {
    if (isDone(e.status) || e.status === 'running') continue;
    // A sweep's trial with no reason of its own waits for one of its group's slots.
    const why =
      e.statusReason ??
      (e.status === 'created' && e.groupId ? "waiting for a slot: its group's concurrency is in use" : null);
    if (why) byReason.set(`${e.status}: ${why}`, [...(byReason.get(`${e.status}: ${why}`) ?? []), e.id]);
  }
  for (const [why, ids] of byReason)
    process.stdout.write(`${ids.length > 1 ? 'experiments' : 'experiment'} ${ids.join(', ')} ${why}\n`);
}

export function parseParams(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of list ?? []) {
    const i = p.indexOf('=');
    if (i <= 0) throw new UsageError(`-P expects name=value, found "${p}"`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

export class UsageError extends Error {}
