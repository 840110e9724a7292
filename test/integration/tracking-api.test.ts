// `experiments.track`: a run's metrics, params and tags sent through the API (an SDK, a job's AXON_TOKEN),
// recorded as its log's `@@axon` lines are, heard live, and refused once the run has ended.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Engine } from '../../main/engine/engine';
import { projectWith, tmpDir, waitFor } from '../helpers';

test("tracking through the API: steps continue after the log's, events are heard, an ended run is closed", async () => {
  const engine = await Engine.start({ home: tmpDir() });
  try {
    // The job logs loss at steps 0 and 1 itself, then waits to be released.
    const { dir, file } = projectWith(
      `echo '@@axon {"metrics": {"loss": 3}}'; echo '@@axon {"metrics": {"loss": 2}}'; while [ ! -e release ]; do sleep 0.05; done`,
    );
    const r = await engine.call('runs.create', {
      files: [{ name: 'polyaxonfile.yml', text: fs.readFileSync(file, 'utf8') }],
      codePath: dir,
    });
    assert(r.kind === 'experiment');
    const id = r.experiment.id;
    await waitFor(async () => (await engine.call('experiments.get', { id })).lastMetrics.loss === 2);
    const heard: Array<[string, number, number]> = [];
    const off = engine.on('metrics.appended', (e) => {
      if (e.experimentId === id) for (const p of e.points) heard.push([p.key, p.step, p.value]);
    });
    assert.deepEqual(await engine.call('experiments.track', { id, metrics: { loss: 1, acc: 0.9 } }), {
      points: 2,
    });
    await engine.call('experiments.track', { id, params: { lr: 0.01 }, tags: ['from-sdk'] });
    off();
    const points = (await engine.call('experiments.metrics', { id })).map((p) => [p.key, p.step, p.value]);
    assert.deepEqual(
      points.filter((p) => p[0] === 'loss'),
      [
        ['loss', 0, 3],
        ['loss', 1, 2],
        ['loss', 2, 1],
      ],
      'a step not given continues after the last one stored',
    );
    assert.deepEqual(
      points.filter((p) => p[0] === 'acc'),
      [['acc', 0, 0.9]],
    );
    assert.deepEqual(heard, [
      ['loss', 2, 1],
      ['acc', 0, 0.9],
    ]);
    await assert.rejects(engine.call('experiments.track', { id }), /give metrics, params or tags/);
    await assert.rejects(
      engine.call('experiments.track', { id, metrics: { loss: Number.NaN } }),
      (e: Error & { code?: string }) => e.code === 'invalid_input',
    );
    fs.writeFileSync(`${dir}/release`, '');
    const x = await waitFor(async () => {
      const g = await engine.call('experiments.get', { id });
      return g.status === 'succeeded' ? g : null;
    });
    assert.equal(x.params.lr, 0.01);
    assert(x.tags.includes('from-sdk'));
    await assert.rejects(
      engine.call('experiments.track', { id, metrics: { loss: 0 } }),
      new RegExp(`experiment ${id} has ended \\(succeeded\\): nothing more is recorded for it`),
    );
    assert.equal((await engine.call('experiments.get', { id })).lastMetrics.loss, 1, 'nothing was recorded');
  } finally {
    await engine.close();
  }
});
