// Compares Axon's GP fit with the reference's (scikit-learn, as bo_suite.py fits it) on the same data: the
// first N points of a run kept by bo-inprocess.ts --out. Prints both fits' length scales, signal and noise,
// and how well each posterior mean ranks 2,000 random points and 500 points near the incumbent (Spearman ρ
// with the true function), which is what the acquisition relies on.
//
//   node --import tsx bench/hpo/bo-fitcheck.ts FILE FN SEED N[,N...]
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { BO_TUNING, buildSpace, encode, PRIOR, warpOutputs } from '../../main/engine/sweeps/bo';
import { fitHyper, GaussianProcess, kernelSpec } from '../../main/engine/sweeps/gp';
import { Rng } from '../../shared/random';
import { HPO_DIR } from './common';
import { FUNCTIONS, type FnDesc, type P } from './bo-functions';

const [file, fn, seedS, ns] = process.argv.slice(2);
const runs = JSON.parse(fs.readFileSync(file, 'utf8')) as Array<{
  fn: string;
  seed: number;
  values: number[];
  params: P[];
}>;
const run = runs.find((r) => r.fn === fn && r.seed === Number(seedS));
if (!run) throw new Error(`no run ${fn} seed ${seedS} in ${file}`);
const described = JSON.parse(
  execFileSync('python3', [path.join(HPO_DIR, 'bo_suite.py'), '--describe'], { encoding: 'utf8' }),
) as Record<string, FnDesc>;
const d = described[fn];
const matrix = Object.fromEntries(
  d.params.map(([name, kind, a, b]) => [
    name,
    kind === 'float'
      ? { kind: 'uniform', low: a, high: b }
      : kind === 'log'
        ? { kind: 'loguniform', low: Math.log(a as number), high: Math.log(b as number) }
        : kind === 'int'
          ? { kind: 'range', start: a, stop: (b as number) + 1, step: 1 }
          : { kind: 'values', values: a },
  ]),
) as never;
const space = buildSpace(matrix);
const f = FUNCTIONS[fn];
const rng = new Rng(7);
const lowHigh = d.params.map(([, , a, b]) => [a as number, b as number]);
const toParams = (u: number[]): P =>
  Object.fromEntries(
    d.params.map(([name], j) => [name, lowHigh[j][0] + u[j] * (lowHigh[j][1] - lowHigh[j][0])]),
  );

function spearman(a: number[], b: number[]): number {
  const rank = (v: number[]) => {
    const o = v.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
    const r = new Array<number>(v.length);
    o.forEach(([, i], k) => (r[i] = k));
    return r;
  };
  const ra = rank(a);
  const rb = rank(b);
  const n = a.length;
  const m = (n - 1) / 2;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    num += (ra[i] - m) * (rb[i] - m);
    da += (ra[i] - m) ** 2;
    db += (rb[i] - m) ** 2;
  }
  return num / Math.sqrt(da * db);
}

for (const N of ns.split(',').map(Number)) {
  const X = run.params.slice(0, N).map((p) => encode(space, p)!);
  const yRaw = run.values.slice(0, N);
  const bestI = yRaw.indexOf(Math.min(...yRaw));
  const test = Array.from({ length: 2000 }, () => X[0].map(() => rng.next()));
  const near = Array.from({ length: 500 }, () =>
    X[bestI].map((v) => Math.min(1, Math.max(0, v + 0.05 * rng.normal()))),
  );
  const truth = (pts: number[][]) => pts.map((u) => f(toParams(u)));
  const tTest = truth(test);
  const tNear = truth(near);
  const std = (v: number[]) => {
    const m = v.reduce((s, x) => s + x, 0) / v.length;
    const sd = Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / v.length) || 1;
    return v.map((x) => (x - m) / sd);
  };
  const y = std(warpOutputs(yRaw, BO_TUNING.warpOutputs === 'auto' ? 'yj' : BO_TUNING.warpOutputs));
  const spec = kernelSpec('matern', 2.5);
  const t0 = performance.now();
  const hyper = fitHyper(spec, X, y, {
    initialLengthScale: 0.5,
    restarts: 4,
    rng: new Rng(1),
    prior: BO_TUNING.prior ? PRIOR : undefined,
    screen: 32,
    maxIter: BO_TUNING.fitIter,
  });
  const ms = performance.now() - t0;
  const gp = new GaussianProcess(spec, X, y, hyper);
  const ax = {
    ls: hyper.lengthScales.map((l) => +l.toPrecision(3)),
    signal: +hyper.signal.toPrecision(3),
    noise: +hyper.noise.toPrecision(3),
    rhoAll: +spearman(
      test.map((x) => gp.mean(x)),
      tTest,
    ).toFixed(3),
    rhoNear: +spearman(
      near.map((x) => gp.mean(x)),
      tNear,
    ).toFixed(3),
    ms: Math.round(ms),
  };
  const sk = JSON.parse(
    execFileSync('python3', [path.join(HPO_DIR, 'bo_fitcheck.py')], {
      input: JSON.stringify({ X, y: yRaw, test, near, tTest, tNear }),
      encoding: 'utf8',
    }),
  ) as Record<string, unknown>;
  console.log(`${fn} seed ${seedS} N=${N} best ${yRaw[bestI].toPrecision(4)}`);
  console.log('  axon', JSON.stringify(ax));
  console.log('  sk  ', JSON.stringify(sk));
}
