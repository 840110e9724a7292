// Metric panels, overlays and Compare (issue #13 §2) in Chromium against a real `axon serve` (a child process
// on a temporary AXON_HOME). Three runs of a shell script log loss and train/acc every step, val_loss, val/acc
// and train/lr every 100 steps (the first run 20,000 steps, so its charts are downsampled), with the params
// lr (differs), batch and optimizer (the same). Checked: loss shares a panel with val_loss and train/acc with
// val/acc; train/ and val/ sections that collapse; the search over metric names; moving a metric to a panel
// of its own (kept across a reload); a zoom that reads finer data for the visible range (more points in it
// than the overview had) and a reset back to the overview; the selected runs overlaid on the project page,
// one colour per run; Compare with several metrics, headers in the colours of the lines and identical
// values said once. Screenshots in test-results/panels-*.png. Fails on any console or page error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { startServe, tmpDir, waitFor, type Served } from '../helpers';
import { available, skipOrFail } from '../requirements';
import {
  axeAudit,
  chromiumMissing,
  buildRenderer,
  formatViolations,
  launch,
  watchedPage,
  type WatchedPage,
} from './browser';
import { isDone } from '../../shared/statuses';
import type { RunCreated } from '../../shared/api';

const noChromium = chromiumMissing();
let served: Served | null = null;
let browser: Browser | null = null;
let home = '';
let project = '';
const ids: number[] = [];
const BIG = 20_000;

