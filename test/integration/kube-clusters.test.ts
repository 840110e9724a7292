// Kube contexts through the real engine's API, against a STAND-IN for a real cluster: no Kubernetes cluster can
// run on these machines (no kind node image, no kube-apiserver package), so a real node:http(s) server on
// 127.0.0.1 answers /version, /api/v1/nodes and /api/v1/namespaces/NAME as the API server does. Beside it:
// a context at a closed port (refused), one at a server that never answers (timeout, with a short limit so
// the test is quick), one with a wrong token (401), and, where openssl exists, the TLS path with the
// cluster's certificate-authority-data (trusted) and without it (not trusted): skipped without openssl, failed
// naming it under CI=true (test/requirements.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../main/engine/engine';
import { ApiError } from '../../shared/api';
import { tmpDir } from '../helpers';
import { need } from '../requirements';
import {
  closedPort,
  kubeconfigYaml,
  selfSignedCert,
  startFakeApiServer,
  startSilentServer,
  type FakeApi,
  type KubeContextSpec,
} from '../kubernetes/fake-api-server';

const TOKEN = 'fake-cluster-token';
let engine: Engine;
let api: FakeApi;
let tlsApi: FakeApi | null = null;
let silent: { url: string; close(): Promise<void> };
let refusedUrl = '';
let kubeconfig = '';
const savedEnv = process.env.KUBECONFIG;

before(async () => {
  api = await startFakeApiServer({
    token: TOKEN,
    noNodesToken: 'namespace-only',
    namespaces: ['default', 'kube-system', 'ml'],
    nodes: [
      { name: 'kind-control-plane', cpu: '8', memory: '16318412Ki', controlPlane: true },
      { name: 'kind-worker', cpu: '16', memory: '65838164Ki', gpus: 2 },
      { name: 'kind-worker2', cpu: '4', memory: '8039916Ki', ready: false },
    ],
  });
  silent = await startSilentServer();
  refusedUrl = `http://127.0.0.1:${await closedPort()}`;
  const dir = tmpDir('axon-kube-int-');
  const cert = selfSignedCert(dir);
  const contexts: KubeContextSpec[] = [
    { name: 'kind-fake', server: api.url, token: TOKEN },
    { name: 'refused', server: refusedUrl, token: TOKEN },
    { name: 'silent', server: silent.url, token: TOKEN },
    { name: 'wrong-token', server: api.url, token: 'not-the-token', namespace: 'ml' },
    { name: 'no-node-access', server: api.url, token: 'namespace-only', namespace: 'ml' },
  ];
  if (cert) {
    tlsApi = await startFakeApiServer({
      token: TOKEN,
      tls: cert,
      nodes: [{ name: 'tls-node', cpu: '2', memory: '4Gi' }],
    });
    contexts.push(
      { name: 'tls-trusted', server: tlsApi.url, token: TOKEN, caPem: cert.cert },
      { name: 'tls-untrusted', server: tlsApi.url, token: TOKEN },
    );
  }
  kubeconfig = path.join(dir, 'config');
  fs.writeFileSync(kubeconfig, kubeconfigYaml(contexts, 'kind-fake'));
  process.env.KUBECONFIG = kubeconfig;
  engine = await Engine.start({ home: tmpDir('axon-kube-home-'), stopGraceMs: 300 });
});

after(async () => {
  await engine?.close();
  await api?.close();
  await tlsApi?.close();
  await silent?.close();
  if (savedEnv === undefined) delete process.env.KUBECONFIG;
  else process.env.KUBECONFIG = savedEnv;
});

test('contexts are listed from KUBECONFIG with kube current-context marked (stand-in cluster)', async () => {
  const list = await engine.call('clusters.kubeContexts', {});
  assert.equal(list.source, 'KUBECONFIG');
  assert.deepEqual(
    list.files.map((f) => [f.path, f.status]),
    [[kubeconfig, 'loaded']],
  );
  assert.equal(list.currentContext, 'kind-fake');
  assert.equal(list.contextInUse, 'kind-fake');
  const fake = list.contexts.find((c) => c.name === 'kind-fake')!;
  assert.deepEqual(
    [fake.server, fake.user, fake.namespace, fake.current, fake.isKind],
    [api.url, 'kind-fake', 'default', true, true],
  );
});

test('a reachable cluster (stand-in for a real one): version, nodes with capacity, namespace', async () => {
  const d = await engine.call('clusters.kubeContext', { name: 'kind-fake' });
  assert.equal(d.reachable, true, d.reason ?? '');
  assert.equal(d.reason, null);
  assert.deepEqual(d.version, { gitVersion: 'v1.31.0', platform: 'linux/amd64' });
  assert.deepEqual(
    d.nodes?.map((n) => [n.name, n.ready, n.roles, n.capacity.cpu, n.capacity.gpus]),
    [
      ['kind-control-plane', true, ['control-plane'], 8, 0],
      ['kind-worker', true, [], 16, 2],
      ['kind-worker2', false, [], 4, 0],
    ],
  );
  const worker = d.nodes!.find((n) => n.name === 'kind-worker')!;
  assert.equal(worker.capacity.memoryBytes, 65838164 * 1024);
  assert.equal(worker.allocatable.memoryBytes, (65838164 - 102400) * 1024);
  assert.match(d.nodes![2].readyReason ?? '', /KubeletNotReady: container runtime network not ready/);
  assert.deepEqual(d.totals, {
    nodes: 3,
    readyNodes: 2,
    capacity: { cpu: 28, memoryBytes: (16318412 + 65838164 + 8039916) * 1024, gpus: 2 },
    allocatable: { cpu: 28, memoryBytes: (16318412 + 65838164 + 8039916 - 3 * 102400) * 1024, gpus: 2 },
  });
  assert.deepEqual(d.namespace, { name: 'default', exists: true, reason: null });
  assert.equal(d.nodesError, null);
  assert.ok(api.requests.includes('/version'), `requests: ${api.requests.join(', ')}`);
  assert.ok(api.requests.includes('/api/v1/nodes?limit=500'), `requests: ${api.requests.join(', ')}`);
});

