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
      const to = await merge.place(replica, rel, (t, whose) => notes.push(`${whose}: ${t}`));
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
  // Each note goes to the log of the replica whose copy went aside, and stays true once every copy is in.
  assert.deepEqual((await copyInOrder(['worker-1', 'worker-0', 'master-0'])).notes, [
    "worker-0: worker-0 also wrote model.pt: kept as model.pt.worker-0 (model.pt is worker-1's, unless the master wrote one too)",
    "worker-1: worker-1 also wrote model.pt: moved to model.pt.worker-1 (the master's is model.pt)",
  ]);
});

test("a file from before the run (a resume's checkpoint) is overwritten, not kept aside", async () => {
  const root = tmpDir('axon-merge-');
  fs.writeFileSync(path.join(root, 'model.pt'), 'last run');
  const { files, notes } = await copyInOrder(['worker-0'], root);
  assert.equal(files['model.pt'], 'worker-0');
  assert.deepEqual(notes, []);
});

/** Places each replica's files (path → content) in turn and writes them; returns every file under the root
 *  (relative path → content) and the notes. `again`: each replica's copy is made twice (a copy tried again). */
async function merge(replicas: Array<[string, Record<string, string>]>, again = false) {
  const root = tmpDir('axon-merge-');
  const m = new OutputsMerge(root, path.join(tmpDir('axon-merge-run-'), 'outputs-merge.json'));
  const notes: string[] = [];
  for (const [replica, files] of replicas)
    for (let n = 0; n < (again ? 2 : 1); n++)
      for (const [rel, text] of Object.entries(files)) {
        const to = path.join(root, await m.place(replica, rel, (t) => notes.push(t)));
        fs.mkdirSync(path.dirname(to), { recursive: true });
        fs.writeFileSync(to, text);
      }
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(root, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(root);
  return { files: out, notes };
}

test('a file named like a kept-aside name is kept too, in any order', async () => {
  const master: [string, Record<string, string>] = ['master-0', { 'a.txt': 'm' }];
  for (const w of [
    { 'a.txt': 'w', 'a.txt.worker-0': 'w literal' },
    { 'a.txt.worker-0': 'w literal', 'a.txt': 'w' },
  ])
    for (const order of [
      [master, ['worker-0', w]],
      [['worker-0', w], master],
    ] as Array<Array<[string, Record<string, string>]>>) {
      const { files, notes } = await merge(order);
      const contents = Object.values(files).sort();
      assert.deepEqual(contents, ['m', 'w', 'w literal'], JSON.stringify(files));
      assert.equal(files['a.txt'], 'm');
      assert.ok(notes.length >= 1, JSON.stringify(notes));
    }
});

test('a file and a folder of the same name in two replicas: both kept, the later one beside it, said once', async () => {
  const folder: [string, Record<string, string>] = [
    'worker-0',
    { 'ckpt/a': '1', 'ckpt/sub/b': '2', 'ckpt.worker-0': 'taken' },
  ];
  const file: [string, Record<string, string>] = ['master-0', { ckpt: 'the file' }];
  {
    const { files, notes } = await merge([file, folder]);
    // worker-0's folder takes the first free name beside the file; its own file of that name goes beside that.
    assert.deepEqual(files, {
      ckpt: 'the file',
      'ckpt.worker-0/a': '1',
      'ckpt.worker-0/sub/b': '2',
      'ckpt.worker-0.worker-0': 'taken',
    });
    assert.deepEqual(notes, [
      'worker-0 wrote a folder ckpt/ where master-0 wrote a file: its files are in ckpt.worker-0/',
      'worker-0 wrote a file ckpt.worker-0 where the merged outputs have a folder: kept as ckpt.worker-0.worker-0',
    ]);
  }
  {
    const { files, notes } = await merge([folder, file]);
    assert.deepEqual(files, {
      'ckpt/a': '1',
      'ckpt/sub/b': '2',
      'ckpt.worker-0': 'taken',
      'ckpt.master-0': 'the file',
    });
    assert.deepEqual(notes, [
      'master-0 wrote a file ckpt where the merged outputs have a folder: kept as ckpt.master-0',
    ]);
  }
});

test('a copy tried again places every file where the first try did, with no new notes', async () => {
  const replicas: Array<[string, Record<string, string>]> = [
    ['worker-0', { 'a.txt': 'w', x: 'file' }],
    ['master-0', { 'a.txt': 'm', 'x/y': 'in folder' }],
  ];
  const once = await merge(replicas);
  const twice = await merge(replicas, true);
  assert.deepEqual(twice.files, once.files);
  assert.deepEqual(twice.notes, once.notes);
  assert.deepEqual(once.files, {
    'a.txt': 'm',
    'a.txt.worker-0': 'w',
    x: 'file',
    'x.master-0/y': 'in folder',
  });
});

test("the first version's saved owners (name → replica) are read", async () => {
  const root = tmpDir('axon-merge-');
  const file = path.join(tmpDir('axon-merge-run-'), 'outputs-merge.json');
  fs.writeFileSync(file, JSON.stringify({ 'model.pt': 'worker-0' }));
  fs.writeFileSync(path.join(root, 'model.pt'), 'worker-0');
  const m = new OutputsMerge(root, file);
  const notes: string[] = [];
  assert.equal(await m.place('master-0', 'model.pt', (t) => notes.push(t)), 'model.pt');
  assert.equal(fs.readFileSync(path.join(root, 'model.pt.worker-0'), 'utf8'), 'worker-0');
  assert.equal(await m.place('worker-0', 'model.pt', (t) => notes.push(t)), 'model.pt.worker-0');
  assert.equal(notes.length, 1);
});
