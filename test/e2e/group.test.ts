// The Group page of a hyperband sweep in Chromium: `axon serve` (a real child process, temporary AXON_HOME)
// runs a small hyperband group (max_iter 9, eta 3: 22 experiments of a quick shell objective) created
// through the API. The page shows the brackets while the sweep runs (the current round marked), then the
// parallel coordinates with one line per finished experiment; brushing an axis (by dragging, and by the
// filter form) changes the count; a line opens its experiment, and so does a bracket cell. Screenshots in
// the light and the dark theme go to test-results/group-*.png. Fails on any console or page error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ROOT, startServe, tmpDir, waitFor, type Served } from '../helpers';
import { available, skipOrFail } from '../requirements';
import {
  chromiumMissing,
  buildRenderer,
  launch,
  waitForTrue,
  watchedPage,
  type WatchedPage,
} from './browser';
import { isGroupDone } from '../../shared/statuses';

const noChromium = chromiumMissing();
let served: Served | null = null;
let browser: Browser | null = null;
let home = '';
let project = '';

before(async () => {
  // Outside CI without Chromium the tests skip (their skip option); under CI=true this fails them, naming it.
  if (!available('Chromium', noChromium)) return;
  buildRenderer(); // a failed build fails the tests, never skips them
  home = tmpDir('axon-e2e-group-');
  project = tmpDir('axon-e2e-hb-');
  fs.writeFileSync(
    path.join(project, 'obj.sh'),
    [
      '# usage: obj.sh X EPOCHS LR OPT: loss = (x-0.3)^2 + 0.5/epochs (+0.05 for sgd)',
      'sleep 0.3',
      `awk -v x="$1" -v e="$2" -v o="$4" 'BEGIN { l = (x-0.3)^2 + 0.5/e; if (o == "sgd") l += 0.05; printf "@@axon {\\"metrics\\":{\\"loss\\":%.6f}}\\n", l }'`,
    ].join('\n'),
  );
  served = await startServe(home);
  await served.client.call('projects.create', { name: 'hb', codePath: project });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await served?.stop();
  for (const d of [home, project]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

const token = () =>
  (JSON.parse(fs.readFileSync(path.join(home, 'engine.json'), 'utf8')) as { token: string }).token;

const SWEEP = [
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
  '    x:',
  '      uniform: 0:1',
  '    lr:',
  '      logspace: -4:-1:4',
  '    opt:',
  '      values: [adam, sgd]',
  'run:',
  '  cmd: bash obj.sh {{ x }} {{ epochs }} {{ lr }} {{ opt }}',
].join('\n');

/** The summary line under the chart. */
const summary = (page: Page) => page.locator('.pcoords-summary');
const linesDrawn = async (page: Page) => ({
  all: Number(await page.locator('.pcoords-plot canvas').getAttribute('data-lines')),
  visible: Number(await page.locator('.pcoords-plot canvas').getAttribute('data-visible')),
});

async function setTheme(page: Page, theme: 'light' | 'dark') {
  if ((await page.evaluate('document.documentElement.dataset.theme')) === theme) return;
  await page.getByRole('button', { name: /^(Dark|Light) theme$/ }).click();
  await page.locator(`html[data-theme="${theme}"]`).waitFor({ state: 'attached' });
}

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}
/**
 * axe-core's WCAG 2.0/2.1 A and AA rules on the page as it is. Injected with page.evaluate (CDP), which the
 * page's Content-Security-Policy does not govern, so the audit sees the page under its real policy.
 */
async function axeViolations(page: Page): Promise<Violation[]> {
  if ((await page.evaluate('typeof window.axe')) !== 'object')
    await page.evaluate(fs.readFileSync(path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8'));
  const options = { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } };
  const json = await page.evaluate(
    `axe.run(document, ${JSON.stringify(options)}).then((r) => JSON.stringify(r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')),
    }))))`,
  );
  return JSON.parse(json as string) as Violation[];
}
/** Serious and critical violations fail the test; minor and moderate ones are reported. */
const a11yFailures: string[] = [];
const a11yNotes: string[] = [];

/** Both themes, light first: `group-NAME` and `group-NAME-dark`; axe audits the page in each. */
async function shots(w: WatchedPage, name: string) {
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(w.page, theme);
    // The theme's transitions have ended and the canvases redrawn (two frames), rather than a fixed pause.
    await waitForTrue(w.page, "document.getAnimations().every((a) => a.playState !== 'running')");
    await w.page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
    await w.shot(theme === 'light' ? name : `${name}-dark`);
    for (const v of await axeViolations(w.page))
      (v.impact === 'serious' || v.impact === 'critical' ? a11yFailures : a11yNotes).push(
        `${name} (${theme}): [${v.impact}] ${v.id}: ${v.help}: ${v.targets.join(', ')}`,
      );
  }
  await setTheme(w.page, 'light');
}

test(
  'the Group page: hyperband brackets and parallel coordinates in Chromium',
  { skip: skipOrFail(noChromium), timeout: 240_000 },
  async (t) => {
    const w = await watchedPage(browser!, 'group');
    const { page } = w;
    const api = served!.client;
    const created = await api.call('runs.create', {
      files: [{ name: 'polyaxonfile.yml', text: SWEEP }],
      project: 'hb',
      codePath: project,
    });
    assert.equal(created.kind, 'group');
    const id = created.kind === 'group' ? created.group.id : 0;
    await page.goto(`${served!.url}/?token=${token()}#/groups/${id}`);
    await page.getByRole('heading', { name: new RegExp(`^Group ${id}`), level: 1 }).waitFor();

    await t.test('while the sweep runs, the brackets show the round it waits for', async () => {
      await page.getByRole('heading', { name: 'Hyperband brackets' }).waitFor();
      assert.equal(await page.locator('.bracket-row').count(), 3, 'three brackets for max_iter 9, eta 3');
      await page.locator('.round.current').first().waitFor({ timeout: 30_000 });
      assert.match(
        (await page.locator('.round.current').first().getAttribute('aria-label')) ?? '',
        /running now/,
      );
      await w.shot('01-running');
    });

    await t.test('at the end: 22 experiments in their rounds, promoted ones marked', async () => {
      await waitFor(
        async () => isGroupDone((await api.call('groups.get', { id })).status),
        120_000,
        'the sweep to end',
      );
      await page.locator('h1 [data-status="done"]').waitFor({ timeout: 30_000 });
      // The sweep is re-read once the last experiments end: no current round, every cell succeeded.
      await page.locator('.round.current').waitFor({ state: 'detached', timeout: 15_000 });
      await page.locator('.round-cells a.bcell[data-status="succeeded"]').nth(21).waitFor();
      assert.equal(await page.locator('.round').count(), 6, '3 + 2 + 1 rounds');
      assert.equal(await page.locator('.round-cells a.bcell').count(), 22);
      assert.equal(await page.locator('.round-cells a.bcell.promoted').count(), 3 + 1 + 1);
      // Bracket by bracket, each round left to right.
      assert.deepEqual(await page.locator('.round .round-size').allInnerTexts(), [
        '9 × 1',
        '3 × 3',
        '1 × 9',
        '5 × 3',
        '1 × 9',
        '3 × 9',
      ]);
      const label = (await page.locator('a.bcell').first().getAttribute('aria-label')) ?? '';
      assert.match(label, /^Experiment \d+, succeeded, loss [\d.]+/);
    });

    await t.test('parallel coordinates: one line per finished experiment', async () => {
      await page.getByRole('heading', { name: /^Parallel coordinates: params → loss/ }).waitFor();
      await waitFor(async () => (await linesDrawn(page)).all === 22, 15_000, '22 lines');
      assert.deepEqual(await linesDrawn(page), { all: 22, visible: 22 });
      assert.deepEqual(
        await page.locator('.pc-axis').evaluateAll((els) => els.map((e) => e.getAttribute('data-axis'))),
        ['x', 'lr', 'opt', 'epochs', 'loss'],
      );
      assert.match((await page.locator('.pcoords-plot').getAttribute('aria-label')) ?? '', /22 finished/);
      await page.locator('.pcoords').scrollIntoViewIfNeeded();
      await shots(w, '02-done');
    });

    await t.test('brushing the metric axis filters the lines and counts them', async () => {
      const axis = page.locator('.pc-axis[data-axis="loss"] .pc-axis-line');
      const box = (await axis.boundingBox())!;
      const x = box.x + box.width / 2;
      // Drag over the lower half of the loss axis (the better experiments).
      await page.mouse.move(x, box.y + box.height * 0.55);
      await page.mouse.down();
      await page.mouse.move(x, box.y + box.height * 0.8, { steps: 4 });
      await page.mouse.move(x, box.y + box.height + 2, { steps: 4 });
      await page.mouse.up();
      await page.locator('.pc-brush[data-brush="loss"]').waitFor();
      const text = await summary(page).innerText();
      const m = /(\d+) of 22 experiments match/.exec(text);
      assert.ok(m, `summary after brushing: ${text}`);
      const n = Number(m![1]);
      assert.ok(n > 0 && n < 22, `${n} of 22 match`);
      assert.equal((await linesDrawn(page)).visible, n);
      await page
        .getByRole('list', { name: 'Filters' })
        .getByText(/≤ loss ≤/)
        .waitFor();
      await shots(w, '03-brushed');

      // The same filter typed in: opt from sgd to sgd, on top of the brush.
      await page.getByLabel('Filter axis').selectOption('opt');
      await page.getByLabel('Filter opt from').selectOption('sgd');
      await page.getByLabel('Filter opt to').selectOption('sgd');
      await page.getByRole('button', { name: 'Apply filter' }).click();
      await page.getByRole('list', { name: 'Filters' }).getByText('opt ∈ {sgd}').waitFor();
      const m2 = /(\d+) of 22 experiments match/.exec(await summary(page).innerText());
      assert.ok(m2 && Number(m2[1]) <= n, `with opt = sgd: ${await summary(page).innerText()}`);

      // A click on the axis clears its brush; "Clear all filters" the rest.
      await page.mouse.click(x, box.y + box.height * 0.3);
      await page.locator('.pc-brush[data-brush="loss"]').waitFor({ state: 'detached' });
      await page.getByRole('button', { name: 'Clear all filters' }).click();
      await page.locator('.pc-brush').first().waitFor({ state: 'detached' });
      assert.deepEqual(await linesDrawn(page), { all: 22, visible: 22 });
    });

    await t.test('a line shows its experiment and links to it', async () => {
      const a = (await page.locator('.pc-axis[data-axis="opt"] .pc-axis-line').boundingBox())!;
      const b = (await page.locator('.pc-axis[data-axis="epochs"] .pc-axis-line').boundingBox())!;
      const x = (a.x + b.x) / 2;
      let hit = false;
      for (let y = a.y; y <= a.y + a.height && !hit; y += 3) {
        await page.mouse.move(x, y);
        await page.waitForTimeout(30);
        hit = (await page.locator('.pcoords-detail a').count()) > 0;
        if (hit) await page.mouse.click(x, y);
      }
      assert.ok(hit, 'some line between opt and epochs is under the pointer somewhere');
      await page.locator('.pcoords-detail').getByText('Selected:').waitFor();
      const link = page.locator('.pcoords-detail a');
      const target = (await link.innerText()).replace('Experiment ', '');
      await shots(w, '04-selected');
      await link.click();
      await page.waitForURL(new RegExp(`#/experiments/${target}$`));
      await page.getByRole('heading', { name: new RegExp(`^Experiment ${target}`), level: 1 }).waitFor();
      await page.goBack();
      await page.getByRole('heading', { name: 'Hyperband brackets' }).waitFor();
    });

    await t.test('a bracket cell opens its experiment; the arrow keys move within a round', async () => {
      const first = page.locator('.round[data-bracket="0"][data-round="0"] a.bcell').first();
      await first.focus();
      await page.keyboard.press('ArrowRight');
      const focused = (await page.evaluate('document.activeElement.dataset.id')) as string;
      const second = await page
        .locator('.round[data-bracket="0"][data-round="0"] a.bcell')
        .nth(1)
        .getAttribute('data-id');
      assert.equal(focused, second, 'ArrowRight moves to the next cell');
      const cell = page.locator('.round[data-bracket="0"][data-round="1"] a.bcell').first();
      const cellId = await cell.getAttribute('data-id');
      await cell.click();
      await page.waitForURL(new RegExp(`#/experiments/${cellId}$`));
      await page.getByRole('heading', { name: new RegExp(`^Experiment ${cellId}`), level: 1 }).waitFor();
    });

    assert.deepEqual(w.errors, [], 'no console errors');
    for (const n of a11yNotes) t.diagnostic(n);
    assert.deepEqual(a11yFailures, [], 'no serious or critical accessibility violations');
  },
);

test(
  'the Group page of a grid sweep without a metric: no brackets, an honest empty chart',
  { skip: skipOrFail(noChromium), timeout: 120_000 },
  async () => {
    const w = await watchedPage(browser!, 'group-grid');
    const { page } = w;
    const api = served!.client;
    const created = await api.call('runs.create', {
      files: [
        {
          name: 'polyaxonfile.yml',
          text: [
            'version: 1',
            'kind: group',
            'hptuning:',
            '  concurrency: 2',
            '  matrix:',
            '    a: {values: [1, 2]}',
            'run:',
            '  cmd: echo a={{ a }}',
          ].join('\n'),
        },
      ],
      project: 'hb',
      codePath: project,
    });
    const id = created.kind === 'group' ? created.group.id : 0;
    await waitFor(
      async () => isGroupDone((await api.call('groups.get', { id })).status),
      60_000,
      'the grid to end',
    );
    await page.goto(`${served!.url}/?token=${token()}#/groups/${id}`);
    await page.locator('h1 [data-status="done"]').waitFor();
    await page.getByText('Parallel coordinates appear when experiments report a metric.').waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Hyperband brackets' }).count(), 0);
    await w.shot('01-empty');
    assert.deepEqual(w.errors, [], 'no console errors');
  },
);

test(
  'an ended group is deleted from its page, with its experiments, after a confirmation',
  { skip: skipOrFail(noChromium), timeout: 120_000 },
  async () => {
    const w = await watchedPage(browser!, 'group-delete');
    const { page } = w;
    const api = served!.client;
    const grid = (values: string) =>
      api.call('runs.create', {
        files: [
          {
            name: 'polyaxonfile.yml',
            text: `version: 1\nkind: group\nhptuning:\n  matrix:\n    a: {values: [${values}]}\nrun:\n  cmd: echo a={{ a }}\n`,
          },
        ],
        project: 'hb',
        codePath: project,
      });
    const created = await grid('1, 2, 3');
    const kept = await grid('4');
    assert.equal(created.kind, 'group');
    const id = created.kind === 'group' ? created.group.id : 0;
    const keptId = kept.kind === 'group' ? kept.group.id : 0;
    const ids = created.kind === 'group' ? created.experiments.map((x) => x.id) : [];
    for (const g of [id, keptId])
      await waitFor(
        async () => isGroupDone((await api.call('groups.get', { id: g })).status),
        60_000,
        'the grids',
      );
    await page.goto(`${served!.url}/?token=${token()}#/groups/${id}`);
    await page.locator('h1 [data-status="done"]').waitFor();
    assert.equal(
      await page.getByRole('button', { name: 'Stop group' }).count(),
      0,
      'an ended group has no Stop',
    );

    await page.getByRole('button', { name: 'Delete group' }).click();
    const dialog = page.getByRole('dialog', { name: `Delete group ${id}?` });
    await dialog.waitFor();
    assert.match((await dialog.textContent()) ?? '', /Its 3 experiments go with it/);
    await w.shot('01-delete-dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await api.call('groups.get', { id })).id, id, 'Cancel deletes nothing');

    await page.getByRole('button', { name: 'Delete group' }).click();
    await dialog.getByRole('button', { name: 'Delete group' }).click();
    await page.waitForURL(/#\/projects\/hb$/);
    // The project page lists the other groups, not this one.
    await page.getByRole('link', { name: `Group ${keptId}`, exact: true }).waitFor();
    assert.equal(await page.getByRole('link', { name: `Group ${id}`, exact: true }).count(), 0);
    await assert.rejects(api.call('groups.get', { id }), /no experiment group/);
    for (const x of ids) await assert.rejects(api.call('experiments.get', { id: x }), /no experiment/);
    assert.deepEqual(w.errors, [], 'no console errors');
  },
);

test(
  'Stop pending on a running grid: those not started are stopped, the running ones finish, the group ends done',
  { skip: skipOrFail(noChromium), timeout: 120_000 },
  async () => {
    const w = await watchedPage(browser!, 'group-stop-pending');
    const { page } = w;
    const api = served!.client;
    const release = path.join(tmpDir('axon-e2e-release-'), 'go');
    const created = await api.call('runs.create', {
      files: [
        {
          name: 'polyaxonfile.yml',
          text:
            'version: 1\nkind: group\nhptuning:\n  concurrency: 2\n  matrix:\n    a: {values: [1, 2, 3, 4, 5]}\n' +
            `run:\n  cmd: while [ ! -f ${release} ]; do sleep 0.1; done\n`,
        },
      ],
      project: 'hb',
      codePath: project,
    });
    const id = created.kind === 'group' ? created.group.id : 0;
    await page.goto(`${served!.url}/?token=${token()}#/groups/${id}`);
    await waitFor(
      async () => (await api.call('groups.get', { id })).progress.running === 2,
      30_000,
      'two running',
    );
    await page.getByRole('button', { name: 'Stop pending' }).click();
    await waitFor(
      async () => (await api.call('groups.get', { id })).progress.stopped === 3,
      15_000,
      'the three pending stopped',
    );
    await page.getByRole('button', { name: 'Stop pending' }).waitFor({ state: 'detached' });
    assert.equal((await api.call('groups.get', { id })).progress.running, 2, 'the running ones go on');
    fs.writeFileSync(release, '');
    await page.locator('h1 [data-status="done"]').waitFor({ timeout: 30_000 });
    const g = await api.call('groups.get', { id });
    assert.equal(g.progress.succeeded, 2);
    assert.match(g.statusMessage ?? '', /stopped by user: its pending experiments/);
    await w.shot('01-stopped-pending');
    assert.deepEqual(w.errors, [], 'no console errors');
  },
);
