// Outputs a backend kept where the job ran (a pod whose outputs copy failed) are tried again by the engine
// until they are home. A STAND-IN backend plays the pod: its worker reports its outputs kept, and its
// `fetchKept` refuses the first tries, then writes the file. The real thing (a Kubernetes pod, exec refused by
// RBAC, then given back to a later engine) is test/kubernetes/namespaces-rbac.test.ts; this one makes the
// distributed case and the order of tries exact, which a cluster cannot time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../main/engine/engine';
import { OUTPUTS_KEPT, type Backend, type JobOutcome } from '../../main/engine/backends/backend';
import { tmpDir, waitFor } from '../helpers';

const KEPT = `${OUTPUTS_KEPT} pod-w: copying the outputs failed: connection reset`;

/** Master and worker "run" until told; the worker ends first with its outputs kept. */
function keepingBackend() {
  const ends = new Map<string, (o: JobOutcome) => void>();
  const tries: string[] = [];
  const stopped: string[] = [];
  let refuse = 2;
  const backend: Backend = {
    name: 'local',
    availability: async () => ({ available: true, detail: 'stand-in' }),
    reattach: async () => null,
    ensureNetwork: async () => 'net',
    addressing: () => ({ host: () => '127.0.0.1', port: () => 1 }),
    launch: async (spec) => {
      fs.mkdirSync(path.dirname(spec.logPath), { recursive: true });
      fs.writeFileSync(spec.logPath, '');
      const done = new Promise<JobOutcome>((r) => ends.set(`${spec.role}-${spec.index}`, r));
      return {
        handle: { pod: `pod-${spec.role[0]}` },
        done,
        stop: async () => void stopped.push(`${spec.role}-${spec.index}`),
      };
    },
    fetchKept: async (job) => {
      tries.push(`${job.role}-${job.index} ${job.handle.pod}`);
      if (refuse-- > 0) return { problem: 'connection reset' };
      fs.mkdirSync(job.outputsDir, { recursive: true });
      fs.writeFileSync(path.join(job.outputsDir, 'worker.ckpt'), 'w');
      return { copied: true };
    },
  };
  const end = (replica: string, o: Partial<JobOutcome> = {}) =>
    ends.get(replica)!({ exitCode: 0, signal: null, lost: false, ...o });
  return { backend, end, tries, stopped, launched: () => [...ends.keys()] };
}

async function create(engine: Engine, text: string): Promise<number> {
  const c = await engine.call('runs.create', {
    files: [{ name: 'p.yml', text }],
    params: {},
    codePath: tmpDir(),
  });
  if (c.kind !== 'experiment') throw new Error('expected an experiment');
  return c.experiment.id;
}

test(
  'a replica whose outputs were kept does not stop the others; the engine brings them home later and the run ' +
    'succeeds then (stand-in backend)',
  async () => {
    const b = keepingBackend();
    const engine = await Engine.start({ home: tmpDir(), backends: { local: b.backend }, keptRetryMs: 200 });
    try {
      const text = [
        'version: 1',
        'kind: experiment',
        'framework: pytorch',
        'environment:',
        '  replicas:',
        '    n_workers: 1',
        'run:',
        '  cmd: train',
      ].join('\n');
      const id = await create(engine, text);
      await waitFor(async () => b.launched().length === 2, 10_000, 'both replicas to launch');
      await waitFor(async () => (await engine.call('experiments.get', { id })).status === 'running', 10_000);

      b.end('worker-0', { outputsKept: KEPT });
      await waitFor(
        async () =>
          (await engine.call('experiments.get', { id })).jobs.find((j) => j.role === 'worker')?.status ===
          'failed',
        10_000,
        'the worker to be recorded',
      );
      // The master was not stopped for it: it is still running, and ends by itself.
      const mid = await engine.call('experiments.get', { id });
      assert.equal(mid.status, 'running');
      assert.equal(mid.jobs.find((j) => j.role === 'master')?.status, 'running');
      assert.deepEqual(b.stopped, []);
      b.end('master-0');
      const failed = await waitFor(async () => {
        const x = await engine.call('experiments.get', { id });
        return x.status === 'failed' ? x : null;
      }, 10_000);
      assert.equal(failed.statusReason, `worker-0: ${KEPT}`);

      // Tried again (refused twice) until home: then the run has succeeded, with the file listed.
      const x = await waitFor(
        async () => {
          const y = await engine.call('experiments.get', { id });
          return y.status === 'succeeded' ? y : null;
        },
        20_000,
        'the kept outputs to come home',
      );
      assert.deepEqual(b.tries, ['worker-0 pod-w', 'worker-0 pod-w', 'worker-0 pod-w']);
      assert.equal(x.statusReason, 'outputs copied later from the pod they were kept in, pod-w');
      assert.deepEqual(
        x.outputs.map((f) => f.path),
        ['worker.ckpt'],
      );
      assert.deepEqual(
        x.jobs.map((j) => j.status),
        ['succeeded', 'succeeded'],
      );
      // Home once: never tried again.
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(b.tries.length, 3);
    } finally {
      await engine.close();
    }
  },
);

