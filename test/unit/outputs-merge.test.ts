// A distributed run's replicas copied one after another into one outputs folder (Kubernetes): a file several
// replicas wrote is kept for each, the master's under its name, whatever order they end in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { OutputsMerge } from '../../main/engine/backends/kubernetes/outputs-merge';
import { tmpDir } from '../helpers';

/** Copies each replica's files in turn, as each pod's ending does; returns the folder and the notes. */
async function copyInOrder(order: string[], root = tmpDir('axon-merge-')) {
  const owners = path.join(tmpDir('axon-merge-run-'), 'outputs-merge.json');
  let merge = new OutputsMerge(root, owners);
  const notes: string[] = [];
  for (const replica of order)
    for (const rel of ['model.pt', `own-${replica}.txt`]) {
      // An engine restarted mid-run: a new merge reads who holds which name from the run's folder.
      if (replica === 'restart') {
        merge = new OutputsMerge(root, owners);
        break;
      }
      const to = await merge.place(replica, rel, (t) => notes.push(t));
      fs.writeFileSync(path.join(root, to), replica);
    }
  const files = Object.fromEntries(
    fs
      .readdirSync(root)
      .sort()
      .map((f) => [f, fs.readFileSync(path.join(root, f), 'utf8')]),
  );
  return { files, notes };
}

test('every replica keeps its copy of a shared name; the master holds the name in any order, across an engine restart', async () => {
  const expected = {
    'model.pt': 'master-0',
    'model.pt.worker-0': 'worker-0',
    'model.pt.worker-1': 'worker-1',
    'own-master-0.txt': 'master-0',
    'own-worker-0.txt': 'worker-0',
    'own-worker-1.txt': 'worker-1',
  };
  for (const order of [
    ['master-0', 'worker-0', 'worker-1'],
    ['worker-1', 'master-0', 'worker-0'],
    ['worker-0', 'worker-1', 'master-0'],
    ['worker-0', 'restart', 'master-0', 'worker-1'],
  ]) {
    const { files, notes } = await copyInOrder(order);
    assert.deepEqual(files, expected, order.join(' → '));
    assert.equal(notes.length, 2, notes.join('\n'));
  }
});

test("a file from before the run (a resume's checkpoint) is overwritten, not kept aside", async () => {
  const root = tmpDir('axon-merge-');
  fs.writeFileSync(path.join(root, 'model.pt'), 'last run');
  const { files, notes } = await copyInOrder(['worker-0'], root);
  assert.equal(files['model.pt'], 'worker-0');
  assert.deepEqual(notes, []);
});
