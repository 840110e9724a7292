// Issue #13 §3 in Chromium against a real `axon serve`: a project of 2,600 runs opens from a first page of 100
// (experiments.page, newest first), and the rest are read behind it with the id cursor until the table holds
// every run (sorting by a metric then finds the project's extreme, not the first page's).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { Store } from '../../main/engine/store';
import { startServe, tmpDir, type Served } from '../helpers';
import { available, skipOrFail } from '../requirements';
import { buildRenderer, chromiumMissing, launch, watchedPage } from './browser';

const noChromium = chromiumMissing();
const N = 2_600;
let served: Served | null = null;
let browser: Browser | null = null;
let home = '';
const loss = new Map<number, number>();

before(async () => {
  if (!available('Chromium', noChromium)) return;
  buildRenderer();
  home = tmpDir('axon-e2e-paging-');
  const store = await Store.open(path.join(home, 'axon.db'));
  const p = await store.projects.create('paged', '', home);
  await store.db.transaction(async () => {
    for (let i = 0; i < N; i++) {
      const id = await store.experiments.insert({
        projectId: p.id,
        groupId: null,
        name: `run-${i}`,
        backend: 'local',
        cmd: 'true',
        spec: {},
        params: { lr: (i % 10) / 100 },
        tags: [],
        codePath: home,
      });
      const v = ((i * 7919) % N) / 100;
      loss.set(id, v);
      await store.db.run('INSERT INTO last_metrics (experiment_id, key, step, value) VALUES (?, ?, ?, ?)', [
        id,
        'loss',
        1,
        v,
      ]);
    }
    await store.db.run(`UPDATE experiments SET status = 'succeeded', finished_at = created_at`);
  });
  await store.close();
  served = await startServe(home);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await served?.stop();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

test(
  'a project of 2,600 runs: the first page of 100 first, the rest behind it by id',
  {
    skip: skipOrFail(noChromium),
    timeout: 120_000,
  },
  async () => {
    const w = await watchedPage(browser!, 'paging');
    const calls: Array<{ method: string; body: Record<string, unknown> }> = [];
    w.page.on('request', (r) => {
      const m = /\/api\/(experiments\.[a-zA-Z]+)$/.exec(r.url());
      if (m) calls.push({ method: m[1], body: JSON.parse(r.postData() ?? '{}') as Record<string, unknown> });
    });
    await w.page.goto(`${served!.url}/?token=${served!.token}#/projects/paged`);
    const grid = w.page.locator('[role=grid][aria-label=Experiments]');
    const first = grid.locator('[role=row][data-index="0"]');
    await first.waitFor();
    assert.equal(await first.getAttribute('data-key'), String(N), 'the newest run first');
    await w.page.getByText(`${N.toLocaleString('en-US')} shown of ${N.toLocaleString('en-US')}`).waitFor();

    const pages = calls.filter((c) => c.method === 'experiments.page');
    assert.deepEqual(
      calls.filter((c) => c.method === 'experiments.list'),
      [],
      'no list of every run in one response',
    );
    assert.equal(pages[0].body.limit, 100);
    assert.equal(pages[0].body.belowId, undefined);
    assert.equal(pages[1].body.belowId, N - 99, 'the next page starts below the first page’s last id');
    assert.equal(pages.length, 3, '100, 2,500, then an empty page: every run read once');

    // Every run is in the table: sorting by the metric finds the project's extreme.
    const values = [...loss.entries()];
    const min = values.reduce((a, b) => (b[1] < a[1] ? b : a))[0];
    const max = values.reduce((a, b) => (b[1] > a[1] ? b : a))[0];
    await w.page.getByRole('button', { name: 'loss (last)' }).click();
    const sorted = async () => Number(await first.getAttribute('data-key'));
    for (let i = 0; i < 100 && ![min, max].includes(await sorted()); i++) await w.page.waitForTimeout(50);
    assert.ok([min, max].includes(await sorted()), `first row ${await sorted()}, expected ${min} or ${max}`);
    await w.shot('project');
    assert.deepEqual(w.errors, []);
    await w.page.close();
  },
);
