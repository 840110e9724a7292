import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Store } from '../../main/engine/store';
import { LogFollower } from '../../main/engine/tracking/follower';
import { insertExperiment, tmpDir } from '../helpers';

async function setup() {
  const dir = tmpDir();
  const store = await Store.open(path.join(dir, 'axon.db'));
  const id = await insertExperiment(store, { cmd: 'x', codePath: dir });
  const log = path.join(dir, 'job.log');
  fs.writeFileSync(log, '');
  const jobId = await store.db.transaction(() => store.jobs.insert(id, 'master', 0, log));
  return { store, id, jobId, log };
}

const follow = (s: Awaited<ReturnType<typeof setup>>, texts: string[] = []) =>
  new LogFollower(s.store, s.id, s.jobId, s.log, {
    onLog: (_o, _n, t) => texts.push(t),
    onMetrics: () => undefined,
  });

test('a partial last line waits for its newline; finish() takes it', async () => {
  const s = await setup();
  fs.appendFileSync(s.log, 'hello\n@@axon {"metrics":{"a":1},"step":0}\n@@axon {"metrics":{"a":2},"st');
  const texts: string[] = [];
  const f = follow(s, texts);
  await f.start();
  await f.poke();
  assert.equal((await s.store.metrics.series(s.id)).length, 1);
  fs.appendFileSync(s.log, 'ep":1}');
  await f.finish();
  const series = await s.store.metrics.series(s.id);
  assert.deepEqual(
    series.map((p) => [p.step, p.value]),
    [
      [0, 1],
      [1, 2],
    ],
  );
  assert.equal(texts.join(''), fs.readFileSync(s.log, 'utf8'));
  await s.store.close();
});

test('a restart resumes at the stored offset: nothing lost, nothing doubled, auto steps continue', async () => {
  const s = await setup();
  const lines = (from: number, to: number) =>
    Array.from(
      { length: to - from },
      (_, i) => `line ${from + i}\n@@axon {"metrics":{"loss":${from + i}}}\n`,
    ).join('');
  fs.appendFileSync(s.log, lines(0, 50));
  const f1 = follow(s);
  await f1.start();
  await f1.poke();
  f1.close(); // the engine dies here
  fs.appendFileSync(s.log, lines(50, 100) + '@@axon not json\n');
  const f2 = follow(s);
  await f2.start();
  await f2.finish();
  const series = await s.store.metrics.series(s.id);
  assert.equal(series.length, 100);
  assert.deepEqual(
    series.map((p) => p.step),
    Array.from({ length: 100 }, (_, i) => i),
  );
  assert.deepEqual(
    series.map((p) => p.value),
    Array.from({ length: 100 }, (_, i) => i),
  );
  const off = await s.store.metrics.offset(s.jobId);
  assert.equal(off.consumed, fs.statSync(s.log).size);
  assert.equal(off.malformed, 1);
  await s.store.close();
});
