// `axon context list|use|get` as a user runs them: the real CLI as a child process, KUBECONFIG pointing at
// temporary files, and a stand-in for a real cluster (a node:http server answering like the API server; no
// cluster can run on these machines).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cli, startServe, tmpDir } from '../helpers';
import { closedPort, kubeconfigYaml, startFakeApiServer, type FakeApi } from '../kubernetes/fake-api-server';

let api: FakeApi;
let dir = '';
let kubeconfig = '';
let refused = '';

before(async () => {
  api = await startFakeApiServer({
    token: 't0ken',
    nodes: [
      { name: 'kind-control-plane', cpu: '4', memory: '8039916Ki', controlPlane: true, gpus: 1 },
      // A simulated or reserved node that untolerated pods never go to.
      {
        name: 'fake-node',
        cpu: '16',
        memory: '8039916Ki',
        taints: [{ key: 'kwok', value: 'fake', effect: 'NoSchedule' }],
      },
    ],
  });
  refused = `http://127.0.0.1:${await closedPort()}`;
  dir = tmpDir('axon-cli-kube-');
  kubeconfig = path.join(dir, 'config');
  fs.writeFileSync(
    kubeconfig,
    kubeconfigYaml(
      [
        { name: 'kind-axon', server: api.url, token: 't0ken' },
        { name: 'prod', server: refused, token: 'x', namespace: 'ml' },
      ],
      'kind-axon',
    ),
  );
});

after(async () => {
  await api?.close();
});

test('axon context list / use / get, and the kubeconfig keeps every byte', async () => {
  const home = tmpDir();
  const env = { KUBECONFIG: kubeconfig };
  const original = fs.readFileSync(kubeconfig);

  const json = await cli(['context', 'list', '--json'], { home, env });
  assert.equal(json.code, 0, json.stderr);
  const list = JSON.parse(json.stdout);
  assert.deepEqual(
    list.contexts.map((c: { name: string; current: boolean; inUse: boolean }) => [
      c.name,
      c.current,
      c.inUse,
    ]),
    [
      ['kind-axon', true, true],
      ['prod', false, false],
    ],
  );

  const table = await cli(['context', 'list'], { home, env });
  assert.equal(table.code, 0, table.stderr);
  const rows = table.stdout
    .trim()
    .split('\n')
    .map((l) => l.split('\t'));
  assert.deepEqual(rows[0], ['axon', 'kube', 'name', 'cluster', 'server', 'namespace', 'user']);
  assert.deepEqual(rows[1].slice(0, 3), ['*', 'current', 'kind-axon']);
  assert.deepEqual(rows[2].slice(0, 6), ['', '', 'prod', 'prod', refused, 'ml']);
  assert.match(table.stderr, /Axon uses kube's current-context \(kind-axon\) until you choose one/);

  const use = await cli(['context', 'use', 'prod', '--namespace', 'experiments'], { home, env });
  assert.equal(use.code, 0, use.stderr);
  assert.match(
    use.stdout,
    /Axon now uses kube context prod \(namespace experiments\); your kubeconfig is unchanged/,
  );
  const settings = JSON.parse(fs.readFileSync(path.join(home, 'settings.json'), 'utf8'));
  assert.equal(settings.kubeContext, 'prod');
  assert.deepEqual(settings.contexts, { prod: { namespace: 'experiments' } });

  const after = await cli(['context', 'ls'], { home, env });
  const marked = after.stdout
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t'))
    .filter((r) => r[0] === '*')
    .map((r) => r[2]);
  assert.deepEqual(marked, ['prod'], 'the selected context is marked');
  assert.match(after.stdout, /experiments \(axon\)/);

  const ghost = await cli(['context', 'use', 'ghost'], { home, env });
  assert.equal(ghost.code, 1);
  assert.match(ghost.stderr, /no kube context "ghost" in .*config; the contexts are: kind-axon, prod/);

  const down = await cli(['context', 'get', '--timeout', '2'], { home, env });
  assert.equal(down.code, 1, 'an unreachable context exits 1');
  assert.match(
    down.stdout,
    new RegExp(`reachable\\tno: connection refused at ${refused.replace(/[.]/g, '\\.')}`),
  );

  const up = await cli(['context', 'get', 'kind-axon'], { home, env });
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stdout, /reachable\tyes, v1\.31\.0/);
  assert.match(
    up.stdout,
    /nodes\t2 of 2 ready; allocatable 20 CPU, 15\.1 GiB, 1 GPU; 16 CPU of it on 1 node with taints \(only pods that tolerate them go there\)/,
  );
  assert.match(up.stdout, /fake-node\tyes\t\t16\t7\.6 GiB\t0\tkwok=fake:NoSchedule/);
  assert.match(up.stdout, /^kind-control-plane\tyes\tcontrol-plane\t4\t7\.6 GiB\t1\t$/m);

  assert.deepEqual(fs.readFileSync(kubeconfig), original, 'the kubeconfig was never written');
});

