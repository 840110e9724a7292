// The dashboard end to end: `axon serve` (a real child process, temporary AXON_HOME) serving the renderer
// build, driven in Debian's Chromium. Creates a project from examples/branin, runs its group from the
// New run editor, watches statuses move live, opens logs and metric charts, compares two runs, stops a
// running one, switches theme; a full-page screenshot of every page goes to test-results/e2e-*.png, in the
// light and in the dark theme. Accessibility: axe-core (WCAG 2.1 A/AA) audits every page in both themes and
// any serious or critical violation fails the run; the skip link, the sidebar, the tables, the tab list, the
// columns menu and the dialog are driven with real key presses, and each focused element must show an
// outline of 2 px or more. Fails on any console error or uncaught page error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ROOT, startServe, tmpDir, type Served } from '../helpers';
import { available, skipOrFail } from '../requirements';
import {
  axeAudit,
  chromiumMissing,
  buildRenderer,
  focusStyle,
  formatViolations,
  launch,
  watchedPage,
  type WatchedPage,
} from './browser';

const BRANIN = path.join(ROOT, 'examples', 'branin');
const noChromium = chromiumMissing();

let served: Served | null = null;
let browser: Browser | null = null;
let home = '';

before(async () => {
  // Outside CI without Chromium the tests skip (their skip option); under CI=true this fails them, naming it.
  if (!available('Chromium', noChromium)) return;
  buildRenderer(); // a failed build fails the tests, never skips them
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

type Theme = 'light' | 'dark';
const themeOf = async (page: Page) =>
  (await page.evaluate('document.documentElement.dataset.theme')) as Theme;

/**
 * Switches the theme with the sidebar's button (the app's own switch, so the charts are redrawn in it), or,
 * while a modal dialog makes the rest of the page inert, by setting the attribute that theme.css keys on.
 */
async function setTheme(page: Page, theme: Theme, via: 'button' | 'attribute'): Promise<void> {
  if ((await themeOf(page)) === theme) return;
  if (via === 'button') await page.getByRole('button', { name: /^(Dark|Light) theme$/ }).click();
  else await page.evaluate(`document.documentElement.dataset.theme = ${JSON.stringify(theme)}`);
  await page.locator(`html[data-theme="${theme}"]`).waitFor({ state: 'attached' });
}

/**
 * Serious and critical axe violations (these fail the run); the minor and moderate ones and the contrast
 * checks axe could not decide are reported as diagnostics.
 */
const a11yFailures: string[] = [];
const a11yNotes: string[] = [];

/**
 * Saves the page's screenshot and runs axe on it, in the theme it is in and then in the other one (with a
 * second screenshot, `NAME-light` or `NAME-dark`), and goes back to the first theme.
 */
async function shotAndAudit(w: WatchedPage, name: string, via: 'button' | 'attribute' = 'button') {
  const first = await themeOf(w.page);
  const other: Theme = first === 'dark' ? 'light' : 'dark';
  await w.shot(name);
  for (const theme of [first, other]) {
    await setTheme(w.page, theme, via);
    if (theme === other) await w.shot(`${name}-${other}`);
    const { violations, incomplete } = await axeAudit(w.page);
    const where = `${name} (${theme})`;
    const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    if (bad.length) a11yFailures.push(formatViolations(where, bad));
    const rest = violations.filter((v) => !bad.includes(v));
    if (rest.length) a11yNotes.push(formatViolations(where, rest));
    // Contrast axe could not compute (text over a canvas, a gradient…): listed for a look at the screenshot.
    // (Glyphs such as ◆ ▲ ↑ and one-character text are left out: axe skips them as not text.)
    const undecided = incomplete
      .filter((v) => v.id === 'color-contrast')
      .map((v) => ({
        ...v,
        nodes: v.nodes.filter((n) => !/only non-text characters|too short to determine/.test(n.summary)),
      }))
      .filter((v) => v.nodes.length);
    if (undecided.length) a11yNotes.push(formatViolations(`${where}, undecided`, undecided, 3));
  }
  await setTheme(w.page, first, via);
}

/** The focused element shows a focus indicator: a solid-enough outline of 2 px or more. */
async function assertFocusVisible(page: Page, what: string): Promise<void> {
  const f = await focusStyle(page);
  assert.ok(
    f.outlineStyle !== 'none' && f.outlineWidth >= 2,
    `${what}: the focused ${f.element} has outline ${f.outlineWidth}px ${f.outlineStyle} ${f.outlineColor}`,
  );
}

/** Presses Tab until `target` has the focus (at most `max` times), so it is in the tab order. */
async function tabTo(page: Page, target: string, max = 40): Promise<number> {
  for (let i = 1; i <= max; i++) {
    await page.keyboard.press('Tab');
    if (await page.locator(target).evaluateAll((els) => els.some((e) => e === e.ownerDocument.activeElement)))
      return i;
  }
  return assert.fail(`${target} was not reached with ${max} presses of Tab`);
}

test(
  'the dashboard drives a sweep end to end in Chromium',
  { skip: skipOrFail(noChromium), timeout: 300_000 },
  async (t) => {
    const w: WatchedPage = await watchedPage(browser!, 'e2e');
    const { page } = w;
    const base = served!.url;

    await t.test('the token is taken from the URL and removed from the address bar', async () => {
      await page.goto(`${base}/?token=${token()}`);
      await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
      assert.equal(new URL(page.url()).searchParams.get('token'), null, page.url());
      assert.equal(await page.evaluate("sessionStorage.getItem('axon.token')"), token());
      await page.getByText('No projects yet').waitFor();
      await shotAndAudit(w, '01-projects-empty');
    });

    await t.test('keyboard: the skip link, then the sidebar with Tab, Shift+Tab and Enter', async () => {
      await page.reload();
      await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
      await page.keyboard.press('Tab');
      const skip = page.getByRole('link', { name: 'Skip to content' });
      assert.equal(
        await skip.evaluate((e) => e === e.ownerDocument.activeElement),
        true,
        'the skip link is first',
      );
      const box = await skip.boundingBox();
      assert.ok(box && box.x >= 0 && box.y >= 0 && box.width > 20, `the focused skip link shows: ${box}`);
      await assertFocusVisible(page, 'skip link');
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate('document.activeElement.id'), 'main', 'Enter moves the focus to main');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate('document.activeElement.name'), 'name', 'then Tab reaches the form');

      // Shift+Tab from the page's first field goes back into the sidebar, from its end.
      const inSidebar = () =>
        page.evaluate(
          `document.activeElement.closest('nav[aria-label="Main"]') && document.activeElement.textContent.trim()`,
        );
      await page.keyboard.press('Shift+Tab');
      assert.equal(await inSidebar(), 'Dark theme', 'Shift+Tab: the theme button');
      await assertFocusVisible(page, 'theme button');
      await page.keyboard.press('Shift+Tab');
      assert.equal(await inSidebar(), 'Settings', 'Shift+Tab: theme button → Settings');
      await assertFocusVisible(page, 'sidebar link');
      await page.keyboard.press('Shift+Tab');
      assert.equal(await inSidebar(), 'Clusters', 'Shift+Tab: Settings → Clusters');
      await page.keyboard.press('Tab');
      assert.equal(await inSidebar(), 'Settings', 'Tab: Clusters → Settings');
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('Enter');
      await page.waitForURL(/#\/clusters$/);
      assert.equal(await inSidebar(), 'Clusters', 'the link keeps the focus');
      await assertFocusVisible(page, 'current sidebar link');
      await page.keyboard.press('Shift+Tab');
      assert.equal(await inSidebar(), 'Projects', 'Shift+Tab: Clusters → Projects');
      await page.keyboard.press('Enter');
      await page.waitForURL(/#\/$/);
      await page.getByText('No projects yet').waitFor();
    });

    await t.test('create a project with the branin folder', async () => {
      await page.getByLabel('Name', { exact: true }).fill('branin');
      await page.getByLabel('Code folder (absolute path)').fill(BRANIN);
      await page.getByRole('button', { name: 'Create project' }).click();
      await page.getByRole('heading', { name: 'branin', level: 1 }).waitFor();
      await page.getByText('No experiments in this project yet').waitFor();
      await shotAndAudit(w, '02-project-empty');
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
      await shotAndAudit(w, '03-new-run-error');

      await editor.fill(text);
      await page.getByLabel(/Param overrides/).fill('steps=2');
      await page.getByText(/Valid v0 group/).waitFor();
      await page.getByText('Declared: steps=2').waitFor();
      await shotAndAudit(w, '04-new-run-valid');
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
      await shotAndAudit(w, '05-group-done');
    });

    await t.test('an experiment: logs and metric charts', async () => {
      await page.getByRole('link', { name: /^Experiment \d+$/ }).click();
      await page.waitForURL(/#\/experiments\/\d+/);
      await waitForHeadingStatus(page, ['succeeded']);
      await page.getByText('Status timeline').waitFor();
      assert.match(await page.title(), /^Experiment \d+ \(succeeded\) — Axon$/, 'the page names itself');
      await page.locator('.timeline [data-status="running"]').waitFor();
      // The outputs browser: branin.py writes result.json; choosing it shows its text.
      await page.getByRole('button', { name: 'result.json' }).click();
      await page.getByRole('figure', { name: 'Preview of result.json' }).getByText('"branin"').waitFor();
      await shotAndAudit(w, '06-experiment-overview');

      // The tab list: one tab stop (the selected tab), ←/→/Home/End move and select (ARIA tabs pattern).
      const tabs = page.getByRole('tablist', { name: 'Experiment views' });
      assert.equal(await tabs.locator('[role=tab][tabindex="0"]').count(), 1, 'one tab in the tab order');
      // The last action button, then Tab: the selected tab.
      await page.getByRole('group', { name: 'Experiment actions' }).getByRole('button').last().focus();
      await tabTo(page, '[role=tab][aria-selected=true]', 10);
      assert.equal(
        await page.evaluate('document.activeElement.textContent'),
        'Overview',
        'Tab reaches the tab',
      );
      await assertFocusVisible(page, 'tab');
      // The focus moves at once, the selection with the next render.
      const selectedTab = (name: string) =>
        page
          .locator('[role=tablist] [role=tab][aria-selected=true]:focus', { hasText: name })
          .waitFor({ timeout: 5_000 });
      await page.keyboard.press('End');
      await selectedTab('Code'); // End: the last tab
      await page.keyboard.press('ArrowRight');
      await selectedTab('Overview'); // →: wraps to the first
      await page.keyboard.press('ArrowLeft');
      await selectedTab('Code'); // ←: wraps to the last
      await page.keyboard.press('Home');
      await selectedTab('Overview'); // Home: the first
      await page.keyboard.press('ArrowRight');
      await selectedTab('Logs'); // →: the next
      await assertFocusVisible(page, 'tab');
      const log = page.getByRole('log', { name: 'Log output' });
      await log.getByText(/branin\(.*\) = /).waitFor();
      assert.ok((await log.innerText()).length > 10, '(await log.innerText()).length > 10');
      await page.getByLabel('Metric lines').check();
      await log.getByText('@@axon').first().waitFor();
      await page.getByLabel('Search the log').fill('branin(');
      await page.getByText(/^1 of \d+$/).waitFor();
      await shotAndAudit(w, '07-experiment-logs');

      await page.getByRole('tab', { name: 'Logs' }).focus();
      await page.keyboard.press('ArrowRight');
      await selectedTab('Metrics');
      const chart = page.locator('figure[data-metric="branin"]');
      await chart.locator('canvas').waitFor();
      assert.ok(
        (await chart.locator('canvas').boundingBox())!.width > 200,
        "(await chart.locator('canvas').boundingBox())!.width > 200",
      );
      await page.getByLabel(/Log scale/).check();
      await chart.locator('canvas').waitFor();
      await shotAndAudit(w, '08-experiment-metrics');

      await page.getByRole('tab', { name: 'Code' }).click();
      await page.getByText('git repository').waitFor();
      await shotAndAudit(w, '09-experiment-code');
    });

    await t.test('the projects list, and the delete dialog by keyboard', async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Projects' }).click();
      const del = page.getByRole('button', { name: 'Delete project branin' });
      await del.waitFor();
      await shotAndAudit(w, '10-projects');
      await page.getByRole('link', { name: 'branin' }).focus();
      await tabTo(page, 'button[aria-label="Delete project branin"]', 3);
      await assertFocusVisible(page, 'delete button');
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog', { name: 'Delete project “branin”?' });
      await dialog.waitFor();
      assert.equal(
        await page.evaluate('document.activeElement.textContent'),
        'Cancel',
        'the dialog focuses Cancel',
      );
      await assertFocusVisible(page, 'dialog button');
      await shotAndAudit(w, '10-projects-delete-dialog', 'attribute');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      assert.equal(
        await del.evaluate((e) => e === e.ownerDocument.activeElement),
        true,
        'Escape closes the dialog and gives the focus back to the Delete button',
      );
      assert.equal(await page.getByRole('link', { name: 'branin' }).count(), 1, 'nothing was deleted');
    });

    await t.test('compare two runs from the project table (keyboard selection)', async () => {
      await page.goto(groupUrl);
      await page.getByRole('link', { name: 'branin' }).click();
      await page.getByRole('heading', { name: 'branin', level: 1 }).waitFor();
      const grid = page.locator('[role=grid][aria-label=Experiments]');
      const rows = grid.locator('[role=row][data-index]');
      await rows.first().waitFor();
      assert.equal(await rows.count(), 9);
      await shotAndAudit(w, '11-project-runs');

      // The filter: conditions on params and metrics; one it cannot read is named, the others apply.
      const filter = page.getByRole('searchbox', { name: 'Filter experiments' });
      await filter.fill('x1<100 nope>1');
      await page.getByRole('alert').filter({ hasText: '“nope” is not a param' }).waitFor();
      assert.equal(await rows.count(), 9, 'x1 < 100 holds for every run');
      await filter.fill('x1>100');
      await page.getByText('No experiment matches the filter').waitFor();
      await filter.fill('');
      await rows.nth(8).waitFor();

      // The columns menu: Enter opens it, Tab reaches its checkboxes, Space toggles, Escape closes.
      const summary = page.locator('details.menu > summary');
      await page.getByRole('combobox', { name: /^Status/ }).focus();
      await tabTo(page, 'details.menu > summary', 2);
      await assertFocusVisible(page, 'Columns menu button');
      await page.keyboard.press('Enter');
      const menu = page.getByRole('group', { name: 'Columns to show' });
      await menu.waitFor();
      await shotAndAudit(w, '11-project-columns-menu');
      await summary.focus();
      const headers = grid.locator('[role=columnheader]');
      const before = await headers.count();
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate('document.activeElement.type'), 'checkbox', 'Tab enters the menu');
      await assertFocusVisible(page, 'menu checkbox');
      await page.keyboard.press('Space');
      assert.equal(await headers.count(), before - 1, 'Space hides a column');
      await page.keyboard.press('Space');
      assert.equal(await headers.count(), before, 'Space shows it again');
      await page.keyboard.press('Escape');
      await menu.waitFor({ state: 'hidden' });
      assert.equal(
        await summary.evaluate((e) => e === e.ownerDocument.activeElement),
        true,
        'Escape: focus on Columns',
      );

      // The grid: Tab goes through the sort buttons (Enter sorts) to the one row in the tab order.
      await page.getByRole('combobox', { name: /^Status/ }).focus();
      await tabTo(page, '[role=grid][aria-label=Experiments] [role=columnheader] button');
      await assertFocusVisible(page, 'sort button');
      const firstHeader = grid.locator('[role=columnheader][aria-sort]').first();
      const sortBefore = await firstHeader.getAttribute('aria-sort');
      await page.keyboard.press('Enter');
      assert.notEqual(await firstHeader.getAttribute('aria-sort'), sortBefore, 'Enter on a header sorts');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Enter');
      assert.equal(await firstHeader.getAttribute('aria-sort'), sortBefore, 'three presses: back to before');
      await tabTo(page, '[role=grid][aria-label=Experiments] [role=row][data-index]', 30);
      assert.equal(await grid.locator('[role=row][tabindex="0"]').count(), 1, 'one row in the tab order');
      await assertFocusVisible(page, 'table row');
      const focusedRow = () => page.evaluate('document.activeElement.dataset.index');
      await page.keyboard.press('End');
      assert.equal(await focusedRow(), '8', 'End: the last row');
      await page.keyboard.press('ArrowUp');
      assert.equal(await focusedRow(), '7', '↑: the row above');
      await page.keyboard.press('Home');
      assert.equal(await focusedRow(), '0', 'Home: the first row');
      await assertFocusVisible(page, 'table row');
      const selectedRows = grid.locator('[role=row][aria-selected=true]');
      await page.keyboard.press('Space');
      await selectedRows.first().waitFor();
      assert.equal(await focusedRow(), '0', 'Space keeps the focus on the row it selected');
      await page.keyboard.press('ArrowDown');
      assert.equal(await focusedRow(), '1', '↓: the next row');
      await page.keyboard.press('Space');
      await selectedRows.nth(1).waitFor();
      assert.deepEqual(
        await selectedRows.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-index'))),
        ['0', '1'],
        'Space selected the first two rows',
      );
      await page.getByRole('button', { name: 'Compare (2)' }).click();
      await page.waitForURL(/#\/compare\?ids=\d+,\d+/);
      await page.getByRole('heading', { name: 'Compare 2 experiments' }).waitFor();
      assert.ok((await page.locator('tr.differs').count()) >= 1, 'the differing params are marked');
      // Every metric of the two runs is overlaid (branin and loss): one chart each.
      await page
        .locator('section[aria-labelledby=overlay-title] figure[data-metric="branin"] canvas')
        .waitFor();
      await shotAndAudit(w, '12-compare');
    });

    await t.test('Enter on a focused row opens the experiment', async () => {
      await page.goto(`${base}/#/projects/branin`);
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
      await w.shot('13-experiment-running');
      const started = Date.now();
      await page.getByRole('button', { name: 'Stop', exact: true }).click();
      await waitForHeadingStatus(page, ['stopped'], 20_000);
      assert.ok(Date.now() - started < 15_000, 'Date.now() - started < 15_000');
      await page.getByText('stopped by user').first().waitFor();
      await shotAndAudit(w, '14-experiment-stopped');
    });

    await t.test('a run in a folder of this computer, uploaded with it', async () => {
      const dir = path.join(tmpDir('axon-e2e-up-'), 'mycode');
      fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'sub', 'notes.txt'), 'from the browser\n');
      fs.writeFileSync(path.join(dir, 'secret.txt'), 'stays here\n');
      fs.writeFileSync(path.join(dir, '.axonignore'), 'secret.txt\n');
      await page.goto(`${base}/#/projects/branin`);
      await page.getByRole('button', { name: 'New run' }).click();
      await page
        .locator('#polyaxonfile-editor')
        .fill('version: 1\nkind: experiment\nrun:\n  cmd: cat sub/notes.txt; ls\n');
      await page.getByText(/Valid v0 experiment/).waitFor();
      await page.getByLabel('a folder of this computer, uploaded with the run').check();
      await page.getByLabel('Code folder to upload').setInputFiles(dir);
      await page.getByText('3 files in mycode').waitFor();
      await shotAndAudit(w, '14b-new-run-upload');
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      await page.waitForURL(/#\/experiments\/\d+/);
      await waitForHeadingStatus(page, ['succeeded'], 30_000);
      const id = Number(/experiments\/(\d+)/.exec(page.url())![1]);
      const log = (await served!.client.call('experiments.logs', { id })).text;
      assert.match(log, /^from the browser$/m);
      assert.match(log, /^sub$/m);
      assert.doesNotMatch(log, /secret/);
      // The overview says where the code came from, not the engine's folder for it.
      await page.getByText('uploaded with the run').waitFor();
    });

    await t.test('clusters: this machine, Docker, and where Kubernetes runs go', async () => {
      await page.getByRole('link', { name: 'Clusters' }).click();
      await page.getByRole('heading', { name: 'This machine' }).waitFor();
      await page.getByText('CPUs').waitFor();
      await page.getByText('Runs with the Kubernetes backend go to the context and namespace').waitFor();
      await shotAndAudit(w, '15-clusters');
    });

    await t.test('settings: AXON_HOME, and the theme switch is kept', async () => {
      await page.getByRole('link', { name: 'Settings' }).click();
      await page.getByText(home, { exact: true }).waitFor();
      assert.equal(await page.title(), 'Settings — Axon');
      await shotAndAudit(w, '16-settings');
      await page.getByRole('radio', { name: 'Dark' }).check();
      assert.equal(await page.evaluate('document.documentElement.dataset.theme'), 'dark');
      assert.equal(await page.evaluate("localStorage.getItem('axon.theme')"), 'dark');
      await page.reload();
      await page.getByRole('heading', { name: 'Settings' }).waitFor();
      assert.equal(await page.evaluate('document.documentElement.dataset.theme'), 'dark');
      await page.goto(groupUrl);
      await page.locator('.chart canvas').first().waitFor();
      await w.shot('17-group-dark');
    });

    await t.test('axe (WCAG 2.1 A/AA): no serious or critical violation on any page, in either theme', () => {
      if (a11yNotes.length) {
        t.diagnostic('minor and moderate axe findings, and contrast axe could not decide:');
        for (const line of a11yNotes.join('\n').split('\n')) t.diagnostic(line);
      }
      assert.equal(a11yFailures.length, 0, `axe violations:\n${a11yFailures.join('\n')}`);
    });

    assert.deepEqual(w.errors, [], `console errors:\n${w.errors.join('\n')}`);
  },
);
