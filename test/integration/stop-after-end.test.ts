// A stop that reaches a job after it has ended, but before its backend has said so (a pod's end is reported a
// moment late): the job keeps its own ending. A STAND-IN backend (its job's ending is told only once stop is
// called, with the end time it chooses) makes the race exact; the real backends cannot be timed this finely.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../main/engine/engine';
import type { Backend, JobOutcome } from '../../main/engine/backends/backend';
import { projectWith, tmpDir, waitFor } from '../helpers';

/** Each job "runs" until stop is called; then it reports exit 0 that ended `endedAgoMs` before the stop. */
function lateBackend(endedAgoMs: number): Backend {
  return {
    name: 'local',
    availability: async () => ({ available: true, detail: 'stand-in' }),
    reattach: async () => null,
    launch: async (spec) => {
      fs.mkdirSync(path.dirname(spec.logPath), { recursive: true });
      fs.writeFileSync(spec.logPath, '');
      let end!: (o: JobOutcome) => void;
      const done = new Promise<JobOutcome>((r) => (end = r));
      return {
        handle: { pid: 1 },
        done,
        stop: async () => {
          const at = new Date(Date.now() - endedAgoMs).toISOString();
          setTimeout(() => end({ exitCode: 0, signal: null, lost: false, finishedAt: at }), 50);
        },
      };
    },
  };
}

async function stopOnce(endedAgoMs: number) {
  const engine = await Engine.start({ home: tmpDir(), backends: { local: lateBackend(endedAgoMs) } });
  try {
    const p = projectWith('true');
    const c = await engine.call('runs.create', {
      files: [{ name: 'polyaxonfile.yml', text: fs.readFileSync(p.file, 'utf8') }],
      params: {},
      codePath: p.dir,
    });
    if (c.kind !== 'experiment') throw new Error('expected an experiment');
    const id = c.experiment.id;
    await waitFor(async () => (await engine.call('experiments.get', { id })).status === 'running', 10_000);
    await engine.call('experiments.stop', { id });
    return await waitFor(async () => {
      const x = await engine.call('experiments.get', { id });
      return ['succeeded', 'stopped', 'failed'].includes(x.status) ? x : null;
    }, 10_000);
  } finally {
    await engine.close();
  }
}

test('a job that had ended (exit 0) a few seconds before the stop reached it keeps its ending: succeeded', async () => {
  const x = await stopOnce(3000);
  assert.equal(x.status, 'succeeded', x.statusReason ?? '');
});

test('a job that ends as the stop reaches it (its SIGTERM handler exits 0) is stopped', async () => {
  const x = await stopOnce(0);
  assert.equal(x.status, 'stopped');
  assert.equal(x.statusReason, 'stopped by user');
});
