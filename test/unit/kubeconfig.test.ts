// Kubeconfig loading with real temporary files (as kubectl reads them: a ':'-separated KUBECONFIG merged
// first-wins, else ~/.kube/config), broken and missing files skipped with their reason, and Axon's selection
// kept in AXON_HOME/settings.json without a byte of the kubeconfig changing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  kubeconfigPaths,
  loadKubeconfig,
  kubeConfigFor,
} from '../../main/engine/backends/kubernetes/kubeconfig';
import { parseQuantity, toNode, sumResources } from '../../main/engine/backends/kubernetes/cluster-info';
import { makeClusterHandlers } from '../../main/engine/handlers-clusters';
import { applyPatch, defaultSettings, readSettings } from '../../main/engine/settings';
import { methods, ApiError, type Input } from '../../shared/api';
import { tmpDir } from '../helpers';
import { kubeconfigYaml } from '../kubernetes/fake-api-server';

const A = `apiVersion: v1
kind: Config
current-context: kind-axon
clusters:
- name: kind-axon
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority: certs/ca.crt
- name: shared
  cluster:
    server: https://shared.example.com
users:
- name: kind-axon
  user:
    token: abc
contexts:
- name: kind-axon
  context: {cluster: kind-axon, user: kind-axon}
- name: shared
  context: {cluster: shared, user: kind-axon, namespace: team-a}
`;

const B = `apiVersion: v1
kind: Config
current-context: gke-prod
clusters:
- name: gke
  cluster:
    server: https://34.1.2.3
- name: shared
  cluster:
    server: https://other.example.com
- name: no-server
  cluster: {}
users:
- name: gke-user
  user:
    token: xyz
contexts:
- name: gke-prod
  context: {cluster: gke, user: gke-user, namespace: ml}
- name: shared
  context: {cluster: shared, user: gke-user}
- name: dangling
  context: {cluster: no-server, user: gke-user}
- name: nameless-cluster
`;

function files(): { dir: string; a: string; b: string } {
  const dir = tmpDir('axon-kube-');
  const a = path.join(dir, 'a.yaml');
  const b = path.join(dir, 'b.yaml');
  fs.writeFileSync(a, A);
  fs.writeFileSync(b, B);
  return { dir, a, b };
}

test('kubeconfigPaths: KUBECONFIG in order (empties dropped, duplicates once), else ~/.kube/config', () => {
  assert.deepEqual(kubeconfigPaths({ KUBECONFIG: '/a/one::/b/two:/a/one:' }, '/home/u', ':'), {
    source: 'KUBECONFIG',
    paths: ['/a/one', '/b/two'],
  });
  assert.deepEqual(kubeconfigPaths({}, '/home/u', ':'), {
    source: 'default',
    paths: ['/home/u/.kube/config'],
  });
  assert.deepEqual(kubeconfigPaths({ KUBECONFIG: '  ' }, '/home/u', ':').source, 'default');
});

test('a multi-file KUBECONFIG merges as kubectl does: first definition and first current-context win', async () => {
  const { dir, a, b } = files();
  const k = await loadKubeconfig({ env: { KUBECONFIG: `${a}:${b}` } });
  assert.equal(k.source, 'KUBECONFIG');
  assert.deepEqual(
    k.contexts.map((c) => [c.context.name, path.basename(c.file)]),
    [
      ['kind-axon', 'a.yaml'],
      ['shared', 'a.yaml'],
      ['gke-prod', 'b.yaml'],
      ['dangling', 'b.yaml'],
    ],
  );
  assert.equal(k.currentContext, 'kind-axon', "the first file's current-context wins");
  assert.equal(
    k.clusters.get('shared')?.server,
    'https://shared.example.com',
    'the first "shared" cluster wins',
  );
  assert.equal(
    k.clusters.get('kind-axon')?.caFile,
    path.join(dir, 'certs', 'ca.crt'),
    'paths relative to the file',
  );
  assert.deepEqual(
    k.files.map((f) => [path.basename(f.path), f.status]),
    [
      ['a.yaml', 'loaded'],
      ['b.yaml', 'loaded'],
    ],
  );
  const skipped = k.files[1].skipped;
  const reasons = Object.fromEntries(skipped.map((s) => [s.entry, s.reason]));
  assert.match(reasons['cluster "no-server"'], /no server URL/);
  assert.match(reasons['context "nameless-cluster"'], /no "context" section/);
  assert.match(reasons['cluster "shared"'], new RegExp(`already defined in ${a.replace(/[.]/g, '\\.')}`));
  assert.match(reasons['context "shared"'], /already defined/);
  // The reverse order: b's current-context wins.
  const k2 = await loadKubeconfig({ env: { KUBECONFIG: `${b}:${a}` } });
  assert.equal(k2.currentContext, 'gke-prod');
  assert.equal(k2.clusters.get('shared')?.server, 'https://other.example.com');
});

