// Shared pieces of the benchmarks: statistics, the result table, the JSON result file, temporary folders.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(BENCH_DIR, '..');
export const RESULTS_DIR = path.join(BENCH_DIR, 'results');

/** One measured figure, next to the baseline measured in the same run. */
export interface Figure {
  what: string;
  value: number;
  unit: string;
  baseline?: { what: string; value: number };
  /** value / baseline (or as `ratioNote` says). */
  ratio?: number;
  ratioNote?: string;
  goal?: string;
  met?: boolean;
}

export interface BenchResult {
  name: string;
  date: string;
  machine: Machine;
  params: Record<string, unknown>;
  figures: Figure[];
  notes: string[];
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  /** 1-minute load average when the result was written: other work on the machine skews the figures. */
  load1: number;
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    load1: Math.round(os.loadavg()[0] * 100) / 100,
  };
}

export function median(xs: number[]): number {
  return percentile(xs, 50);
}

/** Linear interpolation between the closest ranks. */
export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = ((s.length - 1) * p) / 100;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export function fmtNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

const fmtRatio = (f: Figure) =>
  f.ratio === undefined
    ? ''
    : `${f.ratio >= 10 ? f.ratio.toFixed(1) : f.ratio.toFixed(2)}×${f.ratioNote ? ` ${f.ratioNote}` : ''}`;

/** Prints the figures as a table and writes bench/results/<name>.json. */
export function report(r: Omit<BenchResult, 'date' | 'machine'>): BenchResult {
  const full: BenchResult = { ...r, date: new Date().toISOString(), machine: machine() };
  const t = new Table({
    head: ['measure', 'value', 'baseline (same run)', 'ratio', 'goal', 'met'],
    style: { head: [], border: [] },
    wordWrap: true,
    colWidths: [46, 18, 34, 15, 21, 5],
  });
  for (const f of r.figures)
    t.push([
      f.what,
      `${fmtNumber(f.value)} ${f.unit}`,
      f.baseline ? `${fmtNumber(f.baseline.value)} ${f.unit} (${f.baseline.what})` : '',
      fmtRatio(f),
      f.goal ?? '',
      f.met === undefined ? '' : f.met ? 'yes' : 'NO',
    ]);
  process.stdout.write(`\n== ${r.name} ==\n${t.toString()}\n`);
  const m = full.machine;
  process.stdout.write(
    `  machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, load average ${m.load1}\n`,
  );
  for (const n of r.notes) process.stdout.write(`  - ${n}\n`);
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, `${r.name}.json`), JSON.stringify(full, null, 2) + '\n');
  process.stdout.write(`  (written to ${path.relative(ROOT, path.join(RESULTS_DIR, `${r.name}.json`))})\n`);
  return full;
}

/** A temporary folder that `cleanup` removes. */
export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Milliseconds since an arbitrary origin, sub-millisecond. */
export const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

export const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
