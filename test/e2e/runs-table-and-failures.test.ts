// Issue #13 §2 in Chromium against a real `axon serve` (a child process on a temporary AXON_HOME): the runs
// table's resizable columns and saved column sets (kept across a reload), a group's objective first and the
// table filling the window, a failed run's overview showing its traceback, the log viewer's line wrap, the
// projects list's running count / last activity / best result, and the download of an output file (its
// bytes, through a signed link that carries no token). Screenshots: test-results/runs-*.png, light and dark;
// axe (WCAG 2.1 A/AA) on each view, serious and critical findings fail.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startServe, tmpDir, waitFor, type Served } from '../helpers';
import { available, skipOrFail } from '../requirements';
import {
  axeAudit,
  buildRenderer,
  chromiumMissing,
  formatViolations,
  launch,
  watchedPage,
  type WatchedPage,
} from './browser';
import { isDone } from '../../shared/statuses';

const noChromium = chromiumMissing();
let served: Served | null = null;
let token = '';
let browser: Browser | null = null;
let home = '';
let code = '';
const ids = { failed: 0, outputs: 0, sleeper: 0, group: 0 };
/** The bytes the outputs run writes (a NUL and a byte that is not UTF-8 included). */
const MODEL = Buffer.from([0x41, 0x78, 0x00, 0x6f, 0xff, 0x6e, 0x0a]);

const FAILING = `import sys
print("loading the data")
print("x" * 400)
def load():
    raise KeyError("label")
def main():
    load()
main()
`;

async function runOne(cmd: string, name: string): Promise<number> {
  const c = await served!.client.call('runs.create', {
    files: [
      {
        name: 'p.yml',
        text: `version: 1\nkind: experiment\nname: ${name}\nrun:\n  cmd: ${JSON.stringify(cmd)}\n`,
      },
    ],
    project: 'runs',
    codePath: code,
  });
  if (c.kind !== 'experiment') throw new Error('expected an experiment');
  return c.experiment.id;
}

const ended = (id: number) =>
  waitFor(
    async () => isDone((await served!.client.call('experiments.get', { id })).status),
    60_000,
    `${id} to end`,
  );