test('a broken file is skipped with its reason; the other files are still read', async () => {
  const { dir, a, b } = files();
  const bad = path.join(dir, 'bad.yaml');
  fs.writeFileSync(
    bad,
    'apiVersion: v1\nclusters:\n  - name: x\n    cluster: {server: [unclosed\ncontexts: []\n',
  );
  const list = path.join(dir, 'list.yaml');
  fs.writeFileSync(list, '- just\n- a list\n');
  const folder = path.join(dir, 'folder');
  fs.mkdirSync(folder);
  const k = await loadKubeconfig({ env: { KUBECONFIG: [a, bad, list, folder, b].join(':') } });
  const byName = Object.fromEntries(k.files.map((f) => [path.basename(f.path), f]));
  assert.equal(byName['bad.yaml'].status, 'broken');
  assert.match(byName['bad.yaml'].reason ?? '', /not valid YAML at line \d+, column \d+/);
  assert.equal(byName['list.yaml'].status, 'broken');
  assert.match(byName['list.yaml'].reason ?? '', /not a kubeconfig/);
  assert.equal(byName['folder'].status, 'broken');
  assert.match(byName['folder'].reason ?? '', /folder/);
  assert.equal(byName['a.yaml'].status, 'loaded');
  assert.equal(byName['b.yaml'].status, 'loaded');
  assert.deepEqual(
    k.contexts.map((c) => c.context.name),
    ['kind-axon', 'shared', 'gke-prod', 'dangling'],
  );
});

test('missing files: noted, not fatal; none at all is an empty list that says where it looked', async () => {
  const { dir, a } = files();
  const gone = path.join(dir, 'gone.yaml');
  const k = await loadKubeconfig({ env: { KUBECONFIG: `${gone}:${a}` } });
  assert.deepEqual(
    k.files.map((f) => [f.path, f.status, f.reason]),
    [
      [gone, 'missing', 'no such file'],
      [a, 'loaded', null],
    ],
  );
  assert.equal(k.contexts.length, 2);
  const home = tmpDir('axon-nohome-');
  const none = await loadKubeconfig({ env: {}, homeDir: home });
  assert.equal(none.source, 'default');
  assert.deepEqual(
    none.files.map((f) => [f.path, f.status]),
    [[path.join(home, '.kube', 'config'), 'missing']],
  );
  assert.equal(none.contexts.length, 0);
  assert.equal(none.currentContext, null);
  // An empty file is a kubeconfig with nothing in it, as for kubectl.
  const empty = path.join(dir, 'empty.yaml');
  fs.writeFileSync(empty, '');
  const e = await loadKubeconfig({ env: { KUBECONFIG: empty } });
  assert.equal(e.files[0].status, 'loaded');
});

test('a context whose cluster is undefined is listed with its problem, and cannot be probed', async () => {
  const { a, b } = files();
  const env = { KUBECONFIG: `${a}:${b}` };
  const h = makeClusterHandlers({ home: tmpDir('axon-home-') }, { env: () => env });
  const list = await h['clusters.kubeContexts']({});
  const dangling = list.contexts.find((c) => c.name === 'dangling');
  assert.match(dangling?.problem ?? '', /cluster "no-server" is not defined/);
  const d = await h['clusters.kubeContext'](methods['clusters.kubeContext'].parse({ name: 'dangling' }));
  assert.equal(d.reachable, false);
  assert.match(d.reason ?? '', /not defined/);
  const loaded = await loadKubeconfig({ env });
  await assert.rejects(() => kubeConfigFor(loaded, 'dangling'), /not defined/);
  // A run's context the engine's files lack (an engine started from a shell without the run's KUBECONFIG):
  // the files it read, and how to give it the right one.
  await assert.rejects(
    () => kubeConfigFor(loaded, 'gone'),
    new RegExp(
      `no kube context "gone" in ${a.replace(/[.]/g, '\\.')}, ${b.replace(/[.]/g, '\\.')} \\(the files this engine reads.*` +
        'restart the engine with the kubeconfig that has it',
    ),
  );
});

