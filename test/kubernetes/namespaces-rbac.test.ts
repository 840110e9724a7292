// Namespaces and permissions against a real cluster (test/kubernetes/cluster/ in CI): a service account given
// only the Role that `axon context rbac` prints runs an experiment end to end in its namespace; a run in a
// namespace it may not use fails at once saying so, without holding back the runs of its own namespace; a
// namespace that does not exist fails the run before its image is built. Skips without a cluster or Docker
// outside CI; fails naming what is missing under CI=true.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test, { after, before } from 'node:test';
import { CoreV1Api, RbacAuthorizationV1Api, type V1Role, type V1RoleBinding } from '@kubernetes/client-node';
import { parseAllDocuments, stringify, parse as parseYaml } from 'yaml';
import { Engine } from '../../main/engine/engine';
import { rbacManifest } from '../../main/engine/backends/kubernetes/rbac';
import { COPYING_OUTPUTS } from '../../shared/statuses';
import { BUSYBOX_IMAGE, dockerSkipReason, endOf } from '../docker/helpers';
import { tmpDir, waitFor } from '../helpers';
import {
  isCI,
  kubeApi,
  kubeTarget,
  missingClusterError,
  skipOrFail,
  tempNamespace,
  type KubeTarget,
  type TempNamespace,
} from './helpers';

const target = await kubeTarget();
const dockerWhy = await dockerSkipReason();
const skip =
  skipOrFail(target) || (dockerWhy && !isCI() ? `Kubernetes tests build images: ${dockerWhy}` : false);

const RESTRICTED = 'axon-test-restricted';
const SA = 'axon-trainer';
const BAD_TOKEN = 'axon-test-bad-token';
let kube: KubeTarget;
let allowed: TempNamespace;
let other: TempNamespace;
let savedKubeconfig: string | undefined;
/** The Role as `axon context rbac` prints it (a test takes pods/exec away, then gives it back). */
let printedRole: V1Role;

/** A kubeconfig with one context that authenticates as the service account's token on the same cluster. */
function restrictedKubeconfig(k: KubeTarget, token: string): string {
  const doc = parseYaml(fs.readFileSync(k.kubeconfig, 'utf8')) as {
    clusters: Array<{ name: string; cluster: Record<string, unknown> }>;
    contexts: Array<{ name: string; context: { cluster: string } }>;
  };
  const ctx = doc.contexts.find((c) => c.name === k.context)!;
  const cluster = doc.clusters.find((c) => c.name === ctx.context.cluster)!;
  const file = path.join(tmpDir('axon-kube-'), 'restricted.kubeconfig');
  fs.writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'restricted', cluster: cluster.cluster }],
      users: [
        { name: SA, user: { token } },
        { name: 'bogus', user: { token: 'not-a-token' } },
      ],
      contexts: [
        { name: RESTRICTED, context: { cluster: 'restricted', user: SA } },
        { name: BAD_TOKEN, context: { cluster: 'restricted', user: 'bogus' } },
      ],
      'current-context': RESTRICTED,
    }),
  );
  return file;
}

