// Deleting a run from the dashboard when part of its folder cannot be removed (files a container wrote as
// another user; here an immutable file, which even root may not remove): the run is deleted, and the page it
// lands on says which folder is left and how to remove it, until dismissed. Chromium against a real `axon serve`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { experimentEnd, projectWith, startServe, tmpDir, type Served } from '../helpers';
import { available, need, skipOrFail } from '../requirements';
import { buildRenderer, chromiumMissing, launch, watchedPage } from './browser';

const noChromium = chromiumMissing();
let served: Served | null = null;
let browser: Browser | null = null;

before(async () => {
  if (!available('Chromium', noChromium)) return;
  buildRenderer();
  served = await startServe(tmpDir('axon-e2e-delete-'));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await served?.stop();
});

test(
  'a delete that leaves a folder behind says so on the page it lands on, until dismissed',
  { skip: skipOrFail(noChromium), timeout: 120_000 },
  async (t) => {
    const api = served!.client;
    const { dir } = projectWith('true');
    const c = await api.call('runs.create', {
      files: [
        {
          name: 'polyaxonfile.yml',
          text: 'version: 1\nkind: experiment\nrun:\n  cmd: mkdir -p $AXON_OUTPUTS_PATH/ckpt && echo 1 > $AXON_OUTPUTS_PATH/ckpt/m\n',
        },
      ],
      params: {},
      codePath: dir,
      backend: 'local',
    });
    if (c.kind !== 'experiment') throw new Error('expected an experiment');
    const x = await experimentEnd(api, c.experiment.id);
    assert.equal(x.status, 'succeeded');
    const stuck = path.join(x.runDir!, 'outputs', 'ckpt', 'm');
    const chattr = spawnSync('chattr', ['+i', stuck], { encoding: 'utf8' });
    if (chattr.status !== 0 && !need(t, 'chattr +i (root, ext4)', chattr.stderr || 'failed')) return;
    try {
      const w = await watchedPage(browser!, 'delete-warning');
      const page = w.page;
      await page.goto(`${served!.url}/?token=${served!.token}#/experiments/${x.id}`);
      await page.getByRole('button', { name: 'Delete', exact: true }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Delete experiment' }).click();
      const notice = page.locator('[data-notices]');
      await notice.waitFor();
      assert.match(
        (await notice.textContent()) ?? '',
        new RegExp(`${x.runDir} could not be removed .*sudo rm -rf`),
      );
      assert.doesNotMatch(page.url(), /#\/experiments\//, 'the page left the deleted run');
      await w.shot('notice');
      await notice.getByRole('button', { name: 'Dismiss' }).click();
      assert.equal(await notice.count(), 0);
      assert.deepEqual(w.errors, []);
    } finally {
      spawnSync('chattr', ['-i', stuck]);
    }
  },
);