test('axon context list without a kubeconfig says how to get one; a broken file is reported', async () => {
  const home = tmpDir();
  const none = await cli(['context', 'list'], { home, env: { KUBECONFIG: path.join(dir, 'missing.yaml') } });
  assert.equal(none.code, 0, none.stderr);
  assert.equal(none.stdout, '');
  assert.match(
    none.stderr,
    /No kubeconfig found at .*missing\.yaml: create a cluster with `kind create cluster`, or set KUBECONFIG/,
  );

  const broken = path.join(dir, 'broken.yaml');
  fs.writeFileSync(broken, 'contexts: [\n');
  const r = await cli(['context', 'list'], { home, env: { KUBECONFIG: `${broken}:${kubeconfig}` } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /kubeconfig .*broken\.yaml skipped: not valid YAML/);
  assert.match(r.stdout, /kind-axon/);
});

test('axon context rbac prints a namespaced Role and RoleBinding, nothing cluster-wide', async () => {
  const r = await cli(['context', 'rbac', '-n', 'ml', '--user', 'me@example.com'], { home: tmpDir() });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /kind: Role\n/);
  assert.match(r.stdout, /kind: RoleBinding\n/);
  assert.doesNotMatch(r.stdout, /ClusterRole/);
  assert.match(r.stdout, /namespace: ml/);
  assert.match(r.stdout, /name: me@example\.com/);
});

test('axon run --backend kubernetes with an unknown context is refused, naming the contexts, and creates nothing', async () => {
  const home = tmpDir();
  const proj = tmpDir('axon-kproj-');
  const file = path.join(proj, 'polyaxonfile.yml');
  fs.writeFileSync(file, 'version: 1\nkind: experiment\nbuild: {image: busybox}\nrun:\n  cmd: echo hi\n');
  const env = { KUBECONFIG: kubeconfig, DOCKER_HOST: 'unix:///nonexistent.sock' };
  const r = await cli(['run', '-f', file, '--backend', 'kubernetes', '--context', 'nope'], { home, env });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /nope/);
  const ps = await cli(['ps', '--json'], { home, env });
  assert.deepEqual(JSON.parse(ps.stdout), []);
});

test('axon run --backend kubernetes refuses what a cluster would refuse, with file, line and field, before anything exists', async () => {
  const home = tmpDir();
  const proj = tmpDir('axon-kproj-');
  const file = path.join(proj, 'polyaxonfile.yml');
  fs.writeFileSync(
    file,
    [
      'version: 1',
      'kind: experiment',
      'build: {image: busybox}',
      'environment:',
      '  resources:',
      '    gpu: {limits: 0.5}',
      '  tolerations:',
      '    - {key: a, operator: Sometimes}',
      'run:',
      '  cmd: echo hi',
    ].join('\n'),
  );
  const env = { KUBECONFIG: kubeconfig, DOCKER_HOST: 'unix:///nonexistent.sock' };
  const r = await cli(['run', '-f', file, '--backend', 'kubernetes'], { home, env });
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stderr,
    /polyaxonfile\.yml:6:\d+ environment\.resources\.gpu\.limits: expected a whole number of GPUs/,
  );
  assert.match(
    r.stderr,
    /polyaxonfile\.yml:8:\d+ environment\.tolerations\.0\.operator: expected Equal or Exists, found "Sometimes"/,
  );
  const ps = await cli(['project', 'ls', '--json'], { home, env });
  assert.deepEqual(JSON.parse(ps.stdout), [], 'no project was created');
});

test('a serving engine that reads another kubeconfig than the command: the command says so, with the pid', async () => {
  const home = tmpDir();
  const other = path.join(dir, 'other-config');
  fs.writeFileSync(other, kubeconfigYaml([{ name: 'elsewhere', server: refused, token: 'x' }], 'elsewhere'));
  const served = await startServe(home, { env: { KUBECONFIG: kubeconfig } });
  try {
    const same = await cli(['context', 'list'], { home, env: { KUBECONFIG: kubeconfig } });
    assert.equal(same.code, 0, same.stderr);
    assert.doesNotMatch(same.stderr, /reads KUBECONFIG/);
    // The same file named from its folder, with an empty entry: the same kubeconfig, no note.
    const relative = await cli(['context', 'list'], {
      home,
      cwd: dir,
      env: { KUBECONFIG: `${path.basename(kubeconfig)}${path.delimiter}` },
    });
    assert.equal(relative.code, 0, relative.stderr);
    assert.doesNotMatch(relative.stderr, /reads KUBECONFIG/);
    const changed = await cli(['context', 'list'], { home, env: { KUBECONFIG: other } });
    assert.equal(changed.code, 0, changed.stderr);
    assert.match(
      changed.stderr,
      new RegExp(
        `the engine serving this AXON_HOME \\(pid ${served.proc.pid}\\) reads KUBECONFIG=${kubeconfig.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}, not KUBECONFIG=`,
      ),
    );
    // The engine's contexts are the ones listed.
    assert.match(changed.stdout, /kind-axon/);
    assert.doesNotMatch(changed.stdout, /elsewhere/);
  } finally {
    await served.stop();
  }
});