before(async () => {
  if (skip) return;
  if (typeof target === 'string') throw missingClusterError(target);
  if (dockerWhy) throw new Error(`CI=true but Docker is missing: ${dockerWhy}`);
  kube = target;
  allowed = await tempNamespace(kube, 'axon-rbac');
  other = await tempNamespace(kube, 'axon-rbac-other');
  const core = kubeApi(kube, CoreV1Api);
  const rbac = kubeApi(kube, RbacAuthorizationV1Api);
  await core.createNamespacedServiceAccount({ namespace: allowed.name, body: { metadata: { name: SA } } });
  // Exactly what `axon context rbac -n NS --service-account SA` prints.
  const [role, binding] = parseAllDocuments(
    rbacManifest(allowed.name, { kind: 'ServiceAccount', name: SA }),
  ).map((d) => d.toJS());
  printedRole = role as V1Role;
  await rbac.createNamespacedRole({ namespace: allowed.name, body: printedRole });
  await rbac.createNamespacedRoleBinding({ namespace: allowed.name, body: binding as V1RoleBinding });
  const token = await core.createNamespacedServiceAccountToken({
    name: SA,
    namespace: allowed.name,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  savedKubeconfig = process.env.KUBECONFIG;
  process.env.KUBECONFIG = [kube.kubeconfig, restrictedKubeconfig(kube, token.status!.token)].join(
    path.delimiter,
  );
});
after(async () => {
  if (savedKubeconfig === undefined) delete process.env.KUBECONFIG;
  else process.env.KUBECONFIG = savedKubeconfig;
  await allowed?.remove();
  await other?.remove();
});

/** An AXON_HOME that uses the restricted context in the allowed namespace (images via the node's containerd). */
function home(): string {
  const h = tmpDir('axon-khome-');
  const registry = kube.containerdSocket ? { kind: 'containerd', socket: kube.containerdSocket } : undefined;
  const contexts = Object.fromEntries(
    [RESTRICTED, kube.context, BAD_TOKEN].map((c) => [
      c,
      { namespace: allowed.name, ...(registry ? { registry } : {}) },
    ]),
  );
  fs.writeFileSync(
    path.join(h, 'settings.json'),
    JSON.stringify({ version: 1, kubeContext: RESTRICTED, contexts }),
  );
  return h;
}

async function create(engine: Engine, lines: string[], to: { context?: string; namespace?: string } = {}) {
  const dir = tmpDir('axon-kproj-');
  const build = lines.some((l) => l.startsWith('build:')) ? [] : [`build: {image: "${BUSYBOX_IMAGE}"}`];
  const text = ['version: 1', 'kind: experiment', ...build, ...lines].join('\n') + '\n';
  const c = await engine.call('runs.create', {
    files: [{ name: 'polyaxonfile.yml', text }],
    params: {},
    codePath: dir,
    backend: 'kubernetes',
    ...to,
  });
  assert.equal(c.kind, 'experiment');
  return c.kind === 'experiment' ? c.experiment.id : 0;
}

test(
  'with only the Role `axon context rbac` prints, a run goes end to end in its namespace; one in a namespace ' +
    'it may not use fails at once, saying so, and holds nothing back',
  { skip, timeout: 240_000 },
  async () => {
    const engine = await Engine.start({ home: home() });
    try {
      const t0 = Date.now();
      const refused = await create(engine, ['run:', '  cmd: echo never'], { namespace: other.name });
      // Created after the refused one, on the same context: it must not wait behind it.
      const good = await create(engine, [
        'run:',
        '  cmd: echo hello; echo "@@axon {\\"metrics\\":{\\"loss\\":0.5},\\"step\\":1}"; echo kept > $AXON_OUTPUTS_PATH/model.txt',
      ]);
      const r = await endOf(engine, refused, 60_000);
      assert.equal(r.status, 'failed');
      assert.equal(
        r.statusReason,
        `Axon may not use namespace "${other.name}" on kube context "${RESTRICTED}"`,
      );
      assert.match(r.statusMessage ?? '', /forbidden/);
      assert.match(r.statusMessage ?? '', new RegExp(`axon context rbac -n ${other.name}`));
      assert.ok(Date.now() - t0 < 30_000, `refused after ${Date.now() - t0} ms`);
      // The log says why too (it was empty: nothing was built).
      const refusedLog = fs.readFileSync(
        path.join((await engine.store.experiments.row(refused)).run_dir, 'logs', 'master-0.log'),
        'utf8',
      );
      assert.match(
        refusedLog,
        new RegExp(`^\\[axon\\] Axon may not use namespace "${other.name}".*forbidden`, 'm'),
      );

      const g = await endOf(engine, good, 120_000);
      const why = (await engine.call('experiments.statuses', { id: good }))
        .map((s) => `${s.status}${s.reason ? `: ${s.reason}` : ''}`)
        .join(' → ');
      assert.equal(g.status, 'succeeded', why);
      assert.doesNotMatch(why, /waiting for kube context/);
      const row = await engine.store.experiments.row(good);
      assert.match(fs.readFileSync(path.join(row.run_dir, 'logs', 'master-0.log'), 'utf8'), /hello/);
      assert.equal(fs.readFileSync(path.join(row.outputs_dir!, 'model.txt'), 'utf8'), 'kept\n');
      const m = await engine.call('experiments.metrics', { id: good });
      assert.deepEqual(
        m.map((pt) => pt.value),
        [0.5],
      );
    } finally {
      await engine.close();
    }
  },
);

test('a namespace that does not exist fails the run before its image is built', { skip }, async () => {
  const engine = await Engine.start({ home: home() });
  try {
    const missing = `axon-missing-${Date.now().toString(36)}`;
    const id = await create(
      engine,
      // A build that would take a minute: the run must fail long before it ends.
      ['build:', `  image: ${BUSYBOX_IMAGE}`, '  build_steps: ["sleep 60"]', 'run:', '  cmd: echo never'],
      { context: kube.context, namespace: missing },
    );
    const t0 = Date.now();
    const x = await endOf(engine, id, 40_000);
    assert.equal(x.status, 'failed');
    assert.equal(x.statusReason, `namespace "${missing}" does not exist on kube context "${kube.context}"`);
    assert.match(x.statusMessage ?? '', /kubectl create namespace/);
    const log = fs.readFileSync(
      path.join((await engine.store.experiments.row(id)).run_dir, 'logs', 'master-0.log'),
      'utf8',
    );
    assert.match(log, new RegExp(`^\\[axon\\] namespace "${missing}" does not exist`, 'm'));
    assert.ok(Date.now() - t0 < 30_000);
  } finally {
    await engine.close();
  }
});

test(
  '`axon context get` with only the printed Role: reachable; the namespace is assumed, not an error',
  { skip },
  async () => {
    const engine = await Engine.start({ home: home() });
    try {
      const d = await engine.call('clusters.kubeContext', { name: RESTRICTED });
      assert.equal(d.reachable, true, d.reason ?? '');
      assert.equal(d.namespace.name, allowed.name);
      assert.equal(d.namespace.exists, null);
      assert.match(d.namespace.reason ?? '', /namespaced Role .* assumed to exist/);
      // Listing nodes is optional (the capacity check): its 403 is reported, not fatal.
      assert.match(d.nodesError ?? '', /forbidden/);
    } finally {
      await engine.close();
    }
  },
);

test(
  'credentials the API server refuses (401) fail the run at once, saying so, instead of a silent wait',
  { skip },
  async () => {
    const engine = await Engine.start({ home: home() });
    try {
      const t0 = Date.now();
      const id = await create(engine, ['run:', '  cmd: echo never'], { context: BAD_TOKEN });
      const x = await endOf(engine, id, 40_000);
      assert.equal(x.status, 'failed');
      assert.equal(x.statusReason, `kube context "${BAD_TOKEN}" refused its credentials (401 Unauthorized)`);
      assert.match(x.statusMessage ?? '', /^kube context .*: 401 Unauthorized: an expired token/);
      assert.ok(Date.now() - t0 < 30_000);
    } finally {
      await engine.close();
    }
  },
);

/** Replaces the Role: `withExec` false takes pods/exec away (the outputs are copied over exec). */
async function setExec(withExec: boolean): Promise<void> {
  const rules = printedRole.rules!.filter((r) => withExec || !r.resources?.includes('pods/exec'));
  await kubeApi(kube, RbacAuthorizationV1Api).replaceNamespacedRole({
    name: printedRole.metadata!.name!,
    namespace: allowed.name,
    body: { ...printedRole, rules },
  });
}

test(
  'an outputs copy the cluster refuses is tried again; when it never works, the pod is kept with the ' +
    'outputs and the run fails saying where they are, until a later engine brings them home',
  { skip, timeout: 420_000 },
  async () => {
    const h = home();
    // Kept outputs are tried again after 1, 2, 4… s (at most 30) here, not minutes.
    let engine = await Engine.start({ home: h, keptRetryMs: 1000 });
    const core = kubeApi(kube, CoreV1Api);
    const logOf = async (id: number) =>
      fs.readFileSync(
        path.join((await engine.store.experiments.row(id)).run_dir, 'logs', 'master-0.log'),
        'utf8',
      );
    /** A run whose command is still sleeping when pods/exec has been taken away, so its end's copy is
     *  refused; returns its id and pod. */
    const runWithoutExec = async (file: string) => {
      const id = await create(engine, [
        'run:',
        `  cmd: echo kept > $AXON_OUTPUTS_PATH/${file}; echo started; sleep 6`,
      ]);
      await waitFor(async () => /started/.test(await logOf(id).catch(() => '')), 90_000, 'the run to start');
      await setExec(false);
      const pod = (await engine.call('experiments.get', { id })).jobs[0].pod!.name;
      return { id, pod };
    };
    const podExists = (name: string) =>
      core.readNamespacedPod({ name, namespace: allowed.name }).then(
        (p) => !p.metadata?.deletionTimestamp,
        () => false,
      );
    try {
      // Exec given back after the first refused copy: a later try brings the outputs home.
      const a = await runWithoutExec('a.txt');
      await waitFor(async () => /trying again in/.test(await logOf(a.id)), 60_000, 'a refused copy');
      // Meanwhile the run is still running, and says why.
      const copying = await waitFor(async () => {
        const x = await engine.call('experiments.get', { id: a.id });
        return x.statusReason?.startsWith(COPYING_OUTPUTS) ? x : null;
      }, 10_000);
      assert.equal(copying.status, 'running');
      assert.match(
        copying.statusReason!,
        /copying the outputs failed: 403 Forbidden.*; trying again in \d+ s$/,
      );
      assert.match(
        await logOf(a.id),
        /\[axon\] outputs: copying the outputs failed: 403 Forbidden: .* may not exec into pods .*pods\/exec/,
      );
      await setExec(true);
      const x = await endOf(engine, a.id, 60_000);
      assert.equal(x.status, 'succeeded', x.statusReason ?? '');
      const row = await engine.store.experiments.row(a.id);
      assert.equal(fs.readFileSync(path.join(row.outputs_dir!, 'a.txt'), 'utf8'), 'kept\n');
      await waitFor(async () => !(await podExists(a.pod)), 30_000, 'the pod to be deleted');

      // Never given back: the only copy of the outputs is never deleted, and the run says where it is.
      const b = await runWithoutExec('b.txt');
      const y = await endOf(engine, b.id, 120_000);
      assert.equal(y.status, 'failed');
      assert.match(
        y.statusReason ?? '',
        new RegExp(`^outputs not copied, kept in pod ${b.pod}: copying the outputs failed: 403 Forbidden`),
      );
      assert.equal(y.exitCode, 0);
      const log = await logOf(b.id);
      assert.equal(log.match(/trying again in/g)?.length, 4, log);
      assert.ok(
        log.includes(`kubectl --context ${RESTRICTED} -n ${allowed.name} cp -c axon-outputs ${b.pod}:`),
        log,
      );
      // The engine tries again while exec is still refused: no harm done, the pod stays.
      await waitFor(async () => /are still not copied/.test(await logOf(b.id)), 30_000, 'a later try');
      assert.equal(await podExists(b.pod), true, 'the pod with the outputs was deleted');
      assert.equal((await engine.call('experiments.get', { id: b.id })).status, 'failed');

      // Deleting a run removes the pod it kept.
      const c = await runWithoutExec('c.txt');
      assert.equal((await endOf(engine, c.id, 120_000)).status, 'failed');
      assert.equal(await podExists(c.pod), true);
      await engine.call('experiments.delete', { id: c.id });
      await waitFor(async () => !(await podExists(c.pod)), 30_000, 'the kept pod to go with its run');

      // The engine closes (a laptop shut); exec comes back; the next engine brings the outputs home at its
      // start, deletes the pod, and the run whose command succeeded has succeeded after all.
      await engine.close();
      await setExec(true);
      engine = await Engine.start({ home: h, keptRetryMs: 1000 });
      await waitFor(
        async () => (await engine.call('experiments.get', { id: b.id })).status === 'succeeded',
        60_000,
        'the kept outputs to come home',
      );
      const z = await engine.call('experiments.get', { id: b.id });
      assert.equal(z.statusReason, `outputs copied later from the pod they were kept in, ${b.pod}`);
      assert.equal(z.jobs[0].status, 'succeeded');
      assert.deepEqual(
        z.outputs.map((f) => f.path),
        ['b.txt'],
      );
      const rowB = await engine.store.experiments.row(b.id);
      assert.equal(fs.readFileSync(path.join(rowB.outputs_dir!, 'b.txt'), 'utf8'), 'kept\n');
      assert.match(await logOf(b.id), /copied from the pod they were kept in, .*, which is deleted now/);
      await waitFor(async () => !(await podExists(b.pod)), 30_000, 'the kept pod to be deleted');
      const history = (await engine.store.statuses.history('experiment', b.id)).map((r) => r.status);
      assert.deepEqual(history.slice(-2), ['failed', 'succeeded']);
    } finally {
      await setExec(true);
      await engine.close();
    }
  },
);
