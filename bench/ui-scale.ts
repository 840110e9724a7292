// The dashboard at scale, in Debian's Chromium: a store with 10,000 experiments (params and a last metric
// each) and one experiment with a 1,000,000-point metric and a 200,000-line log, written with the engine's
// Store API, then `axon serve` on it. Times (median of ROUNDS, each in a new Chromium):
//   - the project page, cold: a new browser opens `/?token=…#/projects/scale` (the bundle fetched and parsed
//     too) → the first row of the virtualised experiments table (rows arrive with their params and metrics:
//     experiments.page's first 100), and → every run in the table (the pages behind it); then sorting by a
//     metric column (click → first row changes);
//   - the metric chart: navigation to the experiment's Metrics tab → the uPlot canvas of the metric
//     (experiments.metricSeries: 2,000 buckets merged from the per-256-step rollups kept at ingest);
//   - the log viewer: navigation to the Logs tab → the last line shown.
// Baselines in the same run, over HTTP from Node: the API calls alone (experiments.list of all 10,000 in one
// response, as the page read them before; experiments.page's first page; metricSeries; and the full
// 1,000,000-point series, which an un-downsampled chart would have to fetch).
// Goals (issue #13 §3): first row within 1.2× of the list call alone; metricSeries under 300 ms.
// Run: `npm run bench:ui`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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
    const url = served.url;

    const api = { list: [] as number[], page: [] as number[], series: [] as number[], full: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      api.list.push(await timed(() => client.call('experiments.list', { project: PROJECT, limit: 100_000 })));
      api.page.push(await timed(() => client.call('experiments.page', { project: PROJECT, limit: 100 })));
      api.series.push(
        await timed(() => client.call('experiments.metricSeries', { id: bigId, maxPoints: 2000 })),
      );
      api.full.push(await timed(() => client.call('experiments.metrics', { id: bigId })));
    }

    const ui = {
      table: [] as number[],
      all: [] as number[],
      sort: [] as number[],
      chart: [] as number[],
      logs: [] as number[],
    };
    const everyRow = `${EXPERIMENTS.toLocaleString('en-US')} shown of ${EXPERIMENTS.toLocaleString('en-US')}`;
    for (let r = 0; r < ROUNDS; r++) {
      // A new browser each round, and the project page its first page: nothing cached, the bundle is timed too.
      const browser = await launch();
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      try {
        const first = page.locator('[role=grid][aria-label=Experiments] [role=row][data-index="0"]');
        const t0 = nowMs();
        await page.goto(`${url}/?token=${token}#/projects/${PROJECT}`);
        await first.waitFor({ timeout: 120_000 });
        ui.table.push(nowMs() - t0);
        await page.getByText(everyRow).waitFor({ timeout: 120_000 });
        ui.all.push(nowMs() - t0);
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
            await page.goto(`${url}/#/experiments/${bigId}?tab=metrics`);
            await page.locator('figure[data-metric="loss"] canvas').waitFor({ timeout: 120_000 });
          }),
        );
        ui.logs.push(
          await timed(async () => {
            await page.goto(`${url}/#/experiments/${bigId}?tab=logs`);
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
          await page.goto(`${url}/#/experiments/${bigId}?tab=metrics`);
          await page.locator('figure[data-metric="loss"] canvas').waitFor();
          await page.screenshot({ path: path.join(shots, 'ui-scale-chart.png') });
          await page.goto(`${url}/#/projects/${PROJECT}`);
          await page.locator('[role=grid][aria-label=Experiments] [role=row][data-index="0"]').waitFor();
          await page.screenshot({ path: path.join(shots, 'ui-scale-table.png') });
        }
      } finally {
        await browser.close();
      }
    }

    const table = median(ui.table);
    const list = median(api.list);
    const series = median(api.series);
    const figures: Figure[] = [
      {
        what: `project page, cold (new browser, bundle included) → first row of ${EXPERIMENTS.toLocaleString()} experiments`,
        value: table,
        unit: 'ms',
        baseline: {
          what: `experiments.list of all ${EXPERIMENTS.toLocaleString()} alone, from Node`,
          value: list,
        },
        ratio: table / list,
        goal: '≤ 1.2×',
        met: table / list <= 1.2,
      },
      {
        what: `project page, cold → all ${EXPERIMENTS.toLocaleString()} rows in the table`,
        value: median(ui.all),
        unit: 'ms',
        baseline: { what: 'experiments.list alone', value: list },
        ratio: median(ui.all) / list,
      },
      {
        what: 'experiments.page, first page (100), from Node',
        value: median(api.page),
        unit: 'ms',
        baseline: { what: 'experiments.list of all', value: list },
        ratio: median(api.page) / list,
      },
      {
        what: `sort ${EXPERIMENTS.toLocaleString()} rows by a metric: click → new first row`,
        value: median(ui.sort),
        unit: 'ms',
      },
      {
        what: `metricSeries: ${POINTS.toLocaleString()} points → 2,000 buckets, from Node`,
        value: series,
        unit: 'ms',
        goal: '< 300 ms',
        met: series < 300,
      },
      {
        what: `metric chart of ${POINTS.toLocaleString()} points: navigation → canvas`,
        value: median(ui.chart),
        unit: 'ms',
        baseline: { what: 'metricSeries (2,000 buckets) alone, from Node', value: series },
        ratio: median(ui.chart) / series,
      },
      {
        what: `fetching all ${POINTS.toLocaleString()} points (experiments.metrics), from Node`,
        value: median(api.full),
        unit: 'ms',
        baseline: { what: 'metricSeries', value: series },
        ratio: median(api.full) / series,
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
        `medians of ${ROUNDS} rounds, each in a new Chromium whose first page is the project page (bundle included)`,
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