test("Axon's selection is kept in settings.json, and the kubeconfig files keep every byte", async () => {
  const { a, b } = files();
  const env = { KUBECONFIG: `${a}:${b}` };
  const before = [fs.readFileSync(a), fs.readFileSync(b)];
  const mtimes = [fs.statSync(a).mtimeMs, fs.statSync(b).mtimeMs];
  const home = tmpDir('axon-home-');
  const h = makeClusterHandlers({ home }, { env: () => env });
  const update = (i: Input<'settings.update'>) => h['settings.update'](methods['settings.update'].parse(i));

  let list = await h['clusters.kubeContexts']({});
  assert.equal(list.currentContext, 'kind-axon');
  assert.equal(list.selectedContext, null);
  assert.equal(list.contextInUse, 'kind-axon', "without a selection Axon uses kube's current-context");
  assert.deepEqual(
    list.contexts.map((c) => [c.name, c.current, c.selected, c.inUse, c.namespace, c.isKind]),
    [
      ['kind-axon', true, false, true, 'default', true],
      ['shared', false, false, false, 'team-a', false],
      ['gke-prod', false, false, false, 'ml', false],
      ['dangling', false, false, false, 'default', false],
    ],
  );

  const saved = await update({
    kubeContext: 'gke-prod',
    contexts: {
      'gke-prod': {
        namespace: 'experiments',
        registry: { kind: 'registry', url: 'europe-docker.pkg.dev/p/axon' },
      },
      'kind-axon': { registry: { kind: 'kind-load' } },
    },
  });
  assert.equal(saved.problem, null);
  const onDisk = JSON.parse(fs.readFileSync(path.join(home, 'settings.json'), 'utf8'));
  assert.deepEqual(onDisk, {
    version: 1,
    kubeContext: 'gke-prod',
    contexts: {
      'gke-prod': {
        namespace: 'experiments',
        registry: { kind: 'registry', url: 'europe-docker.pkg.dev/p/axon' },
      },
      'kind-axon': { registry: { kind: 'kind-load' } },
    },
  });
  assert.equal(fs.statSync(path.join(home, 'settings.json')).mode & 0o077, 0, 'settings.json is private');
  assert.deepEqual(
    fs.readdirSync(home).filter((f) => f.endsWith('.tmp')),
    [],
    'no temporary file is left behind',
  );

  list = await h['clusters.kubeContexts']({});
  assert.equal(list.selectedContext, 'gke-prod');
  assert.equal(list.contextInUse, 'gke-prod');
  const gke = list.contexts.find((c) => c.name === 'gke-prod')!;
  assert.deepEqual([gke.selected, gke.inUse, gke.current], [true, true, false]);
  assert.deepEqual(
    [gke.namespace, gke.kubeNamespace, gke.namespaceOverride],
    ['experiments', 'ml', 'experiments'],
  );
  assert.deepEqual(list.contexts.find((c) => c.name === 'kind-axon')!.registry, { kind: 'kind-load' });

  // A fresh reader of the same AXON_HOME (the next engine) sees the same selection.
  const again = await makeClusterHandlers({ home }, { env: () => env })['clusters.kubeContexts']({});
  assert.equal(again.selectedContext, 'gke-prod');

  // Clearing: null removes the field; an emptied context entry goes away.
  await update({ contexts: { 'gke-prod': { namespace: null, registry: null } } });
  assert.deepEqual(Object.keys(readSettings(home).settings.contexts), ['kind-axon']);

  assert.deepEqual([fs.readFileSync(a), fs.readFileSync(b)], before, 'the kubeconfig files are unchanged');
  assert.deepEqual([fs.statSync(a).mtimeMs, fs.statSync(b).mtimeMs], mtimes, 'and were never rewritten');
});

test('settings.update refuses an unknown context (listing the real ones), kind load off kind, bad names', async () => {
  const { a } = files();
  const home = tmpDir('axon-home-');
  const h = makeClusterHandlers({ home }, { env: () => ({ KUBECONFIG: a }) });
  const update = (i: Input<'settings.update'>) => h['settings.update'](methods['settings.update'].parse(i));
  await assert.rejects(
    () => update({ kubeContext: 'nope' }),
    (e: ApiError) =>
      e.code === 'not_found' &&
      /no kube context "nope" in .*a\.yaml; the contexts are: kind-axon, shared/.test(e.message),
  );
  await assert.rejects(
    () => update({ contexts: { shared: { registry: { kind: 'kind-load' } } } }),
    (e: ApiError) => e.code === 'invalid_input' && /only for kind clusters/.test(e.message),
  );
  assert.throws(
    () => methods['settings.update'].parse({ contexts: { x: { namespace: 'Not_OK' } } }),
    /lower-case/,
  );
  assert.throws(
    () =>
      methods['settings.update'].parse({
        contexts: { x: { registry: { kind: 'registry', url: 'https://r.io' } } },
      }),
    /without http/,
  );
  assert.equal(fs.existsSync(path.join(home, 'settings.json')), false, 'nothing was written');
});

