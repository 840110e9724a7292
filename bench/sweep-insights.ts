// The sweep page's two reads on a real store: a group of 200 finished trials × 1,000 steps of `loss`.
// groups.metricCurves (every trial's curve in one call, 300 buckets on a shared grid) against the baseline
// of one experiments.metricSeries-style read per trial (store.metrics.downsampled, 300 points, 200 calls);
// and groups.importance (the random forest on 200 trials × 4 params).
//
//   nice -n 19 node --import tsx bench/sweep-insights.ts [TRIALS] [STEPS] [--ui]
// With --ui, instead: the sweep page in Chromium on that store (see measurePage).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Store } from '../main/engine/store';
import { groupImportance, groupMetricCurves } from '../main/engine/sweeps/insights';
import { parsePolyaxonfiles } from '../shared/polyaxonfile';
import { Rng } from '../shared/random';
import { startServe } from '../test/helpers';
import { chromiumMissing, ensureRendererBuild, launch } from '../test/e2e/browser';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const TRIALS = Number(args[0] ?? 200);
const STEPS = Number(args[1] ?? 1000);
const REPEAT = 5;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** Median wall time, and median CPU time of the process (the engine thread and sqlite3's worker), which
 * other work on a shared machine skews less than wall time. */
async function time(fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { wall: median(wall), cpu: median(cpu) };
}
const ms = (t: { wall: number; cpu: number }) => `${t.wall.toFixed(0)} ms (CPU ${t.cpu.toFixed(0)} ms)`;

/**
 * `--ui`: the sweep page in Chromium on this store (`axon serve`), median of 3 fresh pages: navigation → the
 * ranked table's first row (the page without the new panels, as a baseline), → the curves panel drawn with
 * every trial (the uPlot chart's tick labels written), and → the importance bars.
 */
async function measurePage(home: string, groupId: number) {
  const served = await startServe(home);
  const browser = await launch();
  try {
    const token = (JSON.parse(fs.readFileSync(path.join(home, 'engine.json'), 'utf8')) as { token: string })
      .token;
    const curves: number[] = [];
    const bars: number[] = [];
    const table: number[] = [];
    for (let round = 0; round < 3; round++) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const t0 = performance.now();
      await page.goto(`${served.url}/?token=${token}#/groups/${groupId}`);
      await page.getByRole('grid', { name: 'Ranked experiments' }).locator('[aria-rowindex="2"]').waitFor();
      table.push(performance.now() - t0);
      await page
        .locator(`.curves-plot[data-curves="${TRIALS}"] .chart[data-ticks]`)
        .waitFor({ timeout: 120_000 });
      curves.push(performance.now() - t0);
      await page.locator('.importance-bars li').first().waitFor({ timeout: 120_000 });
      bars.push(performance.now() - t0);
      await page.close();
    }
    console.log(
      `sweep page, ${TRIALS} trials × ${STEPS} steps: navigation → the ranked table's first row ${median(table).toFixed(0)} ms, → curves drawn ${median(curves).toFixed(0)} ms, ` +
        `→ importance bars ${median(bars).toFixed(0)} ms (median of 3; load average ${os.loadavg()[0].toFixed(2)})`,
    );
  } finally {
    await browser.close();
    await served.stop();
  }
}