before(async () => {
  if (!available('Chromium', noChromium)) return;
  buildRenderer();
  home = tmpDir('axon-e2e-runs-');
  code = tmpDir('axon-e2e-runs-code-');
  fs.writeFileSync(path.join(code, 'fail.py'), FAILING);
  fs.writeFileSync(path.join(code, 'model.bin'), MODEL);
  served = await startServe(home);
  token = served.token;
  await served.client.call('projects.create', { name: 'runs', codePath: code });
  await served.client.call('projects.create', { name: 'quiet', codePath: code });
  // A grid of 30 runs with a loss and a param, so the table is longer than the window.
  const group = [
    'version: 1',
    'kind: group',
    'hptuning:',
    '  concurrency: 6',
    '  metric: {name: loss, optimization: minimize}',
    '  matrix:',
    `    lr: {values: [${Array.from({ length: 30 }, (_, i) => (i + 1) / 1000).join(', ')}]}`,
    'run:',
    `  cmd: 'echo "@@axon {\\"metrics\\":{\\"loss\\":{{ lr }}}}"'`,
  ].join('\n');
  const g = await served.client.call('runs.create', {
    files: [{ name: 'g.yml', text: group }],
    project: 'runs',
    codePath: code,
  });
  ids.group = g.kind === 'group' ? g.group.id : 0;
  ids.failed = await runOne('python3 fail.py', 'broken');
  ids.outputs = await runOne('cp model.bin "$AXON_OUTPUTS_PATH/model.bin"', 'writer');
  await waitFor(
    async () => (await served!.client.call('groups.get', { id: ids.group })).status === 'done',
    90_000,
    'the group to finish',
  );
  await ended(ids.failed);
  await ended(ids.outputs);
  ids.sleeper = await runOne('sleep 120', 'sleeper');
  await waitFor(
    async () => (await served!.client.call('experiments.get', { id: ids.sleeper })).status === 'running',
    30_000,
    'the sleeper to run',
  );
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (served && ids.sleeper)
    await served.client.call('experiments.stop', { id: ids.sleeper }).catch(() => {});
  await served?.stop();
  for (const d of [home, code]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

async function open(w: WatchedPage, hash: string): Promise<Page> {
  await w.page.goto(`${served!.url}/?token=${token}#${hash}`);
  return w.page;
}

/** Screenshots in both themes and axe on each; serious or critical findings fail. */
async function shotAndAudit(w: WatchedPage, name: string) {
  const bad: string[] = [];
  for (const theme of ['light', 'dark'] as const) {
    await w.page.evaluate(`document.documentElement.dataset.theme = '${theme}'`);
    await w.shot(theme === 'light' ? name : `${name}-dark`);
    const { violations } = await axeAudit(w.page);
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    if (serious.length) bad.push(formatViolations(`${name} (${theme})`, serious));
  }
  await w.page.evaluate(`document.documentElement.dataset.theme = 'light'`);
  assert.deepEqual(bad, [], bad.join('\n'));
}

const grid = (page: Page) => page.locator('[role=grid][aria-label=Experiments]');
const headerWidth = (page: Page, col: string) =>
  grid(page)
    .locator(`[role=columnheader][data-col="${col}"]`)
    .evaluate((e) => e.getBoundingClientRect().width);
const headerIds = (page: Page) =>
  grid(page)
    .locator('[role=columnheader][data-col]')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-col')));

test(
  'runs table, failed runs, projects list, downloads (issue #13 §2)',
  { skip: skipOrFail(noChromium), timeout: 300_000 },
  async (t) => {
    await t.test(
      'a resized column keeps its width after a reload; a hidden column stays hidden',
      async () => {
        const w = await watchedPage(browser!, 'runs-table');
        const page = await open(w, '/projects/runs');
        await grid(page).locator('[role=row][data-index="0"]').waitFor();
        const before = await headerWidth(page, 'param:lr');
        const handle = grid(page).locator('[role=columnheader][data-col="param:lr"] .col-resizer');
        const box = (await handle.boundingBox())!;
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        await page.mouse.down();
        for (let dx = 20; dx <= 120; dx += 20)
          await page.mouse.move(box.x + box.width / 2 + dx, box.y + box.height / 2);
        await page.mouse.up();
        const widened = await headerWidth(page, 'param:lr');
        assert.ok(Math.abs(widened - (before + 120)) <= 2, `dragged 120 px wider: ${before} → ${widened}`);
        // Each row's cell follows its header.
        const cell = await grid(page)
          .locator('[role=row][data-index="0"] [data-col="param:lr"]')
          .evaluate((e) => e.getBoundingClientRect().width);
        assert.equal(Math.round(cell), Math.round(widened));

        // Hide Backend from the Columns menu.
        await page.locator('details.columns-menu > summary').click();
        await page
          .getByRole('group', { name: 'Columns to show' })
          .getByLabel('Backend', { exact: true })
          .uncheck();
        assert.ok(!(await headerIds(page)).includes('backend'), 'Backend hidden');
        await shotAndAudit(w, 'columns-menu');
        await page.keyboard.press('Escape');

        await page.reload();
        await grid(page).locator('[role=row][data-index="0"]').waitFor();
        const kept = await headerWidth(page, 'param:lr');
        assert.ok(Math.abs(kept - widened) <= 1, `the width is kept across a reload: ${widened} → ${kept}`);
        const cols = await headerIds(page);
        assert.ok(!cols.includes('backend'), `Backend still hidden after a reload: ${cols}`);
        assert.ok(cols.includes('status'), 'the others shown');
        const stored = (await page.evaluate(`localStorage.getItem('axon.columns.runs')`)) as string;
        assert.deepEqual(JSON.parse(stored).hidden, ['backend']);
        assert.equal(
          await page.evaluate(`localStorage.getItem('axon.columns.quiet')`),
          null,
          'kept per project',
        );

        // Shift+→ on the header's button widens it from the keyboard.
        await grid(page).locator('[role=columnheader][data-col="param:lr"] button').focus();
        await page.keyboard.press('Shift+ArrowRight');
        assert.ok(Math.abs((await headerWidth(page, 'param:lr')) - (kept + 16)) <= 1, 'Shift+→: 16 px wider');

        // Reset: the default columns and widths again.
        await page.locator('details.columns-menu > summary').click();
        await page.getByRole('button', { name: 'Reset columns' }).click();
        assert.ok((await headerIds(page)).includes('backend'));
        assert.ok(Math.abs((await headerWidth(page, 'param:lr')) - before) <= 1, 'automatic width again');
        assert.equal(await page.evaluate(`localStorage.getItem('axon.columns.runs')`), null);
        await page.keyboard.press('Escape');
        assert.deepEqual(w.errors, []);
        await w.page.close();
      },
    );

    await t.test(
      "in one group's context its objective is the first column after ID and name; the table fills the window",
      async () => {
        const w = await watchedPage(browser!, 'runs-group');
        const page = await open(w, '/projects/runs');
        await grid(page).locator('[role=row][data-index="0"]').waitFor();
        assert.notEqual((await headerIds(page))[2], 'metric:loss', 'all runs: the default order');
        await page.getByRole('searchbox', { name: 'Filter experiments' }).fill(`group=${ids.group}`);
        await waitFor(
          async () => (await headerIds(page))[2] === 'metric:loss',
          10_000,
          'the objective to come first',
        );
        assert.deepEqual((await headerIds(page)).slice(0, 3), ['id', 'name', 'metric:loss']);
        // 30 rows are taller than the window: the table reaches down to its bottom (less the hint under it).
        const { bottom, inner } = (await page.evaluate(`(() => {
          const e = document.querySelector('[role=grid][aria-label=Experiments]');
          return { bottom: e.getBoundingClientRect().bottom + window.scrollY, inner: window.innerHeight };
        })()`)) as { bottom: number; inner: number };
        assert.ok(
          bottom > inner - 90 && bottom <= inner,
          `the table ends at ${bottom} of a ${inner} px window`,
        );
        await w.shot('group-context');
        assert.deepEqual(w.errors, []);
        await w.page.close();
      },
    );

    await t.test("a failed run's overview shows the end of its log with the traceback", async () => {
      const w = await watchedPage(browser!, 'runs-failed');
      const page = await open(w, `/experiments/${ids.failed}`);
      const card = page.getByRole('region', { name: 'Why it failed' });
      await card.waitFor();
      const tail = card.getByLabel('The end of the log');
      await tail.getByText('Traceback (most recent call last):').waitFor();
      const text = await tail.innerText();
      assert.match(text, /KeyError: 'label'\s*$/, text);
      assert.match(text, /loading the data/, 'stdout before it is there too (one stream)');
      await card.getByText(/stdout and stderr together/).waitFor();
      assert.match(await card.innerText(), /exit code 1/);
      assert.equal(
        await tail.locator('.tail-line.traceback').first().innerText(),
        'Traceback (most recent call last):',
      );
      await shotAndAudit(w, 'failed-overview');

      // The log viewer: as tall as the window allows, and long lines wrap on request.
      await card.getByRole('link', { name: 'Open the whole log' }).click();
      const log = page.getByRole('log', { name: 'Log output' });
      await log.getByText('loading the data').waitFor();
      const longLine = log.locator('.vline', { hasText: 'xxxxxxxxxx' });
      const flat = await longLine.evaluate((e) => e.getBoundingClientRect().height);
      await page.getByLabel('Wrap lines').check();
      await waitFor(
        async () => (await longLine.evaluate((e) => e.getBoundingClientRect().height)) > flat * 1.5,
        5_000,
        'the long line to wrap',
      );
      const logBox = (await log.evaluate((e) => e.getBoundingClientRect().height)) as number;
      assert.ok(logBox >= 320, `the log viewer is ${logBox} px tall`);
      await shotAndAudit(w, 'log-wrapped');
      await page.reload();
      await page.getByRole('log', { name: 'Log output' }).getByText('loading the data').waitFor();
      assert.equal(await page.getByLabel('Wrap lines').isChecked(), true, 'wrap is kept');
      assert.deepEqual(w.errors, []);
      await w.page.close();
    });

    await t.test('the projects list shows running count, last activity and best result', async () => {
      const w = await watchedPage(browser!, 'runs-projects');
      const page = await open(w, '/');
      const row = page.getByRole('row', { name: /^runs\b/ });
      await row.locator('[data-cell=running]').getByText('1', { exact: true }).waitFor();
      const best = row.locator('[data-cell=best]');
      await best.getByText(`loss (lowest, group ${ids.group})`).waitFor();
      assert.equal(await best.locator('strong').innerText(), '0.001');
      const activity = await row.locator('[data-cell=last-activity]').innerText();
      assert.match(activity, /\d{1,2}:\d{2}/, `a time: ${activity}`);
      const quiet = page.getByRole('row', { name: /^quiet\b/ });
      await quiet.locator('[data-cell=last-activity]').getByText('no runs yet').waitFor();
      assert.equal(await quiet.locator('[data-cell=running]').innerText(), '0');
      // The new-project form opens from its button instead of taking the page.
      assert.equal(await page.getByRole('button', { name: 'Create project' }).count(), 0);
      await page.getByRole('button', { name: 'New project' }).click();
      await page.getByRole('button', { name: 'Create project' }).waitFor();
      await page.getByRole('button', { name: 'Close' }).click();
      // The sleeper stops: the count follows without a reload.
      await served!.client.call('experiments.stop', { id: ids.sleeper });
      await row.locator('[data-cell=running]').getByText('0', { exact: true }).waitFor({ timeout: 15_000 });
      await shotAndAudit(w, 'projects');
      assert.deepEqual(w.errors, []);
      await w.page.close();
    });

    await t.test(
      'Download returns the output file’s bytes, through a link that carries no token',
      async () => {
        const w = await watchedPage(browser!, 'runs-download');
        const page = await open(w, `/experiments/${ids.outputs}`);
        const outputs = page.getByRole('region', { name: 'Outputs' });
        await outputs.getByRole('button', { name: 'model.bin', exact: true }).click();
        await outputs.getByRole('figure', { name: 'Preview of model.bin' }).waitFor();
        await shotAndAudit(w, 'outputs');
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          outputs
            .getByRole('listitem')
            .filter({ hasText: 'model.bin' })
            .getByRole('button', { name: 'Download' })
            .click(),
        ]);
        assert.equal(download.suggestedFilename(), 'model.bin');
        assert.doesNotMatch(download.url(), new RegExp(token), 'the token is not in the link');
        assert.match(download.url(), /\/api\/download\/\d+\?path=model\.bin&expires=\d+&sig=[0-9a-f]{64}$/);
        const file = await download.path();
        assert.deepEqual(fs.readFileSync(file), MODEL);
        assert.deepEqual(w.errors, []);
        await w.page.close();
      },
    );
  },
);