before(async () => {
  if (!available('Chromium', noChromium)) return;
  buildRenderer();
  home = tmpDir('axon-e2e-panels-');
  project = tmpDir('axon-e2e-panels-code-');
  fs.writeFileSync(
    path.join(project, 'train.sh'),
    [
      '# usage: train.sh LR STEPS',
      `awk -v lr="$1" -v n="$2" 'BEGIN {`,
      `  printf "@@axon {\\"params\\":{\\"lr\\":%s,\\"batch\\":32,\\"optimizer\\":\\"adam\\"}}\\n", lr`,
      '  for (i = 0; i < n; i++) {',
      '    l = 1 / (1 + lr * i / 100) + 0.05 * sin(i / 7)',
      `    printf "@@axon {\\"metrics\\":{\\"loss\\":%.6f,\\"train/acc\\":%.6f},\\"step\\":%d}\\n", l, 1 - l / 2, i`,
      `    if (i % 100 == 0) printf "@@axon {\\"metrics\\":{\\"val_loss\\":%.6f,\\"val/acc\\":%.6f,\\"train/lr\\":%s},\\"step\\":%d}\\n", l + 0.1, 0.95 - l / 2, lr, i`,
      '  }',
      "}'",
    ].join('\n'),
  );
  served = await startServe(home);
  await served.client.call('projects.create', { name: 'panels', codePath: project });
  for (const [lr, steps, name] of [
    [0.1, BIG, 'long'],
    [0.05, 400, 'slow'],
    [0.3, 400, 'fast'],
  ] as const) {
    const c: RunCreated = await served.client.call('runs.create', {
      files: [
        {
          name: 'polyaxonfile.yml',
          text: [
            'version: 1',
            'kind: experiment',
            `name: ${name}`,
            'run:',
            `  cmd: bash train.sh ${lr} ${steps}`,
          ].join('\n'),
        },
      ],
      project: 'panels',
      codePath: project,
    });
    assert.equal(c.kind, 'experiment');
    if (c.kind === 'experiment') ids.push(c.experiment.id);
  }
  for (const id of ids)
    await waitFor(
      async () => isDone((await served!.client.call('experiments.get', { id })).status),
      120_000,
      `experiment ${id} to end`,
    );
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await served?.stop();
  for (const d of [home, project]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

/** A browser page for one step; a failing step leaves test-results/<prefix>-failed.png of what it showed. */
async function withPage(prefix: string, body: (w: WatchedPage) => Promise<void>): Promise<void> {
  const w = await watchedPage(browser!, prefix);
  try {
    await body(w);
    assert.deepEqual(w.errors, []);
  } catch (e) {
    await w.shot('failed').catch(() => undefined);
    throw e;
  } finally {
    await w.page.close();
  }
}

/**
 * A screenshot of the view in the light and the dark theme (switched with the sidebar's button, so the charts
 * are redrawn), each audited with axe: serious or critical WCAG 2.1 AA violations fail the step.
 */
async function shotBothThemes(w: WatchedPage, name: string): Promise<void> {
  const themeButton = w.page.getByRole('button', { name: /^(Dark|Light) theme$/ });
  for (const theme of ['light', 'dark'] as const) {
    if ((await w.page.evaluate('document.documentElement.dataset.theme')) !== theme)
      await themeButton.click();
    await w.page.locator(`html[data-theme="${theme}"]`).waitFor({ state: 'attached' });
    await w.shot(theme === 'light' ? name : `${name}-dark`);
    const bad = (await axeAudit(w.page)).violations.filter(
      (v) => v.impact === 'serious' || v.impact === 'critical',
    );
    assert.deepEqual(bad.length ? formatViolations(`${name} (${theme})`, bad) : '', '', 'accessibility');
  }
  await themeButton.click();
}

async function open(w: WatchedPage, hash: string): Promise<Page> {
  await w.page.goto(`${served!.url}/?token=${served!.token}#${hash}`);
  return w.page;
}

/** The page's window, for getComputedStyle inside evaluate (the tests are type-checked without the DOM
 * library; a function sent to the page cannot call helpers of this file). */
type PageWindow = {
  getComputedStyle(e: unknown): { color: string; borderColor: string; borderTopColor: string };
};
const panel = (scope: Page | Locator, metrics: string) => scope.locator(`figure[data-metric="${metrics}"]`);
const num = async (l: Locator, attr: string) => Number(await l.getAttribute(attr));

test(
  'metric panels, overlays and Compare (issue #13 §2) in Chromium',
  { skip: skipOrFail(noChromium), timeout: 300_000 },
  async (t) => {
    const [big, slow, fast] = ids;

    await t.test('shared panels, prefix sections, search, and the user’s own panels', () =>
      withPage('panels', async (w) => {
        const page = await open(w, `/experiments/${big}?tab=metrics`);
        const loss = panel(page, 'loss val_loss');
        await loss.locator('canvas').waitFor({ timeout: 30_000 });
        // The uPlot legend names both lines of the shared panels.
        const legend = async (fig: Locator) =>
          (await fig.locator('.u-legend .u-series:visible .u-label').allInnerTexts()).filter(
            (x) => !/^(step|time)$/.test(x),
          );
        assert.deepEqual(await legend(loss), ['loss', 'val_loss']);
        const acc = panel(page, 'train/acc val/acc');
        assert.deepEqual(await legend(acc), ['train/acc', 'val/acc']);
        // Sections: the shared panels first (no prefix), then train/ with train/lr.
        const sections = page.locator('details.metric-section');
        assert.deepEqual(
          await sections.evaluateAll((els) => els.map((e) => e.getAttribute('data-section'))),
          ['', 'train'],
        );
        const train = page.locator('details.metric-section[data-section="train"]');
        await panel(train, 'train/lr').locator('canvas').waitFor();
        await shotBothThemes(w, 'experiment');
        // A section collapses (its charts go) and opens again.
        await train.locator(':scope > summary').click();
        await panel(page, 'train/lr').waitFor({ state: 'detached' });
        await train.locator(':scope > summary').click();
        await panel(train, 'train/lr').locator('canvas').waitFor();

        // The search over metric names.
        const search = page.getByRole('searchbox', { name: 'Search metrics' });
        await search.fill('acc');
        await waitFor(
          async () => (await page.locator('figure[data-metric]').count()) === 1,
          5000,
          'one panel for “acc”',
        );
        await acc.locator('canvas').waitFor();
        assert.equal(await loss.count(), 0, 'loss is not an acc metric');
        await page.getByText('1 of 3 panels').waitFor();
        await search.fill('lr');
        await panel(page, 'train/lr').waitFor();
        assert.equal(await page.locator('figure[data-metric]').count(), 1);
        await search.fill('');
        await loss.waitFor();

        // The user gives val/acc a panel of its own: it goes to the val/ section; kept across a reload.
        await acc.getByText('Metrics…').click();
        await acc
          .getByRole('group', { name: /Metrics on the panel/ })
          .getByLabel('val/acc')
          .click();
        const val = page.locator('details.metric-section[data-section="val"]');
        await panel(val, 'val/acc').locator('canvas').waitFor();
        await panel(train, 'train/acc').locator('canvas').waitFor();
        await page.reload();
        await panel(val, 'val/acc').locator('canvas').waitFor({ timeout: 30_000 });
        await w.shot('own-panel');
        await page.getByRole('button', { name: 'Default panels' }).click();
        await panel(page, 'train/acc val/acc').locator('canvas').waitFor();
        assert.equal(await val.count(), 0, 'no val/ section once val/acc is back with train/acc');
      }),
    );

    await t.test('zoom reads finer data for the visible range; reset goes back to the overview', () =>
      withPage('panels-zoom', async (w) => {
        const ranged: string[] = [];
        w.page.on('request', (r) => {
          if (r.url().endsWith('/api/experiments.metricSeries') && /fromStep/.test(r.postData() ?? ''))
            ranged.push(r.postData()!);
        });
        const page = await open(w, `/experiments/${big}?tab=metrics`);
        const fig = panel(page, 'loss val_loss');
        const chart = fig.locator('.chart');
        await chart.locator('canvas').waitFor({ timeout: 30_000 });
        await page.locator('figure[data-metric="loss val_loss"] .chart[data-visible-points]').waitFor();
        const overview = await num(chart, 'data-visible-points');
        // loss has 20,000 steps: the overview holds at most 2,000 buckets of it (+ val_loss's 200 points).
        assert.ok(overview <= 2200, `overview: ${overview} points`);
        // Drag across 3 % of the plot.
        const over = (await fig.locator('.u-over').boundingBox())!;
        const y = over.y + over.height / 2;
        await page.mouse.move(over.x + over.width * 0.2, y);
        await page.mouse.down();
        await page.mouse.move(over.x + over.width * 0.21, y, { steps: 3 });
        await page.mouse.move(over.x + over.width * 0.23, y, { steps: 3 });
        await page.mouse.up();
        await waitFor(
          async () => (await fig.getAttribute('data-zoomed')) === 'true',
          5000,
          'the chart to zoom',
        );
        const lo = Number(await chart.getAttribute('data-x-min'));
        const hi = Number(await chart.getAttribute('data-x-max'));
        assert.ok(hi - lo < BIG / 10, `zoomed to ${lo}–${hi}`);
        // What the overview has in that range, from the engine.
        const whole = await served!.client.call('experiments.metricSeries', {
          id: big,
          keys: ['loss', 'val_loss'],
        });
        const coarse = new Set(
          whole.flatMap((s) => s.points.map((p) => p.step)).filter((s) => s >= lo && s <= hi),
        ).size;
        await waitFor(
          async () => (await num(chart, 'data-visible-points')) >= Math.max(5 * coarse, hi - lo - 2),
          15_000,
          `more than ${coarse} points between steps ${lo} and ${hi}`,
        );
        const fine = await num(chart, 'data-visible-points');
        assert.ok(ranged.length >= 1, 'the engine was asked for a step range');
        const asked = JSON.parse(ranged.at(-1)!) as { fromStep: number; toStep: number; keys: string[] };
        assert.ok(
          asked.fromStep <= lo && asked.toStep >= hi,
          `read ${asked.fromStep}–${asked.toStep} for ${lo}–${hi}`,
        );
        assert.deepEqual(asked.keys, ['loss', 'val_loss']);
        await fig.getByText(/steps [\d,]+–[\d,]+ in full/).waitFor();
        await shotBothThemes(w, 'zoomed');
        // The charts were made again in each theme: the zoom and its finer data stayed.
        assert.equal(await fig.getAttribute('data-zoomed'), 'true', 'still zoomed after the theme changed');
        assert.equal(Number(await chart.getAttribute('data-x-min')), lo);
        assert.equal(await num(chart, 'data-visible-points'), fine);
        // Zooming further inside a complete read asks nothing more.
        const before = ranged.length;
        const box = (await fig.locator('.u-over').boundingBox())!;
        await page.mouse.move(box.x + box.width * 0.4, y);
        await page.mouse.down();
        await page.mouse.move(box.x + box.width * 0.6, y, { steps: 3 });
        await page.mouse.up();
        await waitFor(async () => Number(await chart.getAttribute('data-x-max')) < hi, 5000, 'a closer zoom');
        await new Promise((r) => setTimeout(r, 700));
        assert.equal(ranged.length, before, 'no read for a view inside a complete one');
        // Reset: the overview again.
        await fig.getByRole('button', { name: 'Reset zoom' }).click();
        await waitFor(
          async () => (await fig.getAttribute('data-zoomed')) === 'false',
          5000,
          'the zoom to reset',
        );
        await waitFor(
          async () => (await num(chart, 'data-visible-points')) === overview,
          5000,
          'the overview again',
        );
        assert.ok(fine > overview / 4, `zoomed ${fine} vs overview ${overview}`);
      }),
    );

    const colourOf = (l: Locator) =>
      l.evaluate((e) => (globalThis as unknown as PageWindow).getComputedStyle(e).color);

    await t.test('the runs selected in the project table, overlaid in one colour each', () =>
      withPage('panels-overlay', async (w) => {
        const page = await open(w, '/projects/panels');
        const grid = page.locator('[role=grid][aria-label=Experiments]');
        for (const id of [big, slow, fast]) {
          // The selection lives in the address, so the box shows it a moment after the click.
          await grid.getByLabel(`Select row ${id}`).click();
          await grid.locator(`[role=row][data-key="${id}"][aria-selected=true]`).waitFor();
        }
        const overlay = page.locator('section.runs-overlay');
        await overlay.waitFor({ timeout: 15_000 });
        const loss = panel(overlay, 'loss');
        await loss.locator('canvas').waitFor({ timeout: 30_000 });
        const labels = (await loss.locator('.u-legend .u-series:visible .u-label').allInnerTexts()).slice(1);
        assert.deepEqual(labels, [`#${big} long`, `#${slow} slow`, `#${fast} fast`]);
        // One colour per run: the legend's swatches are distinct, and each run's line has its swatch's colour.
        const swatches = overlay.locator('.run-legend li');
        assert.equal(await swatches.count(), 3);
        const colours = await Promise.all(
          [big, slow, fast].map((id) =>
            colourOf(overlay.locator(`.run-legend li[data-run="${id}"] .run-swatch`)),
          ),
        );
        assert.equal(new Set(colours).size, 3, `distinct colours: ${colours}`);
        const markers = await loss
          .locator('.u-legend .u-series:visible .u-marker')
          .evaluateAll((els) =>
            els.slice(1).map((e) => (globalThis as unknown as PageWindow).getComputedStyle(e).borderColor),
          );
        assert.deepEqual(markers, colours, 'the lines are drawn in the runs’ colours');
        // Every metric is overlaid, under its prefix.
        await panel(overlay.locator('details.metric-section[data-section="val"]'), 'val/acc').waitFor();
        await shotBothThemes(w, 'project-overlay');
      }),
    );

    await t.test(
      'Compare: several metrics, headers coloured like the lines, identical values said once',
      () =>
        withPage('panels-compare', async (w) => {
          const page = await open(w, `/compare?ids=${fast},${big},${slow}`);
          await page.getByRole('heading', { name: 'Compare 3 experiments' }).waitFor({ timeout: 15_000 });
          const only = page.getByLabel('Differences only');
          assert.equal(await only.isChecked(), true, 'differences only by default');
          const table = page.getByRole('table', { name: 'Params and metrics side by side' });
          const rowHeads = async () => table.locator('tbody tr > th').allInnerTexts();
          const heads = await rowHeads();
          assert.ok(
            heads.some((h) => /^lr/.test(h)),
            `lr differs: ${heads}`,
          );
          assert.ok(
            !heads.some((h) => /^(batch|optimizer)/.test(h)),
            `batch and optimizer get no row: ${heads}`,
          );
          const same = table.locator('tr.same-row');
          assert.match(await same.innerText(), /Same in all 3[\s\S]*batch = 32[\s\S]*optimizer = adam/);
          // Off: every row, an identical one with its value once across all the columns.
          await only.uncheck();
          const batch = table.locator('tr.same', { has: page.getByRole('rowheader', { name: 'batch' }) });
          await batch.waitFor();
          assert.equal(await batch.locator('td').count(), 1);
          assert.equal(await batch.locator('td').getAttribute('colspan'), '3');
          assert.match(await batch.locator('td').innerText(), /^32/);
          assert.equal(await same.count(), 0);
          // The overlay: several metrics at once, each run's line in its column header's colour.
          const overlay = page.locator('section[aria-labelledby=overlay-title]');
          for (const m of ['loss', 'val_loss', 'train/acc', 'val/acc', 'train/lr'])
            await panel(overlay, m).locator('canvas').waitFor({ timeout: 30_000 });
          const loss = panel(overlay, 'loss');
          const lineColours = await loss
            .locator('.u-legend .u-series:visible .u-marker')
            .evaluateAll((els) =>
              els.slice(1).map((e) => (globalThis as unknown as PageWindow).getComputedStyle(e).borderColor),
            );
          const lineLabels = (
            await loss.locator('.u-legend .u-series:visible .u-label').allInnerTexts()
          ).slice(1);
          for (const [i, label] of lineLabels.entries()) {
            const id = /^#(\d+)/.exec(label)?.[1];
            assert.ok(id, `a run's line: ${lineLabels.join(' | ')}`);
            const head = table.locator(`thead th[data-run="${id}"]`);
            assert.equal(
              await head.evaluate(
                (e) => (globalThis as unknown as PageWindow).getComputedStyle(e).borderTopColor,
              ),
              lineColours[i],
              `#${id}'s header has its line's colour`,
            );
          }
          await only.check();
          await shotBothThemes(w, 'compare');
        }),
    );
  },
);

test(
  'the log scale applies to the panels it can draw; a panel with a 0 stays linear (it used to disable the switch for all)',
  { skip: skipOrFail(noChromium), timeout: 120_000 },
  async () => {
    const c: RunCreated = await served!.client.call('runs.create', {
      files: [
        {
          name: 'polyaxonfile.yml',
          text: [
            'version: 1',
            'kind: experiment',
            'run:',
            `  cmd: for i in 1 2 3; do echo "@@axon {\\"metrics\\":{\\"loss\\":$i,\\"acc\\":$((i - 1))},\\"step\\":$i}"; done`,
          ].join('\n'),
        },
      ],
      project: 'panels',
      codePath: project,
    });
    const id = c.kind === 'experiment' ? c.experiment.id : 0;
    await waitFor(
      async () => (await served!.client.call('experiments.get', { id })).status === 'succeeded',
      30_000,
      'the run',
    );
    await withPage('log-scale', async (w) => {
      const page = await open(w, `/experiments/${id}?tab=metrics`);
      await panel(page, 'acc').locator('canvas').waitFor({ timeout: 30_000 });
      const box = page.getByLabel(/Log scale/);
      assert.equal(await box.isDisabled(), false);
      assert.match(
        (await page.locator('label', { has: box }).innerText()) ?? '',
        /Log scale \(panels with a value ≤ 0 stay linear\)/,
      );
      await box.check();
      await page.locator('figure[data-metric="loss"][data-log="true"]').waitFor();
      assert.equal(await panel(page, 'acc').getAttribute('data-log'), 'false');
    });
  },
);
