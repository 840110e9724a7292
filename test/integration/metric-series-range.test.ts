// experiments.metricSeries with a step range: what a zoomed chart asks for. The range is read in full
// detail (finer buckets than the whole run's), its ends are honoured, and a reversed range is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../main/engine/engine';
import { ApiError } from '../../shared/api';
import { insertExperiment, tmpDir } from '../helpers';

test('a step range narrows the series to that range, in finer buckets', async () => {
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const id = await insertExperiment(engine.store);
    const jobId = await engine.store.db.transaction(() =>
      engine.store.jobs.insert(id, 'master', 0, '/dev/null'),
    );
    const points = Array.from({ length: 100_000 }, (_, i) => ({ key: 'loss', step: i, ts: 1, value: i }));
    points.push(...Array.from({ length: 100 }, (_, i) => ({ key: 'acc', step: i * 1000, ts: 1, value: i })));
    await engine.store.metrics.ingest({
      experimentId: id,
      jobId,
      points,
      params: {},
      tags: [],
      consumed: 0,
      malformed: 0,
    });

    const whole = await engine.call('experiments.metricSeries', { id, keys: ['loss'], maxPoints: 1000 });
    const inWhole = whole[0].points.filter((p) => p.step >= 1000 && p.step <= 1999).length;
    assert.ok(inWhole <= 11, `the overview has ${inWhole} buckets in steps 1000–1999`);

    const zoomed = await engine.call('experiments.metricSeries', {
      id,
      keys: ['loss'],
      maxPoints: 1000,
      fromStep: 1000,
      toStep: 1999,
    });
    const loss = zoomed.find((s) => s.key === 'loss')!;
    assert.equal(loss.total, 1000, 'total counts the points in the range');
    assert.equal(loss.points.length, 1000, 'every step of the range, undownsampled');
    assert.equal(loss.points[0].step, 1000);
    assert.equal(loss.points.at(-1)!.step, 1999);

    // Open-ended: from a step to the end, bucketed within that range only.
    const tail = await engine.call('experiments.metricSeries', { id, maxPoints: 100, fromStep: 99_000 });
    const tailLoss = tail.find((s) => s.key === 'loss')!;
    assert.equal(tailLoss.total, 1000);
    assert.ok(tailLoss.points.every((p) => p.step >= 99_000));
    assert.ok(tailLoss.points.length >= 90 && tailLoss.points.length <= 100, `${tailLoss.points.length}`);
    assert.equal(tail.find((s) => s.key === 'acc')!.points.length, 1, 'acc at step 99,000 only');

    const none = await engine.call('experiments.metricSeries', { id, fromStep: 200_000 });
    assert.deepEqual(none, [], 'no key has points past the end');

    await assert.rejects(
      engine.call('experiments.metricSeries', { id, fromStep: 10, toStep: 5 }),
      (e: unknown) =>
        e instanceof ApiError &&
        e.code === 'invalid_input' &&
        /fromStep \(10\).*toStep \(5\)/.test(e.message),
    );
  } finally {
    await engine.close();
  }
});
