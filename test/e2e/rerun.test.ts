// "Run again with changes…" in Chromium against a real `axon serve`: a finished local run, one param changed in
// the dialog, resumed; the page opens the new run, which ran with the change in the same outputs folder. A mistake in a value is shown in the dialog and creates nothing. Screenshots:
// test-results/rerun-*.png; axe on the open dialog.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { experimentEnd, projectWith, startServe, tmpDir, type Served } from '../helpers';
import { available, skipOrFail } from '../requirements';
import { axeAudit, buildRenderer, chromiumMissing, formatViolations, launch, watchedPage } from './browser';

const noChromium = chromiumMissing();
const FILE =
  'version: 1\nkind: experiment\ninputs:\n  - {name: lr, type: float, default: 0.1, is_optional: true}\n' +
  '  - {name: epochs, type: int, default: 2, is_optional: true}\n' +
  'run:\n  cmd: echo lr={{ lr }} epochs={{ epochs }} >> "$POLYAXON_RUN_OUTPUTS_PATH/trained.txt"\n';
let served: Served | null = null;
let browser: Browser | null = null;

before(async () => {
  if (!available('Chromium', noChromium)) return;
  buildRenderer();
  served = await startServe(tmpDir('axon-e2e-rerun-'));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await served?.stop();
});

test(
  'a run resumed from the dashboard with one param changed runs with it, in the same outputs folder',
  { skip: skipOrFail(noChromium), timeout: 120_000 },
  async () => {
    const api = served!.client;
    const { dir } = projectWith('true');
    const c = await api.call('runs.create', {
      files: [{ name: 'polyaxonfile.yml', text: FILE }],
      params: {},
      codePath: dir,
      backend: 'local',
    });
    if (c.kind !== 'experiment') throw new Error('expected an experiment');
    const first = await experimentEnd(api, c.experiment.id);
    assert.equal(first.status, 'succeeded');

    const w = await watchedPage(browser!, 'rerun');
    const page = w.page;
    await page.goto(`${served!.url}/?token=${served!.token}#/experiments/${first.id}`);
    await page.getByRole('button', { name: 'Run again with changes…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('lr', { exact: true }).fill('abc');
    await dialog.getByRole('button', { name: 'Restart with 1 change' }).click();
    await dialog.getByRole('alert').waitFor();
    assert.match(
      (await dialog.getByRole('alert').textContent()) ?? '',
      /-P lr: expected a number for `lr`, found 'abc'/,
    );
    assert.equal((await api.call('experiments.list', {})).length, 1, 'nothing created');

    await dialog.getByLabel('lr', { exact: true }).fill('0.3');
    await dialog.getByLabel(/Resume: continue in its outputs folder/).check();
    const { violations } = await axeAudit(page);
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(serious, [], formatViolations('rerun dialog', serious));
    await w.shot('dialog');
    await dialog.getByRole('button', { name: 'Resume with 1 change' }).click();
    await page.waitForURL(new RegExp(`#/experiments/(?!${first.id}$)\\d+$`));
    const newId = Number(/#\/experiments\/(\d+)$/.exec(page.url())![1]);
    const x = await experimentEnd(api, newId);
    assert.equal(x.status, 'succeeded');
    assert.equal(x.cloningStrategy, 'resume');
    assert.deepEqual(x.params, { epochs: 2, lr: 0.3 });
    const out = await api.call('experiments.outputFile', { id: newId, path: 'trained.txt' });
    assert.equal('text' in out ? out.text : null, 'lr=0.1 epochs=2\nlr=0.3 epochs=2\n');
    await page.getByText('resume of').first().waitFor();
    assert.deepEqual(
      w.errors.filter((e) => !/Failed to load resource: the server responded with a status of 422/.test(e)),
      [],
    );
  },
);

test(
  'renaming and tagging a run from its page: the heading, the overview and the API show it; an empty name clears it',
  { skip: skipOrFail(noChromium), timeout: 60_000 },
  async () => {
    const api = served!.client;
    const { dir } = projectWith('true');
    const c = await api.call('runs.create', {
      files: [{ name: 'polyaxonfile.yml', text: FILE }],
      params: {},
      codePath: dir,
      backend: 'local',
    });
    if (c.kind !== 'experiment') throw new Error('expected an experiment');
    const id = c.experiment.id;
    const w = await watchedPage(browser!, 'rename');
    const page = w.page;
    await page.goto(`${served!.url}/?token=${served!.token}#/experiments/${id}`);
    await page.getByRole('button', { name: 'Rename or tag…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('baseline lr 0.1');
    await dialog.getByLabel('Tags, separated by commas').fill('baseline, , paper ');
    const { violations } = await axeAudit(page);
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(serious, [], formatViolations('rename dialog', serious));
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page
      .getByRole('heading', { level: 1, name: new RegExp(`^Experiment ${id} · baseline lr 0\\.1`) })
      .waitFor();
    const x = await api.call('experiments.get', { id });
    assert.equal(x.name, 'baseline lr 0.1');
    assert.deepEqual([...x.tags].sort(), ['baseline', 'paper']);
    await page.getByText('paper', { exact: true }).first().waitFor();

    await page.getByRole('button', { name: 'Rename or tag…' }).click();
    assert.equal(await dialog.getByLabel('Tags, separated by commas').inputValue(), 'baseline, paper');
    await dialog.getByLabel('Name').fill('');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('heading', { level: 1, name: new RegExp(`^Experiment ${id} `) }).waitFor();
    assert.equal((await api.call('experiments.get', { id })).name, null);
    assert.deepEqual(w.errors, []);
  },
);
