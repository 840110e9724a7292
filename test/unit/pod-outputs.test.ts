// Taking a pod's outputs home when the copy fails (API stand-in: a real cluster cannot be made to fail an exec
// on cue): a side container that cannot be exec'd at all is given up at once, with no pod kept for nothing.
// (A refused copy tried again, then the pod kept, runs against the real cluster in namespaces-rbac.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Cluster } from '../../main/engine/backends/kubernetes/cluster';
import { takeHome } from '../../main/engine/backends/kubernetes/pod-outputs';
import { tmpDir } from '../helpers';

function outputsOf(execError: string) {
  let calls = 0;
  const cluster = {
    context: 'ctx',
    namespace: 'ns',
    counter: { requests: 0 },
    exec: {
      exec: async () => {
        calls++;
        throw new Error(execError);
      },
    },
  } as unknown as Cluster;
  const dir = tmpDir('axon-run-');
  const o = { cluster, pod: 'p', outputsDir: path.join(dir, 'outputs'), logPath: path.join(dir, 'log') };
  return { o, calls: () => calls, log: () => fs.readFileSync(o.logPath, 'utf8') };
}

test("a side container that cannot be exec'd (kwok, a pod gone) is given up at once; the pod is not kept", async () => {
  for (const why of [
    'Internal error occurred: error executing command in container: no exec found for container "axon-outputs"',
    'Unexpected server response: 404',
  ]) {
    const t = outputsOf(why);
    const t0 = Date.now();
    const r = await takeHome(t.o, null, () => false);
    assert.deepEqual(r, { keep: false, problem: null });
    assert.equal(t.calls(), 1, 'not tried again');
    assert.ok(Date.now() - t0 < 1000);
    assert.match(t.log(), /^\[axon\] outputs: the outputs cannot be copied: /m);
  }
});
