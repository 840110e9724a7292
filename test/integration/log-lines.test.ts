// What a local job prints reaches the log and the metric parser whole: a progress bar rewritten with `\r` on
// stderr does not swallow the metric printed next on stdout, and a last line without a newline is kept after
// megabytes of output. Real processes and a real SQLite file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../main/engine/engine';
import { isDone } from '../../shared/statuses';
import { projectWith, tmpDir, waitFor } from '../helpers';

async function runCmd(engine: Engine, cmd: string) {
  const { dir } = projectWith('true');
  const created = await engine.call('runs.create', {
    files: [
      {
        name: 'polyaxonfile.yml',
        text: `version: 1\nkind: experiment\nrun:\n  cmd: ${JSON.stringify(cmd)}\n`,
      },
    ],
    params: {},
    codePath: dir,
  });
  if (created.kind !== 'experiment') throw new Error('expected an experiment');
  return waitFor(async () => {
    const x = await engine.call('experiments.get', { id: created.experiment.id });
    return isDone(x.status) ? x : null;
  }, 60_000);
}

test('a tqdm-style bar on stderr (\\r, no newline) does not hide the metrics printed after it on stdout', async () => {
  const engine = await Engine.start({ home: tmpDir() });
  try {
    // As tqdm does: `\r<bar>` to stderr with no newline, while the training loop prints its records to stdout.
    const x = await runCmd(
      engine,
      `for i in 1 2 3; do printf '\\r%3d%%|###' $((i*33)) >&2; echo "@@axon {\\"metrics\\":{\\"loss\\":$i},\\"step\\":$i}"; done; printf '\\r100%%|####|\\n' >&2`,
    );
    assert.equal(x.status, 'succeeded', x.statusReason ?? '');
    const pts = await engine.call('experiments.metrics', { id: x.id, keys: ['loss'] });
    assert.deepEqual(
      pts.map((p) => [p.step, p.value]),
      [
        [1, 1],
        [2, 2],
        [3, 3],
      ],
    );
    const log = (await engine.call('experiments.logs', { id: x.id })).text;
    assert.match(log, /100%\|####\|/, "the bar's last state is in the log");
  } finally {
    await engine.close();
  }
});

test('after 3 MiB of output, a last line without a newline (a metric) is kept', async () => {
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const x = await runCmd(
      engine,
      `head -c 3145728 /dev/zero | tr '\\0' 'x' | fold -w 1023; echo; printf '@@axon {"metrics":{"last":7}}'`,
    );
    assert.equal(x.status, 'succeeded', x.statusReason ?? '');
    assert.equal(x.lastMetrics.last, 7, 'the unterminated last line was read');
  } finally {
    await engine.close();
  }
});