const UI = process.argv.includes('--ui');
if (UI && chromiumMissing()) throw new Error(chromiumMissing()!);
if (UI && ensureRendererBuild()) throw new Error(ensureRendererBuild()!);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'axon-bench-sweep-'));
const store = await Store.open(path.join(dir, 'axon.db'));
try {
  const parsed = parsePolyaxonfiles([
    {
      name: 'p.yml',
      text: [
        'version: 1',
        'kind: group',
        'hptuning:',
        `  random_search: {n_experiments: ${TRIALS}}`,
        '  metric: {name: loss, optimization: minimize}',
        '  matrix:',
        '    x1: {uniform: 0:1}',
        '    x2: {uniform: 0:1}',
        '    lr: {loguniform: -9:-2}',
        '    opt: {values: [adam, sgd]}',
        'run:',
        '  cmd: "true"',
      ].join('\n'),
    },
  ]);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const project = await store.projects.create('bench', '', dir);
  const groupId = await store.db.transaction(() =>
    store.groups.insert({
      projectId: project.id,
      name: null,
      search: parsed.value.hptuning!,
      spec: {},
      codePath: dir,
      code: null,
      state: {},
      backend: 'local',
    }),
  );
  const rng = new Rng(1);
  const t0 = performance.now();
  for (let i = 0; i < TRIALS; i++) {
    const params = {
      x1: rng.next(),
      x2: rng.next(),
      lr: Math.exp(rng.uniform(-9, -2)),
      opt: rng.int(2) ? 'sgd' : 'adam',
    };
    const base = 3 * params.x1 + 0.3 * params.x2;
    await store.db.transaction(async () => {
      const id = await store.experiments.insert({
        projectId: project.id,
        groupId,
        name: null,
        backend: 'local',
        cmd: 'true',
        spec: {},
        params,
        tags: [],
        codePath: dir,
      });
      const points = Array.from({ length: STEPS }, (_, s) => [
        s + 1,
        base + 1 / (s + 1) + 0.01 * rng.normal(),
      ]);
      await store.db.run(
        `INSERT INTO metrics (experiment_id, key, step, ts, value)
         SELECT ?, 'loss', value ->> 0, 0, value ->> 1 FROM json_each(?)`,
        [id, JSON.stringify(points)],
      );
      await store.db.run(
        `INSERT INTO last_metrics (experiment_id, key, step, value) VALUES (?, 'loss', ?, ?)`,
        [id, STEPS, points[STEPS - 1][1]],
      );
      await store.db.run(`UPDATE experiments SET status = 'succeeded' WHERE id = ?`, [id]);
    });
  }
  console.log(
    `setup: ${TRIALS} trials × ${STEPS} steps in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  // A finished search: an engine serving this home has nothing to start.
  await store.db.run(`UPDATE experiment_groups SET status = 'done' WHERE id = ?`, [groupId]);
  if (UI) {
    await store.close();
    await measurePage(dir, groupId);
  }

  if (UI) {
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  }
  const ids = (await store.experiments.list({ groupId, limit: 1_000_000 })).map((x) => x.id);
  const curves = await groupMetricCurves(store, groupId, 'loss', 300);
  if (curves.curves.length !== TRIALS)
    throw new Error(`expected ${TRIALS} curves, got ${curves.curves.length}`);
  const batch = await time(() => groupMetricCurves(store, groupId, 'loss', 300));
  const perTrial = await time(() =>
    Promise.all(ids.map((id) => store.metrics.downsampled(id, ['loss'], 300))),
  );
  const bytes = JSON.stringify(curves).length;
  const importance = await time(() => groupImportance(store, groupId));
  const imp = await groupImportance(store, groupId);
  console.log(
    [
      `groups.metricCurves (one call, ${curves.steps.length} points × ${TRIALS} curves, ${(bytes / 1024).toFixed(0)} KiB JSON): ${ms(batch)}`,
      `one metricSeries read per trial (${TRIALS} reads, 300 points each): ${ms(perTrial)}; ${(perTrial.wall / batch.wall).toFixed(2)}× the batch's wall time, ${(perTrial.cpu / batch.cpu).toFixed(2)}× its CPU`,
      `groups.importance (${imp.used} trials, ${imp.params.length} params): ${ms(importance)}; order ${imp.params.map((p) => `${p.name} ${(p.importance * 100).toFixed(0)}%`).join(', ')}, R² ${imp.fit?.toFixed(3)}`,
      `median of ${REPEAT}; load average ${os.loadavg()[0].toFixed(2)} on ${os.cpus().length} CPUs`,
    ].join('\n'),
  );
} finally {
  if (!UI) await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
