// Axon's BO searcher alone on the bo-suite functions (no engine, no processes, no baselines run): the quick
// loop for tuning BO. Each seed is the engine's exact sequence at concurrency 1 (the searcher is deterministic
// given the seed); the GP-EI reference is read from whatever bo_suite.py has cached in bench/results/bo-ref.
//
//   node --import tsx bench/hpo/bo-inprocess.ts [--fns levy4,hartmann3] [--seeds 5 | 3-7] [--trials 100]
//        [--concurrency 1] [--set key=value,...] [--shard i/n] [--out FILE]
//
// --set     BO_TUNING entries (bo.ts), e.g. --set batch=cl-mean,fitIter=80
// --shard   runs only the seeds s with s % n == i (several processes side by side); --out keeps every run's
//           params and values, for a later fit comparison (bo-fitcheck.py).
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { BO_TUNING } from '../../main/engine/sweeps/bo';
import { fmt, HPO_DIR, median, quantile, RESULTS_DIR } from './common';
import { regretAt, trialsToTarget } from './quality';
import { FUNCTIONS, runAxon, type FnDesc } from './bo-functions';

const flags = new Map<string, string>();
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  if (!argv[i].startsWith('--')) throw new Error(`unexpected ${argv[i]}: flags are --name value`);
  flags.set(argv[i].slice(2), argv[i + 1]);
}
const seedArg = flags.get('seeds') ?? '5';
const [s0, s1] = seedArg.includes('-') ? seedArg.split('-').map(Number) : [1, Number(seedArg)];
let seeds = Array.from({ length: s1 - s0 + 1 }, (_, i) => s0 + i);
const shard = flags.get('shard');
if (shard) {
  const [i, n] = shard.split('/').map(Number);
  seeds = seeds.filter((s) => s % n === i);
}
const trials = Number(flags.get('trials') ?? 100);
const concurrency = Number(flags.get('concurrency') ?? 1);
for (const kv of (flags.get('set') ?? '').split(',').filter(Boolean)) {
  const [k, val] = kv.split('=');
  if (!(k in BO_TUNING)) throw new Error(`unknown tuning ${k}; known: ${Object.keys(BO_TUNING).join(', ')}`);
  const cur = (BO_TUNING as Record<string, unknown>)[k];
  (BO_TUNING as Record<string, unknown>)[k] =
    typeof cur === 'boolean' ? val === 'true' : typeof cur === 'number' ? Number(val) : val;
}
const described = JSON.parse(
  execFileSync('python3', [path.join(HPO_DIR, 'bo_suite.py'), '--describe'], { encoding: 'utf8' }),
) as Record<string, FnDesc>;
const fnNames = (flags.get('fns') ?? 'levy4,styblinski4,hartmann3,michalewicz5').split(',');
for (const f of fnNames) if (!FUNCTIONS[f]) throw new Error(`unknown function ${f}`);

const dump: unknown[] = [];
const lat: number[] = [];
const late: number[] = [];
for (const fn of fnNames) {
  const d = described[fn];
  const mine: Array<{ seed: number; ttt: number; r: number }> = [];
  for (const seed of seeds) {
    const t0 = performance.now();
    const run = runAxon(fn, d, seed, trials, concurrency);
    for (const s of run.steps) (s.n >= 90 ? late : lat).push(s.ms);
    const ttt = trialsToTarget(run.values, d.optimum, d.target);
    const r = regretAt(run.values, trials, d.optimum);
    mine.push({ seed, ttt, r });
    dump.push({ fn, seed, concurrency, values: run.values, params: run.params });
    process.stderr.write(
      `${fn} s${seed}: ttt ${Number.isFinite(ttt) ? ttt : '>' + trials}, regret ${fmt(r)} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`,
    );
  }
  const refs = seeds
    .map((seed) => path.join(RESULTS_DIR, 'bo-ref', `gpei-${fn}-${seed}-${trials}.json`))
    .filter((f) => fs.existsSync(f))
    .map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as { seed: number; values: number[] });
  const refOf = new Map(refs.map((r) => [r.seed, r.values]));
  const both = mine.filter((m) => refOf.has(m.seed));
  const refT = both.map((m) => trialsToTarget(refOf.get(m.seed)!, d.optimum, d.target));
  const refR = both.map((m) => regretAt(refOf.get(m.seed)!, trials, d.optimum));
  console.log(
    `${fn} c=${concurrency}: axon ttt ${fmt(median(mine.map((m) => m.ttt)))} regret ${fmt(median(mine.map((m) => m.r)))}` +
      ` reached ${mine.filter((m) => Number.isFinite(m.ttt)).length}/${mine.length}` +
      (both.length
        ? ` | on the ${both.length} ref seeds: axon ${fmt(median(both.map((m) => m.ttt)))} / ${fmt(median(both.map((m) => m.r)))}` +
          ` vs ref ${fmt(median(refT))} / ${fmt(median(refR))}`
        : ''),
  );
}
if (lat.length || late.length)
  console.log(
    `latency ms: median ${fmt(median(lat))} (10–89 results), ≥ 90: median ${fmt(median(late))} p95 ${fmt(quantile(late, 0.95))}`,
  );
const out = flags.get('out');
if (out) fs.writeFileSync(out, JSON.stringify(dump));
