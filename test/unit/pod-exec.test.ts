// Copying a pod's outputs when the exec behind it fails: the copy ends with the reason instead of waiting for
// ever (a run stopped right after its cluster came back once stayed `running` for good in a CI run). The
// cluster here is an in-memory stand-in (API stand-in): a real cluster cannot be made to fail an exec on cue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Writable } from 'node:stream';
import tar from 'tar-stream';
import { copyOutputs } from '../../main/engine/backends/kubernetes/pod-exec';
import type { Cluster } from '../../main/engine/backends/kubernetes/cluster';
import { tmpDir } from '../helpers';

function clusterWhoseExec(run: (stdout: Writable) => Promise<EventEmitter>): Cluster {
  return {
    namespace: 'ns',
    counter: { requests: 0 },
    exec: { exec: (...a: unknown[]) => run(a[4] as Writable) },
  } as unknown as Cluster;
}

test(
  'outputs copy (API stand-in): an exec that cannot connect ends the copy with the reason',
  { timeout: 10_000 },
  async () => {
    const r = await copyOutputs(
      clusterWhoseExec(async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:6443');
      }),
      'pod',
      tmpDir(),
    );
    assert.equal(r.files, 0);
    assert.match(r.problem ?? '', /ECONNREFUSED/);
  },
);

test(
  'outputs copy (API stand-in): a connection that breaks mid-copy ends the copy with the reason',
  { timeout: 10_000 },
  async () => {
    const r = await copyOutputs(
      clusterWhoseExec(async (stdout) => {
        const ws = new EventEmitter();
        const pack = tar.pack();
        pack.entry({ name: './model.txt', mode: 0o644 }, 'weights\n');
        pack.on('data', (d: unknown) => stdout.write(d as Buffer));
        // The first file arrives, then the connection fails before the archive ends.
        setTimeout(() => ws.emit('error', new Error('socket hang up')), 50);
        return ws;
      }),
      'pod',
      tmpDir(),
    );
    assert.match(r.problem ?? '', /socket hang up|could not be read/);
  },
);
