// The sweep page's learning curves, parameter importance and brushing in Chromium: `axon serve` (a real
// child process, temporary AXON_HOME) runs a random sweep of 14 trials of a Python objective that prints a
// 30-step learning curve (`@@axon {"metrics":{"loss":…},"step":N}`), loss = 3·x1 + 0.3·x2 + 1/step: strongly
// dependent on x1, weakly on x2, not at all on x3. The page must overlay one curve per trial (the best three
// highlighted, pointing at a line names its trial), rank x1 first in the importance bars (computed in the
// engine from the 14 finished trials), and filter the ranked table by the parallel-coordinates brushes
// (AND across axes, the same count as the chart, a clear button, kept across a visit to a trial and a
// reload). Screenshots go to test-results/sweep-page-*.png. Fails on any console or page error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startServe, tmpDir, waitFor, type Served } from '../helpers';
import { available, skipOrFail } from '../requirements';
import {
  axeAudit,
  chromiumMissing,
  buildRenderer,
  formatViolations,
  launch,
  waitForTrue,
  watchedPage,
  type WatchedPage,
} from './browser';
import { isGroupDone } from '../../shared/statuses';

const noChromium = chromiumMissing();
const TRIALS = 14;
let served: Served | null = null;
let browser: Browser | null = null;
let home = '';
let project = '';