test('a corrupt settings.json is reported and never overwritten', async () => {
  const { a } = files();
  const home = tmpDir('axon-home-');
  const file = path.join(home, 'settings.json');
  const h = makeClusterHandlers({ home }, { env: () => ({ KUBECONFIG: a }) });
  for (const [text, why] of [
    ['{"kubeContext": "kind-axon",', /not valid JSON/],
    ['{"version": 1, "contexts": {"x": {"namespace": "BAD"}}}', /not valid: contexts\.x\.namespace/],
    ['{"version": 7}', /newer Axon/],
  ] as const) {
    fs.writeFileSync(file, text);
    const got = await h['settings.get']({});
    assert.match(got.problem ?? '', why);
    assert.deepEqual(got.settings, defaultSettings());
    const list = await h['clusters.kubeContexts']({});
    assert.match(list.settingsProblem ?? '', why);
    await assert.rejects(
      () => h['settings.update'](methods['settings.update'].parse({ kubeContext: 'kind-axon' })),
      (e: ApiError) => e.code === 'conflict' && /does not overwrite it/.test(e.message),
    );
    assert.equal(fs.readFileSync(file, 'utf8'), text, 'the file is left as it was');
  }
});

test('unknown top-level keys in settings.json are kept when Axon rewrites it', () => {
  const s = applyPatch({ ...defaultSettings(), futureKey: { a: 1 } } as never, { kubeContext: 'x' });
  assert.deepEqual((s as Record<string, unknown>).futureKey, { a: 1 });
});

test('Kubernetes quantities, nodes and totals', () => {
  assert.equal(parseQuantity('4'), 4);
  assert.equal(parseQuantity('3500m'), 3.5);
  assert.equal(parseQuantity('16318412Ki'), 16318412 * 1024);
  assert.equal(parseQuantity('1.5Gi'), 1.5 * 2 ** 30);
  assert.equal(parseQuantity('2e3'), 2000);
  assert.equal(parseQuantity('128974848'), 128974848);
  assert.equal(parseQuantity('129M'), 129e6);
  assert.equal(parseQuantity('lots'), null);
  assert.equal(parseQuantity(undefined), null);
  const n = toNode({
    metadata: { name: 'gpu-1', labels: { 'node-role.kubernetes.io/worker': '' } },
    spec: {
      unschedulable: true,
      taints: [
        { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' },
        { key: 'spot', effect: 'NoExecute' },
      ],
    },
    status: {
      capacity: { cpu: '8', memory: '32Gi', 'nvidia.com/gpu': '2' },
      allocatable: { cpu: '7800m', memory: '31Gi', 'nvidia.com/gpu': '2' },
      conditions: [
        { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'PLEG is not healthy' },
      ],
      nodeInfo: { kubeletVersion: 'v1.30.2' },
    },
  });
  assert.deepEqual(n, {
    name: 'gpu-1',
    ready: false,
    readyReason: 'KubeletNotReady: PLEG is not healthy',
    unschedulable: true,
    taints: ['nvidia.com/gpu=present:NoSchedule', 'spot:NoExecute'],
    roles: ['worker'],
    kubeletVersion: 'v1.30.2',
    capacity: { cpu: 8, memoryBytes: 32 * 2 ** 30, gpus: 2 },
    allocatable: { cpu: 7.8, memoryBytes: 31 * 2 ** 30, gpus: 2 },
  });
  assert.deepEqual(sumResources([n.capacity, { cpu: 2, memoryBytes: null, gpus: 0 }]), {
    cpu: 10,
    memoryBytes: 32 * 2 ** 30,
    gpus: 2,
  });
});

test('kubeconfigYaml (the test helper) writes what the loader reads', async () => {
  const dir = tmpDir('axon-kube-');
  const f = path.join(dir, 'config');
  fs.writeFileSync(
    f,
    kubeconfigYaml([{ name: 'kind-x', server: 'http://127.0.0.1:1', token: 't', namespace: 'ns' }], 'kind-x'),
  );
  const k = await loadKubeconfig({ env: { KUBECONFIG: f } });
  assert.equal(k.currentContext, 'kind-x');
  assert.equal(k.contexts[0].context.namespace, 'ns');
  assert.equal(k.users.get('kind-x')?.token, 't');
});
