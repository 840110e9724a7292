// The dashboard end to end: `axon serve` (a real child process, temporary AXON_HOME) serving the renderer
// build, driven in Debian's Chromium. Creates a project from examples/branin, runs its group from the
// New run editor, watches statuses move live, opens logs and metric charts, compares two runs, stops a
// running one, switches theme; a full-page screenshot of every page goes to test-results/e2e-*.png.
// Fails on any console error or uncaught page error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ROOT, startServe, tmpDir, type Served } from '../helpers';
import { chromiumMissing, ensureRendererBuild, launch, watchedPage, type WatchedPage } from './browser';

const BRANIN = path.join(ROOT, 'examples', 'branin');
const missing = chromiumMissing();

let skipReason: string | null = missing;
let served: Served | null = null;
let browser: Browser | null = null;
let home = '';

before(async () => {
  if (skipReason) return;
  skipReason = ensureRendererBuild();
  if (skipReason) return;
  home = tmpDir('axon-e2e-');
  served = await startServe(home);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await served?.stop();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

function token(): string {
  const a = JSON.parse(fs.readFileSync(path.join(home, 'engine.json'), 'utf8')) as { token: string };
  return a.token;
}

/** The status badge in the page's heading. */
const headingStatus = (page: Page) => page.locator('h1 [data-status]').first();

async function waitForHeadingStatus(page: Page, statuses: string[], timeout = 60_000): Promise<string> {
  // A selector list rather than waitForFunction: the page's CSP forbids the eval that a predicate needs.
  await page
    .locator(statuses.map((s) => `h1 [data-status="${s}"]`).join(', '))
    .first()
    .waitFor({ timeout });
  return (await headingStatus(page).getAttribute('data-status')) ?? '';
}

test(
  'the dashboard drives a sweep end to end in Chromium',
  { skip: missing ?? false, timeout: 240_000 },
  async (t) => {
    if (skipReason) return t.skip(skipReason);
    const w: WatchedPage = await watchedPage(browser!, 'e2e');
    const { page } = w;
    const base = served!.url;

    await t.test('the token is taken from the URL and removed from the address bar', async () => {
      await page.goto(`${base}/?token=${token()}`);
      await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
      assert.equal(new URL(page.url()).searchParams.get('token'), null, page.url());
      assert.equal(await page.evaluate("sessionStorage.getItem('axon.token')"), token());
      await page.getByText('No projects yet').waitFor();
      await w.shot('01-projects-empty');
    });

    await t.test('create a project with the branin folder', async () => {
      await page.getByLabel('Name', { exact: true }).fill('branin');
      await page.getByLabel('Code folder (absolute path)').fill(BRANIN);
      await page.getByRole('button', { name: 'Create project' }).click();
      await page.getByRole('heading', { name: 'branin', level: 1 }).waitFor();
      await page.getByText('No experiments in this project yet').waitFor();
      await w.shot('02-project-empty');
    });

    let groupUrl = '';
    await t.test('the New run editor validates as you type, then runs the group', async () => {
      await page.getByRole('button', { name: 'New run' }).click();
      const text = fs.readFileSync(path.join(BRANIN, 'polyaxonfile.yml'), 'utf8');
      const line = text.split('\n').findIndex((l) => l.includes('concurrency:')) + 1;
      const editor = page.locator('#polyaxonfile-editor');
      await editor.fill(text.replace('concurrency: 2', 'concurrency: two'));
      const errors = page.getByRole('list', { name: 'Errors in the polyaxonfile' });
      await errors.getByText(`line ${line}, column 3`).waitFor();
      assert.match(await errors.innerText(), /hptuning\.concurrency\s+expected a number, found 'two'/);
      assert.equal(await page.getByRole('button', { name: 'Run', exact: true }).isDisabled(), true);
      await w.shot('03-new-run-error');

      await editor.fill(text);
      await page.getByLabel(/Param overrides/).fill('steps=2');
      await page.getByText(/Valid v0 group/).waitFor();
      await page.getByText('Declared: steps=2').waitFor();
      await w.shot('04-new-run-valid');
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      await page.waitForURL(/#\/groups\/\d+/);
      groupUrl = page.url();
    });

    await t.test('statuses move live on the group page until it is done', async () => {
      const seen = new Set<string>();
      const deadline = Date.now() + 90_000;
      for (;;) {
        const statuses = await page
          .locator('[role=grid] [data-status]')
          .evaluateAll((els) => els.map((e) => e.getAttribute('data-status') ?? ''));
        for (const s of statuses) seen.add(s);
        const group = await headingStatus(page).getAttribute('data-status');
        if (group === 'done' && statuses.length === 9 && statuses.every((s) => s === 'succeeded')) break;
        assert.ok(Date.now() < deadline, `the group did not finish; seen ${[...seen]}`);
        await page.waitForTimeout(40);
      }
      // Without a reload, the page saw experiments before they succeeded.
      assert.ok(
        ['created', 'scheduled', 'starting', 'running'].some((s) => seen.has(s)),
        `statuses seen: ${[...seen].join(', ')}`,
      );
      await page.getByText('9/9').first().waitFor();
      await page.getByRole('heading', { name: 'Best so far' }).waitFor();
      await page.locator('.chart canvas').first().waitFor();
      await w.shot('05-group-done');
    });

    await t.test('an experiment: logs and metric charts', async () => {
      await page.getByRole('link', { name: /^Experiment \d+$/ }).click();
      await page.waitForURL(/#\/experiments\/\d+/);
      await waitForHeadingStatus(page, ['succeeded']);
      await page.getByText('Status timeline').waitFor();
      await page.locator('.timeline [data-status="running"]').waitFor();
      await w.shot('06-experiment-overview');

      await page.getByRole('tab', { name: 'Logs' }).click();
      const log = page.getByRole('log', { name: 'Log output' });
      await log.getByText(/branin\(.*\) = /).waitFor();
      assert.ok((await log.innerText()).length > 10, '(await log.innerText()).length > 10');
      await page.getByLabel('Metric lines').check();
      await log.getByText('@@axon').first().waitFor();
      await page.getByLabel('Search the log').fill('branin(');
      await page.getByText(/^1 of \d+$/).waitFor();
      await w.shot('07-experiment-logs');

      await page.getByRole('tab', { name: 'Metrics' }).click();
      const chart = page.locator('figure[data-metric="branin"]');
      await chart.locator('canvas').waitFor();
      assert.ok(
        (await chart.locator('canvas').boundingBox())!.width > 200,
        "(await chart.locator('canvas').boundingBox())!.width > 200",
      );
      await page.getByLabel(/Log scale/).check();
      await chart.locator('canvas').waitFor();
      await w.shot('08-experiment-metrics');

      await page.getByRole('tab', { name: 'Code' }).click();
      await page.getByText('git repository').waitFor();
      await w.shot('09-experiment-code');
    });

    await t.test('compare two runs from the project table (keyboard selection)', async () => {
      await page.goto(groupUrl);
      await page.getByRole('link', { name: 'branin' }).click();
      await page.getByRole('heading', { name: 'branin', level: 1 }).waitFor();
      const rows = page.locator('[role=grid][aria-label=Experiments] [role=row][data-index]');
      await rows.first().waitFor();
      assert.equal(await rows.count(), 9);
      await w.shot('10-project-runs');
      await rows.nth(0).focus();
      await page.keyboard.press('Space');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Space');
      await page.getByRole('button', { name: 'Compare (2)' }).click();
      await page.waitForURL(/#\/compare\?ids=\d+,\d+/);
      await page.getByRole('heading', { name: 'Compare 2 experiments' }).waitFor();
      assert.ok((await page.locator('tr.differs').count()) >= 1, 'the differing params are marked');
      await page.locator('section[aria-labelledby=overlay-title] canvas').waitFor();
      await w.shot('11-compare');
    });

    await t.test('Enter on a focused row opens the experiment', async () => {
      await page.goBack();
      const row = page.locator('[role=grid][aria-label=Experiments] [role=row][data-index="0"]');
      await row.focus();
      await page.keyboard.press('Enter');
      await page.waitForURL(/#\/experiments\/\d+/);
    });

    await t.test('stop a running run', async () => {
      await page.goto(`${base}/#/projects/branin`);
      await page.getByRole('button', { name: 'New run' }).click();
      await page
        .locator('#polyaxonfile-editor')
        .fill('version: 1\nkind: experiment\nrun:\n  cmd: sleep 30\n');
      await page.getByText(/Valid v0 experiment/).waitFor();
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      await page.waitForURL(/#\/experiments\/\d+/);
      await waitForHeadingStatus(page, ['running'], 30_000);
      await w.shot('12-experiment-running');
      const started = Date.now();
      await page.getByRole('button', { name: 'Stop', exact: true }).click();
      await waitForHeadingStatus(page, ['stopped'], 20_000);
      assert.ok(Date.now() - started < 15_000, 'Date.now() - started < 15_000');
      await page.getByText('stopped by user').first().waitFor();
      await w.shot('13-experiment-stopped');
    });

    await t.test('clusters: this machine, Docker, and an honest Kubernetes state', async () => {
      await page.getByRole('link', { name: 'Clusters' }).click();
      await page.getByRole('heading', { name: 'This machine' }).waitFor();
      await page.getByText('CPUs').waitFor();
      await page.getByText('Kubernetes backend not available yet').waitFor();
      await w.shot('14-clusters');
    });

    await t.test('settings: AXON_HOME, and the theme switch is kept', async () => {
      await page.getByRole('link', { name: 'Settings' }).click();
      await page.getByText(home).waitFor();
      await w.shot('15-settings-light');
      await page.getByRole('radio', { name: 'Dark' }).check();
      assert.equal(await page.evaluate('document.documentElement.dataset.theme'), 'dark');
      assert.equal(await page.evaluate("localStorage.getItem('axon.theme')"), 'dark');
      await w.shot('16-settings-dark');
      await page.reload();
      await page.getByRole('heading', { name: 'Settings' }).waitFor();
      assert.equal(await page.evaluate('document.documentElement.dataset.theme'), 'dark');
      await page.goto(groupUrl);
      await page.locator('.chart canvas').first().waitFor();
      await w.shot('17-group-dark');
    });

    assert.deepEqual(w.errors, [], `console errors:\n${w.errors.join('\n')}`);
  },
);
