// The dashboard at scale, in Debian's Chromium: a store with 10,000 experiments (params and a last metric
// each) and one experiment with a 1,000,000-point metric and a 200,000-line log, written with the engine's
// Store API, then `axon serve` on it. Times to first render (median of ROUNDS fresh pages):
//   - the project page: navigation to the first row of the virtualised experiments table (cold: the bundle,
//     experiments.list of 10,000, sorting, rendering); then sorting by a metric column (click → first row
//     changes);
//   - the metric chart: navigation to the experiment's Metrics tab → the uPlot canvas of the metric
//     (experiments.metricSeries downsamples the million points to 2,000 buckets in the engine);
//   - the log viewer: navigation to the Logs tab → the last line shown.
// Baselines in the same run, over HTTP from Node: the API calls alone (experiments.list of 10,000;
// metricSeries; and the full 1,000,000-point series, which an un-downsampled chart would have to fetch).
// Figures only, no assertions. Run: `npm run bench:ui`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { Store } from '../main/engine/store';
import { startServe, type Served } from '../test/helpers';
import { chromiumMissing, ensureRendererBuild, launch } from '../test/e2e/browser';
import { log, median, nowMs, removeDir, report, tmpDir, type BenchResult, type Figure } from './lib';

const EXPERIMENTS = Number(process.env.AXON_BENCH_UI_EXPERIMENTS ?? 10_000);
const POINTS = Number(process.env.AXON_BENCH_UI_POINTS ?? 1_000_000);
const LOG_LINES = Number(process.env.AXON_BENCH_UI_LOG_LINES ?? 200_000);
const ROUNDS = Number(process.env.AXON_BENCH_UI_ROUNDS ?? 3);
const PROJECT = 'scale';

async function seed(home: string): Promise<{ bigId: number }> {
  const store = await Store.open(path.join(home, 'axon.db'));
  try {
    const project = await store.projects.create(PROJECT, 'ui-scale benchmark', home);
    const t0 = nowMs();
    let bigId = 0;
    await store.db.transaction(async () => {
      for (let i = 0; i < EXPERIMENTS; i++) {
        const id = await store.experiments.insert({
          projectId: project.id,
          groupId: null,
          name: `run-${i}`,
          backend: 'local',
          cmd: `python3 train.py --lr=${(i % 100) / 1000}`,
          spec: {},
          params: { lr: (i % 100) / 1000, layers: 2 + (i % 4), optimizer: i % 2 ? 'adam' : 'sgd' },
          tags: [],
          codePath: home,
        });
        await store.db.run('INSERT INTO last_metrics (experiment_id, key, step, value) VALUES (?, ?, ?, ?)', [
          id,
          'loss',
          100,
          Math.abs(Math.sin(i)) + 0.01,
        ]);
        bigId = id;
      }
      // Finished runs: an engine starting on this store has nothing to launch or re-attach.
      await store.db.run(
        `UPDATE experiments SET status = 'succeeded', started_at = created_at, finished_at = created_at, exit_code = 0`,
      );
    });
    log(`${EXPERIMENTS} experiments in ${((nowMs() - t0) / 1000).toFixed(1)} s`);

    const runDir = path.join(home, 'runs', String(bigId));
    fs.mkdirSync(path.join(runDir, 'logs'), { recursive: true });
    const logPath = path.join(runDir, 'logs', 'master-0.log');
    const lines: string[] = [];
    for (let i = 0; i < LOG_LINES; i++)
      lines.push(
        i % 10 === 0
          ? `\x1b[32mepoch ${i / 10}\x1b[0m step ${i} loss=${(1 / (i + 1)).toFixed(6)}`
          : `step ${i} loss=${(1 / (i + 1)).toFixed(6)}`,
      );
    fs.writeFileSync(logPath, lines.join('\n') + '\nlast line of the log\n');
    const jobId = await store.db.transaction(() => store.jobs.insert(bigId, 'master', 0, logPath));

    const t1 = nowMs();
    const BATCH = 100_000;
    for (let s = 0; s < POINTS; s += BATCH) {
      const points = [];
      for (let step = s; step < Math.min(POINTS, s + BATCH); step++)
        points.push({
          key: 'loss',
          step,
          ts: 1_700_000_000 + step / 100,
          value: 1 / (1 + step / 1000) + Math.random() * 0.05,
        });
      await store.metrics.ingest({
        experimentId: bigId,
        jobId,
        points,
        params: {},
        tags: [],
        consumed: 0,
        malformed: 0,
      });
    }
    log(`${POINTS.toLocaleString()} metric points in ${((nowMs() - t1) / 1000).toFixed(1)} s`);
    return { bigId };
  } finally {
    await store.close();
  }
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = nowMs();
  await fn();
  return nowMs() - t;
}

async function freshPage(served: Served, token: string): Promise<{ page: Page; close(): Promise<void> }> {
  const browser = await launch();
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  // Load the app once (bundle in the HTTP cache is not what is measured: each round is a new browser).
  await page.goto(`${served.url}/?token=${token}#/settings`);
  await page.getByRole('heading', { name: 'Settings' }).waitFor();
  return { page, close: () => browser.close() };
}