test('experiments.fetchOutputs tries at once and says why when it cannot, as does a resume, which waits for them; once home there is nothing to fetch (stand-in backend)', async () => {
  const b = keepingBackend();
  // The engine's own first pass is 5 s away: every try below is the method's.
  const engine = await Engine.start({ home: tmpDir(), backends: { local: b.backend }, keptRetryMs: 60_000 });
  try {
    const text = 'version: 1\nkind: experiment\nrun:\n  cmd: train\n';
    const id = await create(engine, text);
    await waitFor(async () => b.launched().length === 1, 10_000, 'the run to launch');
    b.end('master-0', { outputsKept: KEPT.replace('pod-w', 'pod-m') });
    await waitFor(async () => (await engine.call('experiments.get', { id })).status === 'failed', 10_000);

    await assert.rejects(engine.call('experiments.fetchOutputs', { id }), {
      code: 'conflict',
      message: `the outputs of experiment ${id} are still not copied: master-0: connection reset`,
    });
    // A resume would continue without them: it tries to bring them home first, and does not start.
    await assert.rejects(engine.call('experiments.resume', { id }), {
      code: 'conflict',
      message: new RegExp(
        `^the outputs of experiment ${id} are still kept in its pod \\(master-0: connection reset\\); a resume ` +
          `would start without them\\. Fetch them first \\(axon experiment -xp ${id} fetch-outputs\\)`,
      ),
    });
    assert.equal((await engine.call('experiments.list', {})).length, 1, 'no resume was created');
    const x = await engine.call('experiments.fetchOutputs', { id });
    assert.equal(x.status, 'succeeded');
    assert.equal(x.statusReason, 'outputs copied later from the pod they were kept in, pod-m');
    assert.deepEqual(b.tries, ['master-0 pod-m', 'master-0 pod-m', 'master-0 pod-m']);
    const resumed = await engine.call('experiments.resume', { id });
    assert.equal(resumed.cloningStrategy, 'resume');
    await assert.rejects(engine.call('experiments.fetchOutputs', { id }), {
      code: 'conflict',
      message: new RegExp(`^experiment ${id} has no outputs kept anywhere`),
    });
  } finally {
    await engine.close();
  }
});

test("a sweep whose every trial failed for kept outputs is done once one's outputs come home (stand-in backend)", async () => {
  const b = keepingBackend();
  const engine = await Engine.start({ home: tmpDir(), backends: { local: b.backend }, keptRetryMs: 60_000 });
  try {
    const text = 'version: 1\nkind: group\nhptuning:\n  matrix:\n    x: {values: [1]}\nrun:\n  cmd: train\n';
    const c = await engine.call('runs.create', {
      files: [{ name: 'g.yml', text }],
      params: {},
      codePath: tmpDir(),
    });
    if (c.kind !== 'group') throw new Error('expected a group');
    const group = c.group.id;
    await waitFor(async () => b.launched().length === 1, 10_000, 'the trial to launch');
    b.end('master-0', { outputsKept: KEPT.replace('pod-w', 'pod-m') });
    const failed = await waitFor(async () => {
      const g = await engine.call('groups.get', { id: group });
      return g.status === 'failed' ? g : null;
    }, 10_000);
    assert.equal(failed.statusMessage, 'every experiment failed');
    const [x] = await engine.call('experiments.list', { groupId: group });
    await assert.rejects(engine.call('experiments.fetchOutputs', { id: x.id }), { code: 'conflict' });
    await assert.rejects(engine.call('experiments.fetchOutputs', { id: x.id }), { code: 'conflict' });
    assert.equal((await engine.call('experiments.fetchOutputs', { id: x.id })).status, 'succeeded');
    const g = await engine.call('groups.get', { id: group });
    assert.equal(g.status, 'done');
    assert.equal(g.statusMessage, null);
  } finally {
    await engine.close();
  }
});

test('a stopped run whose outputs stayed in its pod says so, and stays stopped once they are home (stand-in backend)', async () => {
  const b = keepingBackend();
  const engine = await Engine.start({ home: tmpDir(), backends: { local: b.backend }, keptRetryMs: 200 });
  try {
    const id = await create(engine, 'version: 1\nkind: experiment\nrun:\n  cmd: train\n');
    await waitFor(async () => b.launched().length === 1, 10_000, 'the run to launch');
    await waitFor(async () => (await engine.call('experiments.get', { id })).status === 'running', 10_000);
    await engine.call('experiments.stop', { id });
    const kept = KEPT.replace('pod-w', 'pod-m');
    b.end('master-0', { exitCode: 143, outputsKept: kept });
    const stopped = await waitFor(async () => {
      const x = await engine.call('experiments.get', { id });
      return x.status === 'stopped' ? x : null;
    }, 10_000);
    // What the run page's Fetch outputs and `experiment get` look for: the kept words in the run's reason.
    assert.equal(stopped.statusReason, `stopped by user; ${kept}`);
    const home = await waitFor(
      async () => {
        const x = await engine.call('experiments.get', { id });
        return x.statusReason?.includes('copied later') ? x : null;
      },
      20_000,
      'the kept outputs to come home',
    );
    assert.equal(home.status, 'stopped', 'a stop stays a stop');
    assert.equal(
      home.statusReason,
      'stopped by user; outputs copied later from the pod they were kept in, pod-m',
    );
    assert.deepEqual(
      home.outputs.map((f) => f.path),
      ['worker.ckpt'],
    );
  } finally {
    await engine.close();
  }
});
