// experiments.page on a real SQLite store: pages that tile the whole list, the total, the id cursor, and every
// sort the engine does in SQL (a metric's last / min / max, a numeric or text param, a column) against the
// same order computed in JavaScript; then the method through the engine (its input checked, one project), and
// the dashboard's reader of a project's pages (renderer/src/lib/experimentPages.ts) against it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Store } from '../../main/engine/store';
import { Engine } from '../../main/engine/engine';
import type { Experiment } from '../../shared/domain';
import type { ExperimentSort } from '../../shared/experiment-page';
import { readExperimentPages } from '../../renderer/src/lib/experimentPages';
import { tmpDir } from '../helpers';

const N = 237;

async function seeded() {
  const store = await Store.open(path.join(tmpDir(), 'axon.db'));
  const p = await store.projects.create('paged', '', '/tmp');
  const other = await store.projects.create('other', '', '/tmp');
  await store.db.transaction(async () => {
    for (let i = 0; i < N; i++) {
      const id = await store.experiments.insert({
        projectId: p.id,
        groupId: null,
        name: `run-${String((i * 37) % N).padStart(3, '0')}`,
        backend: 'local',
        cmd: 'true',
        spec: { big: 'x'.repeat(100) },
        // Every 5th run lacks lr; opt is text; some share a value (ties go by id).
        params: { ...(i % 5 ? { lr: ((i * 13) % 17) / 100 } : {}), opt: i % 3 ? 'adam' : 'sgd' },
        tags: [],
        codePath: '/tmp',
      });
      // Every 4th run has no loss.
      if (i % 4)
        await store.db.run(
          'INSERT INTO last_metrics (experiment_id, key, step, value, min_value, max_value) VALUES (?, ?, ?, ?, ?, ?)',
          [id, 'loss', 10, ((i * 7) % 50) / 10, ((i * 11) % 23) / 10, ((i * 3) % 31) + 10],
        );
      if (i % 6 === 0) await store.db.run(`UPDATE experiments SET status = 'failed' WHERE id = ?`, [id]);
    }
    await store.experiments.insert({
      projectId: other.id,
      groupId: null,
      name: 'elsewhere',
      backend: 'local',
      cmd: 'true',
      spec: {},
      params: {},
      tags: [],
      codePath: '/tmp',
    });
  });
  return { store, projectId: p.id };
}

/** The order a table expects: by the value (missing ones last either way), ties by id in the same direction. */
function expected(
  xs: Experiment[],
  value: (x: Experiment) => number | string | null | undefined,
  dir: string,
) {
  const sign = dir === 'asc' ? 1 : -1;
  const rank = (v: unknown) => (typeof v === 'number' ? 0 : 1); // SQLite: numbers before text
  return [...xs]
    .sort((a, b) => {
      const va = value(a);
      const vb = value(b);
      const na = va === null || va === undefined;
      const nb = vb === null || vb === undefined;
      if (na !== nb) return na ? 1 : -1;
      if (!na && va !== vb) {
        if (rank(va) !== rank(vb)) return sign * (rank(va) - rank(vb));
        return sign * (va! < vb! ? -1 : 1);
      }
      return sign * (a.id - b.id);
    })
    .map((x) => x.id);
}

async function allPages(store: Store, projectId: number, sort: ExperimentSort, limit: number) {
  const ids: number[] = [];
  for (let offset = 0; ; offset += limit) {
    const page = await store.experiments.page({ projectId, sort, offset, limit });
    assert.equal(page.total, N, 'the total counts every page');
    assert.equal(page.offset, offset);
    ids.push(...page.items.map((x) => x.id));
    if (page.items.length < limit) break;
  }
  return ids;
}

test('pages tile the list in every SQL sort, with the total; missing values last; ties by id', async () => {
  const { store, projectId } = await seeded();
  const all = await store.experiments.list({ projectId, limit: 10_000 });
  assert.equal(all.length, N);
  const cases: Array<[ExperimentSort, (x: Experiment) => number | string | null | undefined]> = [
    [{ by: 'metric', key: 'loss', stat: 'last', dir: 'asc' }, (x) => x.lastMetrics.loss],
    [{ by: 'metric', key: 'loss', stat: 'last', dir: 'desc' }, (x) => x.lastMetrics.loss],
    [{ by: 'metric', key: 'loss', stat: 'min', dir: 'asc' }, (x) => x.minMetrics.loss],
    [{ by: 'metric', key: 'loss', stat: 'max', dir: 'desc' }, (x) => x.maxMetrics.loss],
    [{ by: 'metric', key: 'nothing', stat: 'last', dir: 'asc' }, () => null],
    [{ by: 'param', key: 'lr', dir: 'asc' }, (x) => x.params.lr as number | undefined],
    [{ by: 'param', key: 'opt', dir: 'desc' }, (x) => x.params.opt as string],
    [{ by: 'name', dir: 'asc' }, (x) => x.name],
    [{ by: 'status', dir: 'desc' }, (x) => x.status],
    [{ by: 'id', dir: 'asc' }, (x) => x.id],
    [{ by: 'id', dir: 'desc' }, (x) => x.id],
  ];
  for (const [sort, value] of cases)
    for (const limit of [1, 50, 100, 1000])
      assert.deepEqual(
        await allPages(store, projectId, sort, limit),
        expected(all, value, sort.dir),
        `${JSON.stringify(sort)} in pages of ${limit}`,
      );
  await store.close();
});