export async function run(): Promise<BenchResult | null> {
  const missing = chromiumMissing() ?? ensureRendererBuild();
  if (missing) {
    log(`ui-scale skipped: ${missing}`);
    return null;
  }
  const home = tmpDir('axon-bench-ui-');
  let served: Served | null = null;
  try {
    const { bigId } = await seed(home);
    served = await startServe(home);
    const token = (JSON.parse(fs.readFileSync(path.join(home, 'engine.json'), 'utf8')) as { token: string })
      .token;
    const client = served.client;

    const api = { list: [] as number[], series: [] as number[], full: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      api.list.push(await timed(() => client.call('experiments.list', { project: PROJECT, limit: 100_000 })));
      api.series.push(
        await timed(() => client.call('experiments.metricSeries', { id: bigId, maxPoints: 2000 })),
      );
      api.full.push(await timed(() => client.call('experiments.metrics', { id: bigId })));
    }

    const ui = { table: [] as number[], sort: [] as number[], chart: [] as number[], logs: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      const { page, close } = await freshPage(served, token);
      try {
        ui.table.push(
          await timed(async () => {
            await page.goto(`${served!.url}/#/projects/${PROJECT}`);
            await page
              .locator('[role=grid][aria-label=Experiments] [role=row][data-index="0"]')
              .waitFor({ timeout: 120_000 });
          }),
        );
        const first = page.locator('[role=grid][aria-label=Experiments] [role=row][data-index="0"]');
        const before = await first.getAttribute('data-key');
        ui.sort.push(
          await timed(async () => {
            await page.getByRole('button', { name: 'loss (last)' }).click();
            for (let i = 0; i < 2000 && (await first.getAttribute('data-key')) === before; i++)
              await page.waitForTimeout(5);
          }),
        );
        ui.chart.push(
          await timed(async () => {
            await page.goto(`${served!.url}/#/experiments/${bigId}?tab=metrics`);
            await page.locator('figure[data-metric="loss"] canvas').waitFor({ timeout: 120_000 });
          }),
        );
        ui.logs.push(
          await timed(async () => {
            await page.goto(`${served!.url}/#/experiments/${bigId}?tab=logs`);
            await page
              .getByRole('log', { name: 'Log output' })
              .getByText('last line of the log')
              .waitFor({ timeout: 120_000 });
          }),
        );
        if (r === 0) {
          const shots = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-results');
          fs.mkdirSync(shots, { recursive: true });
          await page.screenshot({ path: path.join(shots, 'ui-scale-logs.png') });
          await page.goto(`${served!.url}/#/experiments/${bigId}?tab=metrics`);
          await page.locator('figure[data-metric="loss"] canvas').waitFor();
          await page.screenshot({ path: path.join(shots, 'ui-scale-chart.png') });
          await page.goto(`${served!.url}/#/projects/${PROJECT}`);
          await page.locator('[role=grid][aria-label=Experiments] [role=row][data-index="0"]').waitFor();
          await page.screenshot({ path: path.join(shots, 'ui-scale-table.png') });
        }
      } finally {
        await close();
      }
    }

    const figures: Figure[] = [
      {
        what: `project page: navigation → first row of ${EXPERIMENTS.toLocaleString()} experiments`,
        value: median(ui.table),
        unit: 'ms',
        baseline: { what: 'experiments.list alone, from Node', value: median(api.list) },
        ratio: median(ui.table) / median(api.list),
      },
      {
        what: `sort ${EXPERIMENTS.toLocaleString()} rows by a metric: click → new first row`,
        value: median(ui.sort),
        unit: 'ms',
      },
      {
        what: `metric chart of ${POINTS.toLocaleString()} points: navigation → canvas`,
        value: median(ui.chart),
        unit: 'ms',
        baseline: { what: 'metricSeries (2,000 buckets) alone, from Node', value: median(api.series) },
        ratio: median(ui.chart) / median(api.series),
      },
      {
        what: `fetching all ${POINTS.toLocaleString()} points (experiments.metrics), from Node`,
        value: median(api.full),
        unit: 'ms',
        baseline: { what: 'metricSeries', value: median(api.series) },
        ratio: median(api.full) / median(api.series),
        ratioNote: 'what downsampling saves',
      },
      {
        what: `log viewer, ${LOG_LINES.toLocaleString()} lines: navigation → last line`,
        value: median(ui.logs),
        unit: 'ms',
      },
    ];
    return report({
      name: 'ui-scale',
      params: {
        experiments: EXPERIMENTS,
        points: POINTS,
        logLines: LOG_LINES,
        rounds: ROUNDS,
        browser: 'Debian Chromium',
      },
      figures,
      notes: [
        `medians of ${ROUNDS} rounds, each in a new Chromium (the bundle is loaded once per browser before timing)`,
        'times are wall clock in Node around Playwright actions: they include a few ms of protocol round trips',
        'screenshots: test-results/ui-scale-{table,chart,logs}.png',
      ],
    });
  } finally {
    await served?.stop();
    removeDir(home);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  run().then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