test('a namespace override that does not exist on the cluster is reported', async () => {
  await engine.call('settings.update', { contexts: { 'kind-fake': { namespace: 'nowhere' } } });
  try {
    const d = await engine.call('clusters.kubeContext', { name: 'kind-fake' });
    assert.equal(d.context.namespace, 'nowhere');
    assert.equal(d.namespace.exists, false);
    assert.match(
      d.namespace.reason ?? '',
      /namespace "nowhere" does not exist \(create it: kubectl create namespace nowhere\)/,
    );
  } finally {
    await engine.call('settings.update', { contexts: { 'kind-fake': { namespace: null } } });
  }
});

test('a closed port: connection refused at its URL', async () => {
  const d = await engine.call('clusters.kubeContext', { name: 'refused' });
  assert.equal(d.reachable, false);
  assert.equal(d.reason, `connection refused at ${refusedUrl}`);
  assert.equal(d.nodes, null);
});

test('a server that never answers: timed out after the limit, and the call returns in time', async () => {
  const started = Date.now();
  const d = await engine.call('clusters.kubeContext', { name: 'silent', timeoutMs: 300 });
  const took = Date.now() - started;
  assert.equal(d.reachable, false);
  assert.equal(d.reason, `timed out after 0.3 s at ${silent.url}`);
  assert.equal(d.timeoutMs, 300);
  assert.ok(took < 3000, `the probe took ${took} ms with a 300 ms limit`);
});

test('a wrong token: 401 Unauthorized with the reason', async () => {
  const d = await engine.call('clusters.kubeContext', { name: 'wrong-token' });
  assert.equal(d.reachable, false);
  assert.match(d.reason ?? '', /^401 Unauthorized: the API server refused the credentials of this context/);
  assert.equal(d.context.namespace, 'ml');
});

test('RBAC without node access: reachable, with the 403 as the reason the nodes are missing', async () => {
  const d = await engine.call('clusters.kubeContext', { name: 'no-node-access' });
  assert.equal(d.reachable, true, d.reason ?? '');
  assert.equal(d.nodes, null);
  assert.equal(d.totals, null);
  assert.match(
    d.nodesError ?? '',
    /^403 Forbidden: nodes is forbidden: User "system:serviceaccount:ml:axon" cannot list/,
  );
  assert.deepEqual(d.namespace, { name: 'ml', exists: true, reason: null });
});

test('TLS: trusted with the cluster CA from the kubeconfig, refused without it', async (t) => {
  if (!need(t, 'openssl', tlsApi ? null : 'openssl is not installed, so no certificate could be made'))
    return;
  const ok = await engine.call('clusters.kubeContext', { name: 'tls-trusted' });
  assert.equal(ok.reachable, true, ok.reason ?? '');
  assert.deepEqual(
    ok.nodes?.map((n) => n.name),
    ['tls-node'],
  );
  const bad = await engine.call('clusters.kubeContext', { name: 'tls-untrusted' });
  assert.equal(bad.reachable, false);
  assert.match(bad.reason ?? '', /TLS certificate of https:\/\/127\.0\.0\.1:\d+ is not trusted/);
});

test("Axon's selection: the default probe follows it; an unknown name is not_found with the list", async () => {
  const before = fs.readFileSync(kubeconfig);
  await engine.call('settings.update', { kubeContext: 'refused' });
  const list = await engine.call('clusters.kubeContexts', {});
  assert.equal(list.selectedContext, 'refused');
  assert.equal(list.contextInUse, 'refused');
  const d = await engine.call('clusters.kubeContext', {});
  assert.equal(d.context.name, 'refused');
  await assert.rejects(
    () => engine.call('clusters.kubeContext', { name: 'ghost' }),
    (e: ApiError) =>
      e.code === 'not_found' &&
      /no kube context "ghost" .*the contexts are: kind-fake, refused, silent/.test(e.message),
  );
  await assert.rejects(
    () => engine.call('settings.update', { kubeContext: 'ghost' }),
    (e: ApiError) => e.code === 'not_found',
  );
  const s = await engine.call('settings.get', {});
  assert.equal(s.settings.kubeContext, 'refused');
  assert.deepEqual(fs.readFileSync(kubeconfig), before, 'the kubeconfig is never written');
  await engine.call('settings.update', { kubeContext: null });
});

test('KUBECONFIG is re-read on every call: an edit shows at once; a file that breaks is reported', async () => {
  const original = fs.readFileSync(kubeconfig, 'utf8');
  try {
    fs.writeFileSync(kubeconfig, original.replaceAll('name: silent', 'name: renamed'));
    let list = await engine.call('clusters.kubeContexts', {});
    assert.ok(
      list.contexts.some((c) => c.name === 'renamed'),
      'the renamed context is listed',
    );
    fs.writeFileSync(kubeconfig, 'clusters: [');
    list = await engine.call('clusters.kubeContexts', {});
    assert.equal(list.files[0].status, 'broken');
    assert.match(list.files[0].reason ?? '', /not valid YAML/);
    assert.deepEqual(list.contexts, []);
  } finally {
    fs.writeFileSync(kubeconfig, original);
  }
});
