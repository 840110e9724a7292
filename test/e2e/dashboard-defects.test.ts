// The dashboard defects of issue #13 (section 1), each driven end to end in Chromium against a real
// `axon serve` (a child process on a temporary AXON_HOME, started and restarted by this file on one port):
// live charts of a chatty run, group → group navigation, a missing or malformed experiment id, the engine
// stopping and coming back under an open page, number formats and column widths, a one-sample resources
// chart, hyperband's progress and objective, and the experiments table by keyboard. Every wait is on an
// element or an engine answer; the one clock that must not tick is checked with Playwright's fake clock.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import WebSocket from 'ws';
import { BIN, groupEnd, startGroup, tmpDir, waitFor } from '../helpers';
import { available, skipOrFail } from '../requirements';
import {
  chromiumMissing,
  buildRenderer,
  launch,
  waitForTrue,
  watchedPage,
  type WatchedPage,
} from './browser';
import { createHttpClient, type HttpClient } from '../../shared/http-client';
import { isDone } from '../../shared/statuses';

const noChromium = chromiumMissing();

interface Engine {
  proc: ChildProcess;
  url: string;
  token: string;
  api: HttpClient;
}

let engine: Engine | null = null;
let browser: Browser | null = null;
let home = '';
let project = '';
let port = 0;

