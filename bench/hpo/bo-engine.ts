// The BO suite through the engine: each (function, seed, concurrency) is a real group in an in-process
// Engine on the local backend, every trial a Python process (`bo_suite.py --trial`), as a user's sweep runs.
// Writes the runs in bo-suite.ts's format, so its tables come from
//
//   node --import tsx bench/hpo/bo-engine.ts [--fns a,b] [--seeds 10 | 3-5] [--trials 100] [--concurrency 1,4]
//        [--parallel 4] [--out bench/results/hpo-bo-engine.json]
//   node --import tsx bench/hpo/bo-suite.ts --cached-baselines --axon-from bench/results/hpo-bo-engine.json …
//
// At concurrency 1 the engine's values equal bo-inprocess.ts's for the same seed (the searcher is
// deterministic given the seed and the results); at 4 they depend on which trial ends first.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  createGroup,
  experimentsOf,
  fmt,
  groupEnd,
  HPO_DIR,
  log,
  nowMs,
  pool,
  python,
  RESULTS_DIR,
  startEngine,
} from './common';
import { groupText, type FnDesc } from './bo-functions';

const flags = new Map<string, string>();
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) flags.set(argv[i].replace(/^--/, ''), argv[i + 1]);
const seedArg = flags.get('seeds') ?? '10';
const [s0, s1] = seedArg.includes('-') ? seedArg.split('-').map(Number) : [1, Number(seedArg)];
const seeds = Array.from({ length: s1 - s0 + 1 }, (_, i) => s0 + i);
const trials = Number(flags.get('trials') ?? 100);
const concurrencies = (flags.get('concurrency') ?? '1,4').split(',').map(Number);
const parallel = Number(flags.get('parallel') ?? 4);
const out = flags.get('out') ?? path.join(RESULTS_DIR, 'hpo-bo-engine.json');
const py = python();
const described = JSON.parse(
  execFileSync(py, [path.join(HPO_DIR, 'bo_suite.py'), '--describe'], { encoding: 'utf8' }),
) as Record<string, FnDesc>;
const fnNames = (flags.get('fns') ?? Object.keys(described).join(',')).split(',');

const project = fs.mkdtempSync(path.join(os.tmpdir(), 'axon-bo-proj-'));
fs.copyFileSync(path.join(HPO_DIR, 'bo_suite.py'), path.join(project, 'bo_suite.py'));
const be = await startEngine();
const t0 = nowMs();
type Run = { fn: string; algo: string; seed: number; values: number[]; seconds: number };
const tasks: Array<() => Promise<Run>> = [];
for (const c of concurrencies)
  for (const seed of seeds)
    for (const fn of fnNames) {
      const d = described[fn];
      const cmd = `${py} -S bo_suite.py --trial ${fn} ${d.params.map(([n]) => `--${n} {{ ${n} }}`).join(' ')}`;
      tasks.push(async () => {
        const ts = nowMs();
        const id = await createGroup(be.engine, groupText(d, seed, trials, c, cmd), project);
        const g = await groupEnd(be.engine, id);
        const xs = await experimentsOf(be.engine, id);
        const values = xs.map((x) => (x.status === 'succeeded' ? (x.lastMetrics.loss ?? NaN) : NaN));
        const run = { fn, algo: `axon-bo c=${c}`, seed, values, seconds: (nowMs() - ts) / 1000 };
        log(
          `${fn} c=${c} seed ${seed}: ${g.status}, ${xs.length} trials, regret ${fmt(Math.min(...values.filter(Number.isFinite)) - d.optimum)}, ${run.seconds.toFixed(0)} s (elapsed ${((nowMs() - t0) / 1000).toFixed(0)} s)`,
        );
        return run;
      });
    }
const runs: Run[] = [];
try {
  // Each finished run is written at once: a run cut short keeps what it has.
  await pool(
    tasks.map((task) => async () => {
      const r = await task();
      runs.push(r);
      fs.writeFileSync(out, JSON.stringify({ trials, runs }, null, 1));
      return r;
    }),
    parallel,
  );
} finally {
  await be.close();
  fs.rmSync(project, { recursive: true, force: true });
}
log(`${runs.length} sweeps in ${((nowMs() - t0) / 1000).toFixed(0)} s → ${out}`);
