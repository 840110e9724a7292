// Multi-fidelity: Hyperband and ASHA against random search on a synthetic learning curve
// (objectives.py: loss(x, r) = f(x) + c/r + noise·z/√r, z from a seeded hash), as real sweeps through the
// engine. Cost = the sum of the resource param (epochs) over the experiments, in creation order; at each
// budget checkpoint: the best observed loss so far, and the true regret f(x̂) − f* of the incumbent x̂ (the
// experiment with the best observed loss), which is what a user picking the winner would get.
import fs from 'node:fs';
import { hyperbandPlan } from '../../main/engine/sweeps/hyperband';
import {
  createGroup,
  describeFunctions,
  experimentsOf,
  fmtS,
  groupEnd,
  log,
  median,
  nowMs,
  objectiveProject,
  pool,
  printTable,
  python,
  startEngine,
  trialCmd,
  uniformMatrix,
  writeResult,
  type FnInfo,
} from './common';

export interface FidelityOptions {
  seeds: number;
  parallel: number;
  fns: string[];
  quick: boolean;
}

const ALGOS = ['random', 'hyperband', 'asha'] as const;
type Algo = (typeof ALGOS)[number];
const ETA = 3;

interface Point {
  resource: number;
  loss: number;
  trueLoss: number;
}

interface Run {
  fn: string;
  algo: Algo;
  seed: number;
  points: Point[];
  failed: number;
  wallMs: number;
}

/** The number of rungs 1, η, η², … up to R (integer steps, as asha.ts counts them). */
function rungCount(maxResource: number): number {
  let n = 1;
  for (let r = 1; r < maxResource * (1 - 1e-12); r *= ETA) n++;
  return n;
}

function groupFile(
  py: string,
  fn: string,
  info: FnInfo,
  algo: Algo,
  seed: number,
  o: { maxResource: number; nRandom: number; nAsha: number },
): string {
  const metric = 'metric: {name: loss, optimization: minimize}';
  const block = {
    random: [`  random_search: {n_experiments: ${o.nRandom}}`, `  ${metric}`],
    hyperband: [
      `  hyperband: {max_iter: ${o.maxResource}, eta: ${ETA}, resource: {name: epochs, type: int}, ${metric}}`,
    ],
    asha: [
      '  asha:',
      '    resource: {name: epochs, type: int}',
      '    min_resource: 1',
      `    max_resource: ${o.maxResource}`,
      `    reduction_factor: ${ETA}`,
      `    n_experiments: ${o.nAsha}`,
      `    ${metric}`,
    ],
  }[algo];
  return [
    'version: 1',
    'kind: group',
    `name: curve-${fn}-${algo}-${seed}`,
    'declarations:',
    `  epochs: ${o.maxResource}`,
    'hptuning:',
    '  concurrency: 1',
    `  seed: ${seed}`,
    ...block,
    uniformMatrix(info),
    'run:',
    `  cmd: ${trialCmd(py, fn, info, ` --epochs {{ epochs }} --noise-seed ${seed}`)}`,
  ].join('\n');
}

/** At total resource `budget` (creation order): the best observed loss and the incumbent's true regret. */
export function atBudget(points: Point[], budget: number, optimum: number): { best: number; regret: number } {
  let spent = 0;
  let best: Point | null = null;
  for (const p of points) {
    spent += p.resource;
    if (spent > budget) break;
    if (Number.isFinite(p.loss) && (!best || p.loss < best.loss)) best = p;
  }
  return best
    ? { best: best.loss, regret: Math.max(0, best.trueLoss - optimum) }
    : { best: NaN, regret: NaN };
}

