// Compares kept BO runs (bo-inprocess.ts --out dumps) seed by seed: trials to target per configuration, the
// ratio of medians to a baseline, and how sure that ratio is (a 95% bootstrap interval over the seeds, the
// seeds resampled in pairs so that each keeps its own baseline). Twelve seeds of integer trial counts give
// medians that move by several trials between seed sets; the interval says how far.
//
//   node --import tsx bench/hpo/bo-compare.ts --base c1.json,c1-more.json --vs f16=a.json,b.json \
//        [--vs f64=c.json] [--fns camel2,goldstein2] [--trials 70] [--suite-algo 'axon-bo c=4']
//
// Reads bo-inprocess.ts --out dumps, bo-suite/bo-engine result files (their `axon-bo c=1` runs, or
// --suite-algo's) and the cached baseline runs. A run (function, seed) found in several of one configuration's files counts from the first. --trials cuts
// every run at that many trials (runs kept with fewer count as not reached after their last).
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fmt, HPO_DIR, median, quantile } from './common';
import { trialsToTarget } from './quality';
import type { FnDesc } from './bo-functions';
import { Rng } from '../../shared/random';

interface Dump {
  fn: string;
  seed: number;
  values: number[];
  /** bo-suite's and bo-engine's files ({runs}) name the algorithm; only Axon's BO runs count. */
  algo?: string;
}

const argv = process.argv.slice(2);
const configs: Array<{ name: string; files: string[] }> = [];
let fnFilter: string[] | null = null;
let cut = Infinity;
// A suite file holds Axon at every concurrency it ran: only this algorithm's runs are read from one.
let suiteAlgo = 'axon-bo c=1';
for (let i = 0; i < argv.length; i += 2) {
  const [flag, val] = [argv[i], argv[i + 1]];
  if (val === undefined) throw new Error(`${flag} needs a value`);
  if (flag === '--base') configs.unshift({ name: 'base', files: val.split(',') });
  else if (flag === '--vs') {
    const [name, files] = val.includes('=') ? val.split('=') : [`vs${configs.length}`, val];
    configs.push({ name, files: files.split(',') });
  } else if (flag === '--fns') fnFilter = val.split(',');
  else if (flag === '--trials') cut = Number(val);
  else if (flag === '--suite-algo') suiteAlgo = val;
  else throw new Error(`unknown flag ${flag}; known: --base --vs --fns --trials --suite-algo`);
}
if (configs[0]?.name !== 'base' || configs.length < 2)
  throw new Error('give --base FILES and at least one --vs FILES');

const described = JSON.parse(
  execFileSync('python3', [path.join(HPO_DIR, 'bo_suite.py'), '--describe'], { encoding: 'utf8' }),
) as Record<string, FnDesc>;

/** (fn → seed → trials to target) for one configuration. */
function load(files: string[]): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (const f of files) {
    const kept = JSON.parse(fs.readFileSync(f, 'utf8')) as Dump[] | { runs: Dump[] } | Dump;
    const list = Array.isArray(kept)
      ? kept
      : 'runs' in kept
        ? kept.runs.filter((r) => r.algo === suiteAlgo)
        : [kept]; // one cached baseline run (bench/results/bo-ref/)
    for (const d of list) {
      const desc = described[d.fn];
      if (!desc) throw new Error(`${f}: unknown function ${d.fn}`);
      const bySeed = out.get(d.fn) ?? new Map<number, number>();
      out.set(d.fn, bySeed);
      if (bySeed.has(d.seed)) continue;
      const values = d.values.slice(0, cut);
      bySeed.set(d.seed, trialsToTarget(values, desc.optimum, desc.target));
    }
  }
  return out;
}

const loaded = configs.map((c) => ({ ...c, runs: load(c.files) }));
const base = loaded[0];
const rng = new Rng('bo-compare');
const B = 2000;
for (const fn of [...base.runs.keys()].filter((f) => !fnFilter || fnFilter.includes(f))) {
  for (const other of loaded.slice(1)) {
    const theirs = other.runs.get(fn);
    if (!theirs) continue;
    const seeds = [...base.runs.get(fn)!.keys()].filter((s) => theirs.has(s)).sort((a, b) => a - b);
    if (!seeds.length) continue;
    const a = seeds.map((s) => base.runs.get(fn)!.get(s)!);
    const b = seeds.map((s) => theirs.get(s)!);
    const ratio = median(b) / median(a);
    const boots: number[] = [];
    for (let k = 0; k < B; k++) {
      const pick = seeds.map(() => rng.int(seeds.length));
      boots.push(median(pick.map((i) => b[i])) / median(pick.map((i) => a[i])));
    }
    const finite = (xs: number[]) => xs.filter(Number.isFinite);
    const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
    const reached = (xs: number[]) => `${finite(xs).length}/${xs.length}`;
    console.log(
      `${fn.padEnd(12)} ${other.name.padEnd(8)} ${seeds.length} seeds (${seeds[0]}–${seeds[seeds.length - 1]}): ` +
        `median ${fmt(median(a))} → ${fmt(median(b))} = ${fmt(ratio)}× [95% ${fmt(quantile(boots, 0.025))}–${fmt(quantile(boots, 0.975))}]` +
        `, mean of reached ${fmt(mean(finite(a)))} → ${fmt(mean(finite(b)))}, reached ${reached(a)} → ${reached(b)}`,
    );
  }
}