before(async () => {
  if (!available('Chromium', noChromium)) return;
  buildRenderer();
  home = tmpDir('axon-e2e-sweep-page-');
  project = tmpDir('axon-e2e-sweep-obj-');
  fs.writeFileSync(
    path.join(project, 'obj.py'),
    [
      'import json, sys',
      'x1, x2, x3 = (float(a) for a in sys.argv[1:4])',
      'for step in range(1, 31):',
      '    loss = 3 * x1 + 0.3 * x2 + 1 / step',
      '    print("@@axon " + json.dumps({"metrics": {"loss": loss, "acc": 1 - loss / 5}, "step": step}), flush=True)',
    ].join('\n'),
  );
  served = await startServe(home);
  await served.client.call('projects.create', { name: 'sw', codePath: project });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await served?.stop();
  for (const d of [home, project]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

const SWEEP = [
  'version: 1',
  'kind: group',
  // A param every trial shares: offered by no picker, its column after the metrics.
  'declarations: {epochs: 30}',
  'hptuning:',
  '  concurrency: 4',
  '  seed: 5',
  `  random_search: {n_experiments: ${TRIALS}}`,
  '  metric: {name: loss, optimization: minimize}',
  '  matrix:',
  '    x1: {uniform: 0:1}',
  '    x2: {uniform: 0:1}',
  '    x3: {uniform: 0:1}',
  // e^-9.2 ≈ 1e-4 … 1: searched on a log scale, drawn on one.
  '    x4: {loguniform: -9.2:0}',
  'run:',
  '  cmd: python3 obj.py {{ x1 }} {{ x2 }} {{ x3 }} {{ x4 }} {{ epochs }}',
].join('\n');

/** The ranked table's data rows, as its ARIA row count says (the header row is one). */
const tableRows = async (page: Page) =>
  Number(await page.getByRole('grid', { name: 'Ranked experiments' }).getAttribute('aria-rowcount')) - 1;
const pcVisible = async (page: Page) =>
  Number(await page.locator('.pcoords-plot canvas').getAttribute('data-visible'));

/** Drags along a parallel-coordinates axis from `from` to `to` (fractions of its height from the top). */
async function brush(page: Page, axis: string, from: number, to: number) {
  await page.locator('.pcoords').scrollIntoViewIfNeeded();
  const box = (await page.locator(`.pc-axis[data-axis="${axis}"] .pc-axis-line`).boundingBox())!;
  const x = box.x + box.width / 2;
  await page.mouse.move(x, box.y + box.height * from);
  await page.mouse.down();
  await page.mouse.move(x, box.y + box.height * ((from + to) / 2), { steps: 4 });
  await page.mouse.move(x, box.y + box.height * to, { steps: 4 });
  await page.mouse.up();
  await page.locator(`.pc-brush[data-brush="${axis}"]`).waitFor();
}

/** Serious and critical accessibility violations, per screenshot and theme. */
const a11yFailures: string[] = [];

/** The page in the light and the dark theme (`NAME`, `NAME-dark`), each audited by axe-core. */
async function shots(w: WatchedPage, name: string) {
  for (const theme of ['light', 'dark'] as const) {
    if ((await w.page.evaluate('document.documentElement.dataset.theme')) !== theme) {
      await w.page.getByRole('button', { name: /^(Dark|Light) theme$/ }).click();
      await w.page.locator(`html[data-theme="${theme}"]`).waitFor({ state: 'attached' });
      await waitForTrue(w.page, "document.getAnimations().every((a) => a.playState !== 'running')");
      await w.page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
    }
    await w.shot(theme === 'light' ? name : `${name}-dark`);
    const bad = (await axeAudit(w.page)).violations.filter(
      (v) => v.impact === 'serious' || v.impact === 'critical',
    );
    if (bad.length) a11yFailures.push(formatViolations(`${name} (${theme})`, bad));
  }
  await w.page.getByRole('button', { name: 'Light theme' }).click();
  await w.page.locator('html[data-theme="light"]').waitFor({ state: 'attached' });
}

test(
  'the sweep page: overlaid learning curves, parameter importance, brushing filters the table',
  { skip: skipOrFail(noChromium), timeout: 240_000 },
  async (t) => {
    const w = await watchedPage(browser!, 'sweep-page');
    const { page } = w;
    const api = served!.client;
    const created = await api.call('runs.create', {
      files: [{ name: 'polyaxonfile.yml', text: SWEEP }],
      project: 'sw',
      codePath: project,
    });
    assert.equal(created.kind, 'group');
    const id = created.kind === 'group' ? created.group.id : 0;
    await page.goto(`${served!.url}/?token=${served!.token}#/groups/${id}`);
    await page.getByRole('heading', { name: new RegExp(`^Group ${id}`), level: 1 }).waitFor();
    await waitFor(
      async () => isGroupDone((await api.call('groups.get', { id })).status),
      150_000,
      'the sweep to end',
    );
    await page.locator('h1 [data-status="done"]').waitFor({ timeout: 30_000 });
    const g = await api.call('groups.get', { id });
    assert.equal(g.status, 'done', g.statusMessage ?? '');
    const ranked = g.ranked.map((x) => x.id);

    await t.test('learning curves: one line per trial, the best three highlighted', async () => {
      await page.getByRole('heading', { name: 'Learning curves: loss' }).waitFor();
      const plot = page.locator(`.curves-plot[data-curves="${TRIALS}"]`);
      await plot.waitFor({ timeout: 15_000 });
      // The live view caught up: the best three are finished trials, in the engine's ranking.
      await waitFor(
        async () => (await plot.getAttribute('data-best')) === ranked.slice(0, 3).join(','),
        15_000,
        `the best three to be ${ranked.slice(0, 3).join(',')}`,
      );
      assert.equal(await plot.getAttribute('data-bucket'), '1', '30 steps: every step drawn');
      const ticks = JSON.parse(
        (await plot.locator('.chart').getAttribute('data-ticks')) ?? '[]',
      ) as string[][];
      assert.ok(ticks[0]?.length > 1, `the step axis was drawn: ${JSON.stringify(ticks)}`);
      const best = await page.locator('.curves-best a').allInnerTexts();
      assert.deepEqual(best, ranked.slice(0, 3).map(String));
      await page.locator('.trial-curves').scrollIntoViewIfNeeded();
      await shots(w, '01-curves');
    });

    await t.test('pointing at a curve names its trial', async () => {
      await page.locator('.curves-plot').scrollIntoViewIfNeeded();
      const over = (await page.locator('.curves-plot .u-over').boundingBox())!;
      let named = '';
      // Along a vertical line in the middle of the steps: some curve passes under the pointer.
      for (let y = over.y + 2; y < over.y + over.height && !named; y += 4) {
        await page.mouse.move(over.x + over.width * 0.5, y);
        await page.waitForTimeout(20);
        if ((await page.locator('.curves-hover a').count()) > 0)
          named = await page.locator('.curves-hover').innerText();
      }
      assert.match(named, /^Experiment \d+ \(rank \d+ of 14\): loss = [\d.]+ at step \d+/);
      const hovered = Number(/^Experiment (\d+)/.exec(named)![1]);
      assert.ok(ranked.includes(hovered));
      await w.shot('02-curve-hover');
      // The metric picker switches the panel to another metric of the trials.
      await page.locator('.trial-curves').getByLabel('Metric').selectOption('acc');
      await page.getByRole('heading', { name: 'Learning curves: acc' }).waitFor();
      await page.locator(`.curves-plot[data-curves="${TRIALS}"]`).waitFor();
      await page.locator('.trial-curves').getByLabel('Metric').selectOption('loss');
      await page.getByRole('heading', { name: 'Learning curves: loss' }).waitFor();
    });

    await t.test('parameter importance: x1 first, from the 14 finished trials', async () => {
      const bars = page.getByRole('list', { name: 'Importance of each param for loss' });
      await bars.waitFor({ timeout: 15_000 });
      const order = await bars
        .locator('li')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-param')));
      assert.deepEqual([...order].sort(), ['x1', 'x2', 'x3', 'x4']);
      assert.equal(order[0], 'x1', `bars in order ${order.join(', ')}`);
      const share = Number(await bars.locator('li[data-param="x1"]').getAttribute('data-importance'));
      assert.ok(share > 0.5, `x1's share ${share}`);
      assert.match(await page.locator('.importance-basis').innerText(), /^From 14 finished trials/);
      await page.locator('.param-importance').scrollIntoViewIfNeeded();
      await w.shot('03-importance');
    });

    await t.test(
      'the scatter opens on the most important param, offers only those that vary, a log-scaled one on a log axis; the shared param comes after the metrics in the table',
      async () => {
        const scatter = page.locator('section[aria-labelledby="scatter-title"]');
        await scatter.scrollIntoViewIfNeeded();
        await waitFor(
          async () => (await scatter.locator('h2').innerText()) === 'loss against x1',
          15_000,
          'the scatter to open on x1, the most important param',
        );
        const offered = await scatter.getByLabel('Param').locator('option').allInnerTexts();
        assert.deepEqual(
          [...offered].sort(),
          ['x1', 'x2', 'x3', 'x4'],
          'epochs, the same in all, is not offered',
        );
        await scatter.getByLabel('Param').selectOption('x4');
        await waitFor(
          async () => (await scatter.locator('h2').innerText()) === 'loss against x4 (log)',
          5000,
          'x4 on a log axis',
        );
        assert.match(
          (await scatter.locator('.chart').getAttribute('aria-label')) ?? '',
          /^Scatter of loss against x4 \(log scale\), 14 experiments/,
        );
        await shots(w, '03b-scatter-log');
        const headers = await page
          .getByRole('grid', { name: 'Ranked experiments' })
          .locator('[role="columnheader"]')
          .allInnerTexts();
        const at = (h: string) => headers.findIndex((x) => x.trim().startsWith(h));
        assert.ok(at('acc') > at('x4') && at('epochs') > at('acc'), `columns: ${headers.join(' | ')}`);
      },
    );

    await t.test(
      'brushing the parallel coordinates filters the table (AND across axes), clear restores it',
      async () => {
        await waitFor(async () => (await pcVisible(page)) === TRIALS, 15_000, `${TRIALS} lines`);
        assert.equal(await tableRows(page), TRIALS);
        // x1 low: the better trials (loss grows with x1).
        await brush(page, 'x1', 0.45, 1.02);
        const note = page.locator('.filtered-note');
        await note.waitFor();
        const n1 = Number(await note.getAttribute('data-shown'));
        assert.ok(n1 > 0 && n1 < TRIALS, `${n1} of ${TRIALS} pass the x1 brush`);
        assert.equal(await tableRows(page), n1, 'the table shows only the trials that pass');
        assert.equal(await pcVisible(page), n1, 'the chart and the table agree');
        await page.locator(`.curves-plot[data-curves="${n1}"]`).waitFor({ timeout: 5000 });
        assert.match(
          await page.locator('.curves-hover').innerText(),
          new RegExp(`^${n1} of ${TRIALS} trials \\(those the parallel-coordinates filters let through\\)`),
        );
        assert.equal(
          await page
            .locator('section[aria-labelledby="scatter-title"] [data-shown]')
            .getAttribute('data-shown'),
          String(n1),
          'the scatter shows the same trials',
        );
        assert.match(await note.innerText(), new RegExp(`^${n1} of ${TRIALS} experiments pass`));
        // The ids of the rows left (the second cell of each row: the rank comes first).
        const shownIds = await page
          .getByRole('grid', { name: 'Ranked experiments' })
          .locator('[role="row"][aria-rowindex]')
          .evaluateAll((rows) =>
            rows
              .map((r) => Number(r.querySelector('[role="gridcell"]:nth-child(2)')?.textContent ?? NaN))
              .filter((v) => Number.isFinite(v)),
          );
        // The brush runs from the bottom of the axis: the rows are the n1 trials with the lowest x1.
        const byX1 = [...g.ranked].sort((a, b) => (a.params.x1 as number) - (b.params.x1 as number));
        assert.deepEqual(
          [...shownIds].sort((a, b) => a - b),
          byX1
            .slice(0, n1)
            .map((x) => x.id)
            .sort((a, b) => a - b),
        );
        await page.locator('.pcoords').scrollIntoViewIfNeeded();
        await shots(w, '04-brushed');

        // A second brush narrows it further (AND).
        await brush(page, 'x2', 0.5, 1.02);
        const n2 = Number(await note.getAttribute('data-shown'));
        assert.ok(n2 <= n1, `${n2} ≤ ${n1} with x2 brushed as well`);
        assert.equal(await tableRows(page), n2);
        assert.equal(await pcVisible(page), n2);

        // The brushes survive leaving for a trial and coming back, and a reload (the data read anew).
        await page.goto(`${served!.url}/#/experiments/${ranked[0]}`);
        await page.getByRole('heading', { name: new RegExp(`^Experiment ${ranked[0]}`), level: 1 }).waitFor();
        await page.goBack();
        await page.locator('.pc-brush[data-brush="x1"]').waitFor();
        await page.locator('.pc-brush[data-brush="x2"]').waitFor();
        await waitFor(async () => (await tableRows(page)) === n2, 15_000, `${n2} rows after Back`);
        await page.reload();
        await page.locator('.pc-brush[data-brush="x2"]').waitFor();
        await waitFor(async () => (await tableRows(page)) === n2, 15_000, `${n2} rows after a reload`);
        assert.equal(Number(await page.locator('.filtered-note').getAttribute('data-shown')), n2);

        await page.getByRole('button', { name: 'Clear filters' }).click();
        await page.locator('.filtered-note').waitFor({ state: 'detached' });
        await page.locator('.pc-brush').first().waitFor({ state: 'detached' });
        assert.equal(await tableRows(page), TRIALS);
        assert.equal(await pcVisible(page), TRIALS);
        await w.shot('05-cleared');
      },
    );

    assert.deepEqual(w.errors, [], 'no console errors');
    assert.deepEqual(a11yFailures, [], 'no serious or critical accessibility violations');
  },
);

test(
  'the sweep page with fewer than ten finished trials says importance needs more',
  { skip: skipOrFail(noChromium), timeout: 120_000 },
  async () => {
    const w = await watchedPage(browser!, 'sweep-page-few');
    const { page } = w;
    const api = served!.client;
    const created = await api.call('runs.create', {
      files: [
        { name: 'polyaxonfile.yml', text: SWEEP.replace(`n_experiments: ${TRIALS}`, 'n_experiments: 4') },
      ],
      project: 'sw',
      codePath: project,
    });
    const id = created.kind === 'group' ? created.group.id : 0;
    await waitFor(
      async () => isGroupDone((await api.call('groups.get', { id })).status),
      60_000,
      'the small sweep to end',
    );
    await page.goto(`${served!.url}/?token=${served!.token}#/groups/${id}`);
    await page.locator('h1 [data-status="done"]').waitFor();
    const few = page.locator('.importance-few');
    await few.waitFor();
    assert.match(await few.innerText(), /needs at least 10 finished experiments with loss; 4 so far/);
    await page.locator('.curves-plot[data-curves="4"]').waitFor();
    await w.shot('01-few');
    assert.deepEqual(w.errors, [], 'no console errors');
  },
);
