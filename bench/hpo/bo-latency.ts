// One BO suggestion's CPU time at a given number of results, on real trajectories kept by
// `bo-inprocess.ts --out FILE`, with the current tuning and, for comparison in the same process, another
// (`--vs k=v,...`, e.g. the settings before issue #15 §2). Minimum and median of R repetitions: on a shared
// machine the minimum is the closest to the quiet cost.
//
//   node --import tsx bench/hpo/bo-latency.ts FILE [--at 50,99] [--reps 5] [--vs warpOutputs=yj,fitProbe=0]
import fs from 'node:fs';
import { BO_TUNING, suggestBo, type BoConfig } from '../../main/engine/sweeps/bo';
import type { MatrixValue } from '../../shared/polyaxonfile';
import { Rng } from '../../shared/random';
import { median } from './common';
import { searchSpec, type P } from './bo-functions';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { HPO_DIR } from './common';

const [file, ...rest] = process.argv.slice(2);
const flags = new Map<string, string>();
for (let i = 0; i < rest.length; i += 2) flags.set(rest[i].replace(/^--/, ''), rest[i + 1]);
const at = (flags.get('at') ?? '50,99').split(',').map(Number);
const reps = Number(flags.get('reps') ?? 5);
const runs = JSON.parse(fs.readFileSync(file, 'utf8')) as Array<{
  fn: string;
  seed: number;
  values: number[];
  params: P[];
}>;
const described = JSON.parse(
  execFileSync('python3', [path.join(HPO_DIR, 'bo_suite.py'), '--describe'], { encoding: 'utf8' }),
);
const current = { ...BO_TUNING };
const other: Record<string, unknown> = { ...BO_TUNING };
for (const kv of (flags.get('vs') ?? '').split(',').filter(Boolean)) {
  const [k, val] = kv.split('=');
  const cur = (BO_TUNING as Record<string, unknown>)[k];
  other[k] = typeof cur === 'boolean' ? val === 'true' : typeof cur === 'number' ? Number(val) : val;
}
const seenFn = new Set<string>();
for (const r of runs) {
  if (seenFn.has(r.fn)) continue; // one trajectory per function
  seenFn.add(r.fn);
  const spec = searchSpec(described[r.fn], r.seed, 100, 1);
  const matrix = spec.matrix as Record<string, MatrixValue>;
  const cfg = spec.bo as BoConfig;
  for (const n of at) {
    const obs = r.params.slice(0, n).map((params, i) => ({
      params,
      value: r.values[i],
      state: 'complete' as const,
    }));
    const time = (tuning: Record<string, unknown>) => {
      Object.assign(BO_TUNING, tuning);
      const ms: number[] = [];
      for (let k = 0; k < reps; k++) {
        const t0 = performance.now();
        suggestBo(matrix, obs, new Rng(k), cfg);
        ms.push(performance.now() - t0);
      }
      return `min ${Math.min(...ms).toFixed(0)} / median ${median(ms).toFixed(0)} ms`;
    };
    const a = time(current);
    const b = flags.has('vs') ? `; --vs: ${time(other)}` : '';
    console.log(`${r.fn} at ${n} results: ${a}${b}`);
  }
}
Object.assign(BO_TUNING, current);