export async function runFidelity(o: FidelityOptions): Promise<void> {
  const t0 = nowMs();
  const py = python();
  const { fns, curve } = describeFunctions(py);
  const maxResource = o.quick ? 27 : 81;
  const plan = hyperbandPlan(maxResource, ETA);
  const hbBudget = plan.reduce(
    (s, b) => s + b.rounds.reduce((t, r) => t + r.n * Math.trunc(r.resource), 0),
    0,
  );
  const hbExperiments = plan.reduce((s, b) => s + b.rounds.reduce((t, r) => t + r.n, 0), 0);
  // Budgets comparable with one full Hyperband run: random at full resource, ASHA with enough configurations
  // for each of its rungs to cost about as much as the others.
  const nRandom = Math.ceil(hbBudget / maxResource);
  const nAsha = Math.ceil(hbBudget / rungCount(maxResource));
  const checkpoints = [1 / 8, 1 / 4, 1 / 2, 1].map((f) => Math.round(hbBudget * f));
  const seeds = Array.from({ length: o.seeds }, (_, i) => i + 1);
  const settings = { maxResource, eta: ETA, hbBudget, hbExperiments, nRandom, nAsha, curve };
  log(
    `fidelity: ${o.fns.join(', ')}, R=${maxResource}, η=${ETA}: hyperband ${hbExperiments} experiments / ${hbBudget} epochs; random ${nRandom} × ${maxResource}; asha ${nAsha} configurations; ${o.seeds} seeds`,
  );

  const project = objectiveProject();
  const be = await startEngine();
  const tAxon = nowMs();
  let done = 0;
  const tasks: Array<() => Promise<Run>> = [];
  for (const algo of ['asha', 'hyperband', 'random'] as const)
    for (const fn of o.fns)
      for (const seed of seeds)
        tasks.push(async () => {
          const ts = nowMs();
          const text = groupFile(py, fn, fns[fn], algo, seed, { maxResource, nRandom, nAsha });
          const id = await createGroup(be.engine, text, project);
          const g = await groupEnd(be.engine, id);
          const xs = await experimentsOf(be.engine, id);
          const points = xs.map((x) => ({
            resource: Number(x.params.epochs),
            loss: x.status === 'succeeded' ? (x.lastMetrics.loss ?? NaN) : NaN,
            trueLoss: x.lastMetrics.true_loss ?? NaN,
          }));
          done++;
          log(
            `${done}/${tasks.length} ${fn} ${algo} seed ${seed}: ${g.status}, ${xs.length} experiments, ${points.reduce(
              (s, p) => s + p.resource,
              0,
            )} epochs, ${fmtS(nowMs() - ts)} (elapsed ${fmtS(nowMs() - tAxon)})`,
          );
          const failed = xs.filter((x) => x.status !== 'succeeded').length;
          return { fn, algo, seed, points, failed, wallMs: nowMs() - ts };
        });
  let runs: Run[];
  try {
    runs = await pool(tasks, o.parallel);
  } finally {
    await be.close();
    fs.rmSync(project, { recursive: true, force: true });
  }
  const axonMs = nowMs() - tAxon;

  const summary: Record<string, Record<string, unknown>> = {};
  for (const fn of o.fns) {
    const info = fns[fn];
    summary[fn] = {};
    const bestRows: Array<Array<string | number>> = [];
    const regretRows: Array<Array<string | number>> = [];
    const costRows: Array<Array<string | number>> = [];
    for (const algo of ALGOS) {
      const rs = runs.filter((r) => r.fn === fn && r.algo === algo);
      const at = checkpoints.map((b) => rs.map((r) => atBudget(r.points, b, info.optimum)));
      const best = at.map((xs) => median(xs.map((x) => x.best)));
      const regret = at.map((xs) => median(xs.map((x) => x.regret)));
      const spent = rs.map((r) => r.points.reduce((s, p) => s + p.resource, 0));
      bestRows.push([algo, ...best]);
      regretRows.push([algo, ...regret]);
      costRows.push([
        algo,
        median(rs.map((r) => r.points.length)),
        median(spent),
        rs.reduce((s, r) => s + r.failed, 0),
        fmtS(median(rs.map((r) => r.wallMs))),
      ]);
      summary[fn][algo] = {
        runs: rs.length,
        medianBestLoss: Object.fromEntries(checkpoints.map((b, i) => [b, best[i]])),
        medianIncumbentRegret: Object.fromEntries(checkpoints.map((b, i) => [b, regret[i]])),
        medianExperiments: median(rs.map((r) => r.points.length)),
        medianResourceSpent: median(spent),
      };
    }
    const head = ['algorithm', ...checkpoints.map((b) => `≤ ${b} epochs`)];
    const what = `${fn} curve, loss = f(x) + ${curve.c}/r + ${curve.noise}·z/√r, r ≤ ${maxResource}; median over ${o.seeds} seeds`;
    printTable(`${what}: best observed loss by total resource spent`, head, bestRows);
    printTable(
      `${what}: true regret f(x̂) − f* (f* = ${info.optimum}) of the incumbent x̂ (best observed loss)`,
      head,
      regretRows,
    );
    printTable(
      `${what}: cost`,
      ['algorithm', 'experiments', 'epochs spent', 'failed', 'time / sweep'],
      costRows,
    );
  }
  const notes = [
    `R = ${maxResource}, η = ${ETA}, concurrency 1, resume off (a promoted config trains from scratch and its full resource counts). Hyperband: one full run (${hbExperiments} experiments, ${hbBudget} epochs); random: ${nRandom} experiments at r = ${maxResource}; ASHA: ${nAsha} configurations, min_resource 1.`,
    `${runs.reduce((s, r) => s + r.points.length, 0)} experiments in ${fmtS(axonMs)} with ${o.parallel} groups at once in one engine. Total ${fmtS(nowMs() - t0)}.`,
  ];
  for (const n of notes) process.stdout.write(`  - ${n}\n`);
  writeResult('fidelity', {
    params: { ...o, ...settings, checkpoints, python: py },
    timings: { axonMs, totalMs: nowMs() - t0 },
    summary,
    notes,
    runs: runs.map((r) => ({ ...r, points: r.points.map((p) => [p.resource, p.loss, p.trueLoss]) })),
  });
}
