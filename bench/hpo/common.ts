// Shared pieces of the HPO benchmarks: the Python interpreter, the benchmark functions (read from
// objectives.py), driving groups through an in-process engine, statistics, tables and the JSON results.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';
import { Engine } from '../../main/engine/engine';
import type { Experiment, Group } from '../../shared/domain';
import { isGroupDone } from '../../shared/statuses';
import { machine } from '../lib';

export const HPO_DIR = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HPO_DIR, '..', '..');
export const RESULTS_DIR = path.join(ROOT, 'bench', 'results');

export const log = (msg: string) => process.stderr.write(`[hpo] ${msg}\n`);
export const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------------
// Python and the functions

/**
 * The real interpreter behind `python3` (AXON_BENCH_PYTHON overrides it). A pyenv shim is a bash script that
 * costs ~150 ms per start here, so trials run the interpreter it resolves to, with `-S` (no site import:
 * objectives.py needs the standard library only), which starts in ~15 ms instead of ~100 ms.
 */
export function python(): string {
  const given = process.env.AXON_BENCH_PYTHON;
  if (given) return given;
  return execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
}

export interface FnInfo {
  params: Array<{ name: string; low: number; high: number }>;
  optimum: number;
  target: number;
}

export type Functions = Record<string, FnInfo>;

/** The functions as objectives.py defines them: the one source of the bounds, optima and targets. */
export function describeFunctions(py: string): { fns: Functions; curve: { c: number; noise: number } } {
  const out = JSON.parse(
    execFileSync(py, ['-S', path.join(HPO_DIR, 'objectives.py'), '--describe'], { encoding: 'utf8' }),
  ) as Record<string, unknown>;
  const curve = out._curve as { c: number; noise: number };
  delete out._curve;
  return { fns: out as Functions, curve };
}

/** A project folder holding only objectives.py: a cheap code snapshot (no git), and the job's cwd. */
export function objectiveProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'axon-hpo-proj-'));
  fs.copyFileSync(path.join(HPO_DIR, 'objectives.py'), path.join(dir, 'objectives.py'));
  return dir;
}

// ---------------------------------------------------------------------------------------------------------
// The engine

export interface BenchEngine {
  engine: Engine;
  home: string;
  close(): Promise<void>;
}

/** An engine in a fresh AXON_HOME; close() removes the folder unless `keepHome` (the caller removes it). */
export async function startEngine(opts: { keepHome?: boolean } = {}): Promise<BenchEngine> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'axon-hpo-home-'));
  const engine = await Engine.start({ home });
  return {
    engine,
    home,
    close: async () => {
      await engine.close();
      if (!opts.keepHome) fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

let creating: Promise<unknown> = Promise.resolve();

/**
 * Creates the group; returns its id. Calls are serialised: two concurrent runs.create for a project that does
 * not exist yet both try to insert it, and the second fails (UNIQUE constraint failed: projects.owner_id,
 * projects.name).
 */
export function createGroup(engine: Engine, text: string, codePath: string): Promise<number> {
  const next = creating.then(async () => {
    const c = await engine.call('runs.create', {
      files: [{ name: 'sweep.yml', text }],
      params: {},
      codePath,
    });
    if (c.kind !== 'group') throw new Error('expected a group');
    return c.group.id;
  });
  creating = next.catch(() => undefined);
  return next;
}

/** Resolves when the group reaches done/failed/stopped (from the groups.changed event, polled as a fallback). */
export function groupEnd(engine: Engine, id: number, timeoutMs = 3_600_000): Promise<Group> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (g: Group | null, err?: Error) => {
      if (settled) return;
      settled = true;
      off();
      clearInterval(poll);
      clearTimeout(timer);
      if (g) resolve(g);
      else reject(err);
    };
    const off = engine.on('groups.changed', ({ group }) => {
      if (group.id === id && isGroupDone(group.status)) finish(group);
    });
    const poll = setInterval(() => {
      engine.call('groups.get', { id }).then(
        (g) => isGroupDone(g.status) && finish(g),
        () => undefined,
      );
    }, 5_000);
    const timer = setTimeout(() => finish(null, new Error(`group ${id} did not end in time`)), timeoutMs);
  });
}

/** The group's experiments in creation order. */
export async function experimentsOf(engine: Engine, id: number): Promise<Experiment[]> {
  const xs = await engine.call('groups.experiments', { id });
  return [...xs].sort((a, b) => a.id - b.id);
}

/** Runs the tasks `parallel` at a time, in order; results in task order. */
export async function pool<T>(tasks: Array<() => Promise<T>>, parallel: number): Promise<T[]> {
  const out = new Array<T>(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, tasks.length) }, worker));
  return out;
}

/** A `hptuning.matrix` of uniform params (BO takes uniform only), indented for the group file. */
export const uniformMatrix = (info: FnInfo) =>
  ['  matrix:', ...info.params.map((p) => `    ${p.name}: {uniform: [${p.low}, ${p.high}]}`)].join('\n');

/** The command of one trial: `--x1 {{ x1 }} …` for every param of the function. */
export const trialCmd = (py: string, fn: string, info: FnInfo, extra = '') =>
  `${py} -S objectives.py --fn ${fn} ${info.params.map((p) => `--${p.name} {{ ${p.name} }}`).join(' ')}${extra}`;

// ---------------------------------------------------------------------------------------------------------
// Statistics and output

export function quantile(xs: number[], p: number): number {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const pos = (s.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  if (s[lo] === s[hi]) return s[lo]; // also keeps Infinity (censored runs) without Infinity - Infinity
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export const median = (xs: number[]) => quantile(xs, 0.5);

/** Numbers for tables: 3 significant digits, exponent form for the small ones. */
export function fmt(n: number): string {
  if (Number.isNaN(n)) return '—';
  if (!Number.isFinite(n)) return n > 0 ? '∞' : '-∞';
  if (n === 0) return '0';
  const a = Math.abs(n);
  if (a < 1e-3) return n.toExponential(1);
  if (a >= 1000) return Math.round(n).toLocaleString('en-US');
  return String(Number(n.toPrecision(3)));
}

export const fmtS = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function printTable(title: string, head: string[], rows: Array<Array<string | number>>): string {
  const t = new Table({ head, style: { head: [], border: [] } });
  for (const r of rows) t.push(r.map((c) => (typeof c === 'number' ? fmt(c) : c)));
  const text = `\n${title}\n${t.toString()}\n`;
  process.stdout.write(text);
  return text;
}

let tag = '';
/** `--tag T`: results go to hpo-<name>-T.json, so a partial run does not replace the full one. */
export function setResultTag(t: string): void {
  tag = t ? `-${t.replace(/[^\w.-]/g, '_')}` : '';
}

/** Writes bench/results/hpo-<name>[-tag].json with the date and the machine. */
export function writeResult(name: string, body: Record<string, unknown>): string {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `hpo-${name}${tag}.json`);
  const full = { name: `hpo-${name}${tag}`, date: new Date().toISOString(), machine: machine(), ...body };
  fs.writeFileSync(file, JSON.stringify(full, null, 2) + '\n');
  process.stdout.write(`  (written to ${path.relative(ROOT, file)})\n`);
  return file;
}