test('a page holds what the table shows (params, metrics) and not the spec; filters and the id cursor', async () => {
  const { store, projectId } = await seeded();
  const first = await store.experiments.page({
    projectId,
    sort: { by: 'id', dir: 'desc' },
    offset: 0,
    limit: 3,
  });
  assert.equal(first.items.length, 3);
  const x = first.items.find((i) => i.lastMetrics.loss !== undefined)!;
  assert.equal(typeof x.params.opt, 'string');
  assert.equal(typeof x.minMetrics.loss, 'number');
  assert.equal(x.projectName, 'paged');
  assert.ok(!('spec' in x) && !('specJson' in x));

  const failed = await store.experiments.page({
    projectId,
    status: 'failed',
    sort: { by: 'id', dir: 'desc' },
    offset: 0,
    limit: 5,
  });
  assert.equal(failed.total, Math.ceil(N / 6));
  assert.ok(failed.items.every((i) => i.status === 'failed'));

  // The cursor: ids below the last one seen, whatever was deleted meanwhile.
  const ids: number[] = [];
  let belowId: number | undefined;
  for (;;) {
    const page = await store.experiments.page({
      projectId,
      belowId,
      sort: { by: 'id', dir: 'desc' },
      offset: 0,
      limit: 40,
    });
    if (!page.items.length) break;
    ids.push(...page.items.map((i) => i.id));
    belowId = page.items.at(-1)!.id;
    if (ids.length === 80) await store.experiments.delete(ids[10]);
  }
  const all = (await store.experiments.list({ projectId, limit: 10_000 })).map((i) => i.id);
  assert.deepEqual(
    ids.filter((id) => id !== ids[10]),
    all,
  );
  await store.close();
});

test('experiments.page through the engine: input checked with errors that name the field, one project', async () => {
  const engine = await Engine.start({ home: tmpDir() });
  try {
    await engine.call('projects.create', { name: 'paged', description: '', codePath: null });
    const empty = await engine.call('experiments.page', { project: 'paged' });
    assert.deepEqual(empty, { items: [], total: 0, offset: 0 });
    await assert.rejects(
      engine.call('experiments.page', { project: 'paged', sort: { by: 'metric' } } as never),
      (e: Error & { code?: string }) => e.code === 'invalid_input' && /sort\.key/.test(e.message),
    );
    await assert.rejects(
      engine.call('experiments.page', { project: 'paged', sort: { by: 'colour' } } as never),
      (e: Error & { code?: string }) => e.code === 'invalid_input' && /sort\.by/.test(e.message),
    );
    await assert.rejects(
      engine.call('experiments.page', { project: 'paged', status: 'bogus' } as never),
      (e: Error & { code?: string }) => e.code === 'invalid_input' && /status/.test(e.message),
    );
    await assert.rejects(
      engine.call('experiments.page', { project: 'paged', limit: 20_000 }),
      (e: Error & { code?: string }) => e.code === 'invalid_input' && /limit/.test(e.message),
    );
    await assert.rejects(
      engine.call('experiments.page', { project: 'nope' }),
      (e: Error & { code?: string }) => e.code === 'not_found',
    );
  } finally {
    await engine.close();
  }
});

test('the dashboard reads a project page by page: sizes, cursor, progress, and a newer read stops an older one', async () => {
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const p = await engine.call('projects.create', { name: 'paged', description: '', codePath: null });
    await engine.store.db.transaction(async () => {
      for (let i = 0; i < 23; i++)
        await engine.store.experiments.insert({
          projectId: p.id,
          groupId: null,
          name: `run-${i}`,
          backend: 'local',
          cmd: 'true',
          spec: {},
          params: {},
          tags: [],
          codePath: '/tmp',
        });
    });
    const asked: Array<{ belowId?: number; limit: number }> = [];
    const fetchPage = (args: { belowId?: number; limit: number }) => {
      asked.push(args);
      return engine.call('experiments.page', { project: 'paged', ...args });
    };
    const seen: Array<{ ids: number[]; loaded: number; total: number; done: boolean }> = [];
    await readExperimentPages(
      fetchPage,
      (items, progress) => seen.push({ ids: items.map((x) => x.id), ...progress }) > 0,
      { first: 5, next: 7 },
    );
    assert.deepEqual(
      seen.map((s) => [s.ids.length, s.loaded, s.total, s.done]),
      [
        [5, 5, 23, false],
        [7, 12, 23, false],
        [7, 19, 23, false],
        [4, 23, 23, true],
      ],
    );
    assert.deepEqual(
      seen.flatMap((s) => s.ids),
      Array.from({ length: 23 }, (_, i) => 23 - i),
    );
    assert.deepEqual(
      asked.map((a) => a.belowId),
      [undefined, 19, 12, 5],
    );

    asked.length = 0;
    await readExperimentPages(fetchPage, () => false, { first: 5, next: 7 });
    assert.equal(asked.length, 1, 'a reader that stops is asked for no other page');
  } finally {
    await engine.close();
  }
});