/** `axon serve` on AXON_HOME `home` (on `port` when given), once its address file names it. */
async function serveEngine(onPort?: number): Promise<Engine> {
  const args = [BIN, 'serve', ...(onPort ? ['--port', String(onPort)] : [])];
  const proc = spawn(process.execPath, args, {
    env: { ...process.env, AXON_HOME: home, AXON_QUIET: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  const file = path.join(home, 'engine.json');
  const a = await waitFor(
    async () => {
      if (proc.exitCode !== null) throw new Error(`axon serve exited ${proc.exitCode}: ${err}`);
      try {
        const o = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number; url: string; token: string };
        return o.pid === proc.pid ? o : null;
      } catch {
        return null;
      }
    },
    60_000,
    'axon serve to write its address',
  );
  return { proc, url: a.url, token: a.token, api: createHttpClient(a.url, a.token, WebSocket as never) };
}

async function stopEngine(e: Engine): Promise<void> {
  e.api.close();
  if (e.proc.exitCode === null) {
    const exited = new Promise((r) => e.proc.once('exit', r));
    e.proc.kill('SIGTERM');
    await exited;
  }
}

before(async () => {
  if (!available('Chromium', noChromium)) return;
  buildRenderer();
  home = tmpDir('axon-e2e-defects-');
  project = tmpDir('axon-e2e-defects-code-');
  // loss = (x-0.3)^2 + 0.5/epochs (+0.05 for sgd), after a pause that keeps a sweep running for a while.
  fs.writeFileSync(
    path.join(project, 'obj.sh'),
    [
      'sleep 1',
      `awk -v x="$1" -v e="$2" -v o="$4" 'BEGIN { l = (x-0.3)^2 + 0.5/e; if (o == "sgd") l += 0.05; printf "@@axon {\\"metrics\\":{\\"loss\\":%.6f}}\\n", l }'`,
    ].join('\n'),
  );
  // One metric line (and, with a third argument, a param of that name with the same value).
  fs.writeFileSync(
    path.join(project, 'emit.sh'),
    [
      `printf '@@axon {"metrics":{"%s":%s}}\n' "$1" "$2"`,
      `if [ -n "$3" ]; then printf '@@axon {"params":{"%s":%s}}\n' "$3" "$2"; fi`,
    ].join('\n'),
  );
  // small = 0.0008 … 0.0014 at steps 0 … 6: values close together.
  fs.writeFileSync(
    path.join(project, 'small.sh'),
    `awk 'BEGIN { for (i = 0; i < 7; i++) printf "@@axon {\\"metrics\\":{\\"small\\":%.4f},\\"step\\":%d}\\n", 0.0008 + i * 0.0001, i }'\n`,
  );
  // A metric five times a second for 12 s.
  fs.writeFileSync(
    path.join(project, 'chatty.sh'),
    'for i in $(seq 1 60); do echo "@@axon {\\"metrics\\":{\\"acc\\":$i},\\"step\\":$i}"; sleep 0.2; done\n',
  );
  engine = await serveEngine();
  port = Number(new URL(engine.url).port);
  await engine.api.call('projects.create', { name: 'defects', codePath: project });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (engine) await stopEngine(engine);
  for (const d of [home, project]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

/** Runs one experiment of `cmd` in the project and returns its id. */
async function runExperiment(cmd: string, name?: string): Promise<number> {
  const text = [
    'version: 1',
    'kind: experiment',
    ...(name ? [`name: ${name}`] : []),
    'run:',
    `  cmd: ${cmd}`,
  ];
  const c = await engine!.api.call('runs.create', {
    files: [{ name: 'polyaxonfile.yml', text: text.join('\n') }],
    project: 'defects',
    codePath: project,
  });
  assert.equal(c.kind, 'experiment');
  return c.kind === 'experiment' ? c.experiment.id : 0;
}

async function experimentEnd(id: number): Promise<void> {
  await waitFor(
    async () => isDone((await engine!.api.call('experiments.get', { id })).status),
    60_000,
    `experiment ${id} to end`,
  );
}

/** A page opened with the token, at `hash`. */
async function open(w: WatchedPage, hash: string): Promise<Page> {
  await w.page.goto(`${engine!.url}/?token=${engine!.token}#${hash}`);
  return w.page;
}

/** Console errors other than the network failures a test provokes on purpose (a 404, a dead engine). */
const unexpected = (errors: string[]) =>
  errors.filter(
    (e) =>
      !/Failed to load resource|ERR_CONNECTION_REFUSED|WebSocket connection to .* failed|net::ERR_/.test(e),
  );

const heading = (page: Page, name: RegExp) => page.getByRole('heading', { level: 1, name });

test(
  'dashboard defects (issue #13 §1) in Chromium',
  { skip: skipOrFail(noChromium), timeout: 420_000 },
  async (t) => {
    await t.test('#/experiments/abc and #/groups/abc are refused before the engine is asked', async () => {
      const w = await watchedPage(browser!, 'defects-ids');
      const asked: string[] = [];
      w.page.on('request', (r) => {
        if (/\/api\/(experiments|groups)\./.test(r.url())) asked.push(r.url());
      });
      const page = await open(w, '/experiments/abc');
      await page.getByRole('alert').first().waitFor({ timeout: 15_000 });
      assert.doesNotMatch(await page.title(), /NaN/);
      assert.deepEqual(asked, [], 'no experiment was asked of the engine');
      assert.equal(await page.title(), 'Not an experiment — Axon');
      await page.getByText('“abc” is not an experiment id.').waitFor();
      await page.evaluate("location.hash = '#/groups/1.5'");
      await page.getByText('“1.5” is not a group id.').waitFor();
      assert.doesNotMatch(await page.title(), /NaN/);
      assert.deepEqual(asked, [], 'no experiment or group was asked of the engine');
      assert.deepEqual(w.errors, []);
      await w.page.close();
    });

    await t.test('a missing experiment never shows the one before it', async () => {
      const id = await runExperiment('echo one', 'shown-first');
      await experimentEnd(id);
      const w = await watchedPage(browser!, 'defects-missing');
      const page = await open(w, `/experiments/${id}`);
      await page.locator('h1 [data-status="succeeded"]').waitFor();
      await page.getByRole('button', { name: 'Delete' }).waitFor();
      await page.evaluate("location.hash = '#/experiments/99999'");
      // The engine's not-found answer is what the page shows, under the number asked for.
      await page.getByRole('alert').filter({ hasText: /99999/ }).waitFor({ timeout: 15_000 });
      assert.equal(await heading(page, new RegExp(`^Experiment ${id}\\b`)).count(), 0, `#${id} is gone`);
      assert.equal(await page.getByText('shown-first').count(), 0);
      assert.equal(await page.getByRole('button', { name: 'Delete' }).count(), 0, 'no Delete button');
      assert.equal(await page.title(), 'Experiment 99999 (not found) — Axon');
      // And back: the run is there again, its own.
      await page.goBack();
      await heading(page, new RegExp(`^Experiment ${id}\\b`)).waitFor();
      assert.deepEqual(unexpected(w.errors), []);
      await w.page.close();
    });

    await t.test('live charts keep moving for a run that logs five times a second', async () => {
      const id = await runExperiment('bash chatty.sh');
      const w = await watchedPage(browser!, 'defects-chatty');
      const page = await open(w, `/experiments/${id}?tab=metrics`);
      const caption = page.locator('figure[data-metric="acc"] figcaption');
      await caption.waitFor({ timeout: 30_000 });
      const drawn = async () => Number(/([\d,]+) points drawn/.exec(await caption.innerText())![1]);
      // While the run goes on (status running), the chart is re-read: the count grows, twice.
      const first = await drawn();
      await waitFor(async () => (await drawn()) > first, 10_000, `the chart to go past ${first} points`);
      const second = await drawn();
      await waitFor(async () => (await drawn()) > second, 10_000, `the chart to go past ${second} points`);
      const running = await engine!.api.call('experiments.get', { id });
      assert.equal(running.status, 'running', 'the points came while the run was still logging');
      await experimentEnd(id);
      await waitFor(async () => (await drawn()) === 60, 10_000, 'all 60 points once the run ended');
      assert.deepEqual(w.errors, []);
      await w.page.close();
    });

    let hbGroup = 0;
    let gridGroup = 0;
    await t.test('hyperband: progress out of the plan, one objective (last value) everywhere', async () => {
      hbGroup = await startGroup(
        engine!.api,
        [
          'version: 1',
          'kind: group',
          'declarations:',
          '  epochs: 1',
          'hptuning:',
          '  concurrency: 3',
          '  seed: 7',
          '  hyperband:',
          '    max_iter: 9',
          '    eta: 3',
          '    resource: {name: epochs, type: int}',
          '    metric: {name: loss, optimization: minimize}',
          '  matrix:',
          '    x: {uniform: 0:1}',
          '    lr: {logspace: -4:-1:4}',
          '    opt: {values: [adam, sgd]}',
          'run:',
          '  cmd: bash obj.sh {{ x }} {{ epochs }} {{ lr }} {{ opt }}',
        ].join('\n'),
        project,
      );
      const w = await watchedPage(browser!, 'defects-hyperband');
      const page = await open(w, `/groups/${hbGroup}`);
      await page.getByRole('heading', { name: 'Hyperband brackets' }).waitFor({ timeout: 30_000 });
      const progress = page.locator('.progress > span.small');
      // 9 + 3 + 1 + 5 + 1 + 3 experiments in the plan of max_iter 9, eta 3: the count is out of 22 from the
      // first round on, not out of the experiments made so far.
      const seen = await progress.innerText();
      assert.equal((await engine!.api.call('groups.get', { id: hbGroup })).status, 'running', 'mid-sweep');
      assert.match(seen, /^\d+\/22\b/, `progress mid-sweep: ${seen}`);
      await groupEnd(engine!.api, hbGroup, 180_000);
      await page.locator('h1 [data-status="done"]').waitFor({ timeout: 30_000 });
      await page.getByText('22/22', { exact: true }).waitFor();
      // The objective: the ranked table's first row is groups.get's best, and every view names the same thing.
      const g = await engine!.api.call('groups.get', { id: hbGroup });
      const grid = page.locator('[role=grid][aria-label="Ranked experiments"]');
      await grid.locator('[role=row][data-index="0"]').waitFor();
      assert.equal(
        await grid.locator('[role=row][data-index="0"]').getAttribute('data-key'),
        String(g.ranked[0].id),
        'rank 1 is the engine’s best (last value of loss, minimized)',
      );
      await page.locator('.pc-axis[data-axis="loss"] .pc-axis-title').waitFor();
      const axisTitle = await page.locator('.pc-axis[data-axis="loss"] .pc-axis-title').textContent();
      assert.match(
        axisTitle ?? '',
        /loss \(last, ↓ better\)/,
        `the metric axis says what it shows: ${axisTitle}`,
      );
      assert.doesNotMatch(axisTitle ?? '', /\(min\)/);
      await page.getByText(/Experiment \d+: loss \(last, lower is better\) =/).waitFor();
      assert.deepEqual(w.errors, []);
      await w.page.close();
    });

    await t.test('from one group to another: no stale sweep, no frozen tab', async () => {
      gridGroup = await startGroup(
        engine!.api,
        [
          'version: 1',
          'kind: group',
          'hptuning:',
          '  concurrency: 2',
          '  matrix:',
          '    a: {values: [1, 2]}',
          'run:',
          '  cmd: bash emit.sh loss {{ a }}',
        ].join('\n'),
        project,
      );
      await groupEnd(engine!.api, gridGroup);
      const w = await watchedPage(browser!, 'defects-groups');
      // The grid's page first (so its group is in the store), then hyperband's, then back by the address.
      const page = await open(w, `/groups/${gridGroup}`);
      await page.getByRole('heading', { name: /^Parallel coordinates: params → loss/ }).waitFor();
      await page.evaluate(`location.hash = '#/groups/${hbGroup}'`);
      await page.locator('.pc-axis[data-axis="lr"]').waitFor();
      await page.evaluate(`location.hash = '#/groups/${gridGroup}'`);
      await heading(page, new RegExp(`^Group ${gridGroup}\\b`)).waitFor({ timeout: 15_000 });
      await page.locator('.pc-axis[data-axis="a"]').waitFor({ timeout: 15_000 });
      assert.equal(await page.locator('.pc-axis[data-axis="lr"]').count(), 0, 'no axis of the other group');
      assert.equal(await page.locator('[data-panel-error]').count(), 0, 'every panel drew');
      assert.deepEqual(w.errors, []);
      await w.page.close();
    });

    await t.test(
      'numbers: one format per column, columns as wide as their values, chart ticks apart',
      async () => {
        const a = await runExperiment('bash emit.sh rate 0.00235705 lr');
        const b = await runExperiment('bash emit.sh rate 1.3367e-4 lr');
        // Small values close together: the chart's ticks must still read apart.
        const c = await runExperiment('bash small.sh');
        for (const id of [a, b, c]) await experimentEnd(id);
        const w = await watchedPage(browser!, 'defects-numbers');
        const page = await open(w, '/projects/defects');
        const grid = page.locator('[role=grid][aria-label=Experiments]');
        await grid.locator(`[role=row][data-key="${b}"]`).waitFor();
        for (const [col, header] of [
          ['param:lr', 'lr'],
          ['metric:rate', 'rate (last)'],
        ]) {
          const cells: Array<{ text: string; clipped: boolean }> = [];
          for (const id of [a, b])
            cells.push(
              // The cell under the column's header (found by its text, whatever the table's markup).
              (await page.evaluate(`(() => {
              const grid = document.querySelector('[role=grid][aria-label=Experiments]');
              const heads = [...grid.querySelectorAll('[role=columnheader]')];
              const at = heads.findIndex((h) => h.textContent.replace(/[▲▼]/g, '').trim() === ${JSON.stringify(header)});
              const cell = grid.querySelector('[role=row][data-key="${id}"]').querySelectorAll('[role=gridcell]')[at];
              const inner = cell.firstElementChild || cell;
              return {
                text: cell.innerText.trim(),
                clipped: inner.scrollWidth > inner.clientWidth || cell.scrollWidth > cell.clientWidth,
              };
            })()`)) as { text: string; clipped: boolean },
            );
          for (const x of cells) assert.equal(x.clipped, false, `${col}: “${x.text}” is clipped`);
          const texts = cells.map((x) => x.text);
          assert.equal(new Set(texts.map((x) => x.includes('e'))).size, 1, `${col} mixes formats: ${texts}`);
          assert.deepEqual(texts, ['0.002357', '0.00013367'], col);
        }
        await page.evaluate(`location.hash = '#/experiments/${c}?tab=metrics'`);
        const chart = page.locator('figure[data-metric="small"] .chart');
        await chart.locator('canvas').waitFor();
        await page.locator('figure[data-metric="small"] .chart[data-ticks]').waitFor();
        const ticks = (JSON.parse((await chart.getAttribute('data-ticks'))!) as string[][])[1].filter(
          Boolean,
        );
        assert.ok(ticks.length >= 3, `y ticks: ${ticks}`);
        assert.equal(new Set(ticks).size, ticks.length, `y ticks read apart: ${ticks}`);
        assert.ok(
          ticks.every((x) => Number(x) >= 0.0007 && Number(x) <= 0.0015),
          `y ticks are values of the metric: ${ticks}`,
        );
        assert.deepEqual(w.errors, []);
        await w.page.close();
      },
    );

    await t.test('the resources chart of a run with one sample spans a minute, not years', async () => {
      const id = await runExperiment('echo short');
      await experimentEnd(id);
      const w = await watchedPage(browser!, 'defects-resources');
      // One sample, as a short run has: the engine's answer is replaced by exactly that.
      const ts = Math.floor(Date.now() / 1000);
      await w.page.route('**/api/experiments.resources', (route) =>
        route.fulfill({
          contentType: 'application/json',
          body: JSON.stringify({
            ok: true,
            result: [
              { experimentId: id, jobId: 1, ts, cpuPercent: 42, memoryBytes: 50e6, memoryLimitBytes: null },
            ],
          }),
        }),
      );
      const page = await open(w, `/experiments/${id}?tab=resources`);
      const chart = page.locator('.chart[aria-label="CPU percent and memory over time"]');
      await chart.locator('canvas').waitFor();
      await page.locator('.chart[data-x-span]').waitFor();
      const span = Number(await chart.getAttribute('data-x-span'));
      assert.ok(span > 0 && span <= 120, `the time axis spans ${span} s`);
      assert.deepEqual(w.errors, []);
      await w.page.close();
    });

    await t.test(
      'keyboard: End and Home keep the focus, the header row is one stop, Back keeps the selection',
      async () => {
        const created = await engine!.api.call('runs.create', {
          project: 'defects',
          codePath: project,
          files: [
            {
              name: 'many.yml',
              text: [
                'version: 1',
                'kind: group',
                'hptuning:',
                '  concurrency: 10',
                '  matrix:',
                '    i: {range: 1:81:1}',
                'run:',
                '  cmd: "true"',
              ].join('\n'),
            },
          ],
        });
        assert.equal(created.kind, 'group');
        await groupEnd(engine!.api, created.kind === 'group' ? created.group.id : 0, 180_000);
        const w = await watchedPage(browser!, 'defects-keyboard');
        const page = await open(w, '/projects/defects');
        const grid = page.locator('[role=grid][aria-label=Experiments]');
        const rows = grid.locator('[role=row][data-index]');
        await rows.first().waitFor();
        const total = Number(await grid.getAttribute('aria-rowcount')) - 1;
        assert.ok(total > 80, `${total} rows`);
        const focused = (i: number) => grid.locator(`[role=row][data-index="${i}"]:focus`);
        await rows.first().focus();
        await page.keyboard.press('End');
        await focused(total - 1).waitFor({ timeout: 5_000 });
        await page.keyboard.press('ArrowUp');
        await focused(total - 2).waitFor({ timeout: 5_000 });
        await page.keyboard.press('Home');
        await focused(0).waitFor({ timeout: 5_000 });
        await page.keyboard.press('End');
        await focused(total - 1).waitFor({ timeout: 5_000 });
        await page.keyboard.press('Home');
        await focused(0).waitFor({ timeout: 5_000 });

        // The header row is one tab stop: from the first sort button, one Tab reaches the rows.
        const sortButtons = grid.locator('[role=columnheader] button');
        assert.ok((await sortButtons.count()) >= 6);
        await sortButtons.first().focus();
        await page.keyboard.press('Tab');
        assert.equal(
          await page.evaluate('document.activeElement.getAttribute("role")'),
          'row',
          'one Tab from the headers to the rows',
        );
        await page.keyboard.press('Shift+Tab');
        await page.keyboard.press('ArrowRight');
        assert.equal(
          await page.evaluate('document.activeElement.textContent'),
          await sortButtons.nth(1).textContent(),
          '→ moves along the headers',
        );

        // Select two rows, compare, come back: still selected.
        await rows.first().focus();
        await page.keyboard.press('Space');
        await page.keyboard.press('ArrowDown');
        await focused(1).waitFor();
        await page.keyboard.press('Space');
        const compare = page.getByRole('button', { name: 'Compare (2)' });
        await compare.waitFor();
        const keys = await grid
          .locator('[role=row][aria-selected=true]')
          .evaluateAll((rs) => rs.map((r) => r.getAttribute('data-key')));
        await compare.click();
        await page.getByRole('heading', { name: 'Compare 2 experiments' }).waitFor();
        await page.goBack();
        await compare.waitFor();
        assert.deepEqual(
          await grid
            .locator('[role=row][aria-selected=true]')
            .evaluateAll((rs) => rs.map((r) => r.getAttribute('data-key'))),
          keys,
          'the same rows are selected after Back',
        );
        assert.deepEqual(w.errors, []);
        await w.page.close();
      },
    );

    await t.test('§2: the ID and name columns stay in view while the table scrolls sideways', async () => {
      const w = await watchedPage(browser!, 'defects-pinned');
      await w.page.setViewportSize({ width: 760, height: 700 });
      const page = await open(w, '/projects/defects');
      const grid = page.locator('[role=grid][aria-label=Experiments]');
      const row = grid.locator('[role=row][data-index="0"]');
      await row.waitFor();
      const cellX = (n: number) =>
        page.evaluate(
          `document.querySelector('[role=grid][aria-label=Experiments] [role=row][data-index="0"]').querySelectorAll('[role=gridcell]')[${n}].getBoundingClientRect().left`,
        ) as Promise<number>;
      const scroll = (x: number) =>
        page.evaluate(`document.querySelector('[role=grid][aria-label=Experiments]').scrollLeft = ${x}`);
      const [id0, name0, status0] = [await cellX(1), await cellX(2), await cellX(3)];
      const room = (await page.evaluate(
        `(() => { const g = document.querySelector('[role=grid][aria-label=Experiments]'); return g.scrollWidth - g.clientWidth; })()`,
      )) as number;
      assert.ok(room > 200, `the table is wider than its box (${room} px to scroll)`);
      await scroll(200);
      await waitForTrue(
        page,
        `document.querySelector('[role=grid][aria-label=Experiments]').scrollLeft >= 200`,
      );
      assert.equal(await cellX(1), id0, 'the ID stays');
      assert.equal(await cellX(2), name0, 'the name stays');
      assert.ok((await cellX(3)) < status0 - 100, 'the other columns scroll');
      await w.shot('pinned');
      assert.deepEqual(w.errors, []);
      await w.page.close();
    });

    await t.test('the engine stops under an open page, then comes back on the same port', async () => {
      const id = await runExperiment('sleep 60');
      const w = await watchedPage(browser!, 'defects-engine');
      await w.page.clock.install();
      const page = await open(w, `/experiments/${id}`);
      await page.locator('h1 [data-status="running"]').waitFor({ timeout: 30_000 });
      const stop = page.getByRole('button', { name: 'Stop', exact: true });
      assert.equal(await stop.isEnabled(), true);

      const tokenBefore = engine!.token;
      await stopEngine(engine!);
      engine = null;
      await page.getByRole('alert').filter({ hasText: 'Disconnected from the engine' }).waitFor();
      await page.locator('h1 [data-status="disconnected"]').waitFor();
      assert.equal(await page.locator('h1 [data-status="running"]').count(), 0, 'no longer says running');
      assert.equal(await stop.isDisabled(), true, 'Stop waits for the engine');
      // The clock stands still: five seconds later the duration reads the same.
      const line = page.locator('.status-line');
      const then = await line.innerText();
      await page.clock.fastForward(5_000);
      await page.locator('h1 [data-status="disconnected"]').waitFor();
      assert.equal(await line.innerText(), then, 'the duration does not tick while disconnected');
      await w.shot('disconnected');

      // A new engine on the same home and port: the page reconnects by itself with the token it has.
      engine = await serveEngine(port);
      assert.equal(engine.token, tokenBefore, 'the restarted engine keeps its token (AXON_HOME/server.json)');
      await page.locator('h1 [data-status="running"]').waitFor({ timeout: 30_000 });
      assert.equal(await page.getByText('Disconnected from the engine').count(), 0);
      await stop.click();
      await page.locator('h1 [data-status="stopped"]').waitFor({ timeout: 30_000 });
      assert.deepEqual(unexpected(w.errors), []);
      await w.page.close();
    });
  },
);
