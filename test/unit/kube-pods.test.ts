// The pure parts of the Kubernetes backend: a pod from a launch and its environment, the checks that refuse
// what a cluster would refuse (before anything is created), a pod's state as a job's status with its reason,
// image names as containerd knows them, and which path an image takes to the nodes.
import assert from 'node:assert/strict';
import test from 'node:test';
import { parse as parseYaml } from 'yaml';
import type { V1Pod } from '@kubernetes/client-node';
import {
  buildPod,
  environmentProblems,
  LABEL,
  problemText,
  MAIN,
  podRequests,
  SIDECAR,
  RESTORE,
} from '../../main/engine/backends/kubernetes/pod-spec';
import { podState } from '../../main/engine/backends/kubernetes/pod-status';
import { choosePath, qualified } from '../../main/engine/backends/kubernetes/images';
import { rbacManifest } from '../../main/engine/backends/kubernetes/rbac';
import type { LaunchSpec } from '../../main/engine/backends/backend';
import type { EnvironmentSpec } from '../../shared/polyaxonfile';
import { parsePolyaxonfiles, renderExperiment } from '../../shared/polyaxonfile';
import { replicaPlan } from '../../main/engine/scheduler/replicas';

const launch = (environment?: EnvironmentSpec): LaunchSpec => ({
  jobId: 7,
  experimentId: 3,
  project: 'My Project',
  groupId: 2,
  role: 'worker',
  index: 1,
  cmd: 'python3 train.py --lr=0.1 "quoted $HOME"',
  cwd: '/home/me/p',
  env: {
    AXON_RUN_ID: '3',
    HOME: '/home/me',
    AXON_HOME: '/home/me/.axon',
    POLYAXON_NO_OP: '1',
    AWS_SECRET_ACCESS_KEY: 'x',
    AXON_API_URL: 'http://127.0.0.1:1',
    PYTHONUNBUFFERED: '1',
  },
  extraEnv: { MASTER_ADDR: 'master-0.svc', RANK: '2' },
  logPath: '/tmp/l',
  runDir: '/tmp',
  outputsDir: '/tmp/o',
  image: 'docker.io/axon/p:1',
  run: { environment },
});

test('a pod: labels naming home, project, experiment, job, role; the command exactly as written; resources in Kubernetes units', () => {
  const env: EnvironmentSpec = {
    resources: { cpu: { requests: 0.5, limits: 2 }, memory: { limits: 512 }, gpu: { requests: 1 } },
    nodeSelector: { pool: 'gpu' },
    tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
    extra: { service_account: 'trainer', image_pull_secrets: ['regcred'], secret_refs: ['wandb'] },
  };
  const p = buildPod(launch(env), {
    home: 'abc123abc123',
    project: 'My Project',
    image: 'docker.io/axon/p:1',
    namespace: 'ml',
    subdomain: 'axon-abc-3',
  });
  const l = p.metadata!.labels!;
  assert.equal(l[LABEL.home], 'abc123abc123');
  assert.equal(l[LABEL.project], 'My-Project');
  assert.equal(l[LABEL.experiment], '3');
  assert.equal(l[LABEL.job], '7');
  assert.equal(l[LABEL.role], 'worker');
  assert.equal(p.metadata!.name, 'axon-abc123abc123-3-worker-1-7');
  const main = p.spec!.containers.find((c) => c.name === MAIN)!;
  const env_ = Object.fromEntries(main.env!.map((e) => [e.name, e.value]));
  assert.equal(env_.AXON_CMD, 'python3 train.py --lr=0.1 "quoted $HOME"', 'the command travels untouched');
  assert.equal(env_.MASTER_ADDR, 'master-0.svc');
  assert.equal(env_.AXON_OUTPUTS_PATH, '/axon/outputs');
  assert.equal(env_.HOME, undefined, "the engine's own environment stays on the desktop");
  assert.equal(env_.AWS_SECRET_ACCESS_KEY, undefined);
  assert.equal(env_.AXON_HOME, undefined, "the engine's own AXON_ variables too");
  assert.equal(env_.POLYAXON_NO_OP, undefined);
  assert.equal(env_.AXON_RUN_ID, '3', "the job's own are there");
  assert.equal(env_.PYTHONUNBUFFERED, '1');
  assert.equal(env_.PYTHONPATH, '/axon/sdk/python', 'the client, with no PYTHONPATH of the image');
  assert.equal(env_.AXON_API_URL, undefined, 'the desktop loopback is not reachable from a pod');
  assert.deepEqual(main.resources, {
    requests: { cpu: '0.5', 'nvidia.com/gpu': '1' },
    limits: { cpu: '2', memory: '512Mi', 'nvidia.com/gpu': '1' },
  });
  assert.deepEqual(main.envFrom, [{ secretRef: { name: 'wandb' } }]);
  assert.equal(p.spec!.serviceAccountName, 'trainer');
  assert.deepEqual(p.spec!.imagePullSecrets, [{ name: 'regcred' }]);
  assert.deepEqual(p.spec!.nodeSelector, { pool: 'gpu' });
  assert.equal(p.spec!.restartPolicy, 'Never');
  assert.equal(p.spec!.hostname, 'worker-1');
  assert.equal(p.spec!.subdomain, 'axon-abc-3');
  assert.ok(
    p.spec!.containers.some((c) => c.name === SIDECAR),
    'a side container keeps the outputs',
  );
  assert.deepEqual(
    podRequests(env),
    { cpu: 0.505, memoryBytes: 520 * 2 ** 20, gpus: 1 },
    'the side container counts',
  );
});

test("a resume's pod: an init container holds `main` until the previous outputs are in; a fresh run has none", () => {
  const o = { home: 'abc123abc123', project: 'p', image: 'docker.io/axon/p:1', namespace: 'ml' };
  assert.equal(buildPod(launch(), o).spec!.initContainers, undefined);
  const [init] = buildPod(launch(), { ...o, restore: true }).spec!.initContainers!;
  assert.equal(init.name, RESTORE);
  assert.equal(init.image, 'docker.io/axon/p:1');
  assert.deepEqual(init.volumeMounts, [{ name: 'outputs', mountPath: '/axon/outputs' }]);
  assert.match(init.command!.join(' '), /until \[ -e \/axon\/outputs\/\.axon-restored \]/);
  // Its image cannot be pulled: the run fails with the kubelet's reason, not a wait.
  const stuck = podState(
    pod({
      phase: 'Pending',
      initContainerStatuses: [
        {
          name: RESTORE,
          image: 'x',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: 'ErrImageNeverPull', message: 'never pull' } },
        },
      ],
      containerStatuses: [
        {
          name: MAIN,
          image: 'x',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: 'PodInitializing' } },
        },
      ],
    }),
  );
  assert.equal(stuck.kind, 'ended');
});

test('what a cluster would refuse is named with its field before anything is created', () => {
  const problems = environmentProblems({
    resources: { cpu: { requests: 4, limits: 2 }, memory: { limits: 'lots' }, gpu: { limits: 0.5 } },
    nodeSelector: { 'bad key!': 'x' },
    tolerations: [{ key: 'a', operator: 'Sometimes' }, { effect: 'Never' }],
    affinity: { nodeAffinty: {} },
    extra: { service_account: 'Not_Valid', labels: { 'axon.dev/home': 'mine' } },
  });
  const text = problems.map(problemText);
  const has = (re: RegExp) =>
    assert.ok(
      text.some((p) => re.test(p)),
      `${re} in:\n${text.join('\n')}`,
    );
  has(/^environment\.resources\.cpu: expected requests ≤ limits, found requests 4 above limits 2$/);
  has(/^environment\.resources\.memory\.limits: expected a quantity .*, found "lots"$/);
  has(/^environment\.resources\.gpu\.limits: expected a whole number of GPUs .*, found 0\.5$/);
  has(/^environment\.node_selector: expected a valid label key, found key "bad key!"$/);
  has(/^environment\.tolerations\.0\.operator: expected Equal or Exists, found "Sometimes"$/);
  has(
    /^environment\.tolerations\.1\.effect: expected NoSchedule, PreferNoSchedule or NoExecute, found "Never"$/,
  );
  has(/^environment\.affinity\.nodeAffinty: expected nodeAffinity, podAffinity or podAntiAffinity/);
  has(/^environment\.service_account: .*found "Not_Valid"$/);
  has(/^environment\.labels: expected a valid label key outside axon\.dev\/.*found key "axon\.dev\/home"$/);
  assert.deepEqual(
    environmentProblems({ resources: { cpu: { limits: '500m' }, memory: { requests: '1Gi' } }, extra: {} }),
    [],
  );
});

const pod = (status: V1Pod['status'], spec: Partial<NonNullable<V1Pod['spec']>> = {}): V1Pod => ({
  metadata: { name: 'p' },
  spec: {
    containers: [{ name: MAIN, image: 'docker.io/axon/p:1', resources: { limits: { memory: '16Mi' } } }],
    ...spec,
  },
  status,
});
const main = (state: object) => ({
  containerStatuses: [{ name: MAIN, image: '', imageID: '', ready: false, restartCount: 0, state }],
});

test("a pod's state as the job's status, with the reason a person needs", () => {
  assert.deepEqual(
    podState(
      pod({
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/1 nodes are available: 1 Insufficient nvidia.com/gpu.',
          },
        ],
      }),
    ),
    {
      kind: 'waiting',
      status: {
        status: 'unschedulable',
        reason: 'unschedulable: 0/1 nodes are available: 1 Insufficient nvidia.com/gpu.',
      },
    },
  );
  const oom = podState(
    pod({
      phase: 'Running',
      ...main({
        terminated: {
          exitCode: 137,
          reason: 'OOMKilled',
          startedAt: new Date('2026-01-01T00:00:01Z'),
          finishedAt: new Date('2026-01-01T00:00:05Z'),
        },
      }),
    }),
  );
  assert.deepEqual(oom, {
    kind: 'ended',
    outcome: {
      exitCode: 137,
      signal: null,
      lost: false,
      reason: 'out of memory (limit 16Mi)',
      startedAt: '2026-01-01T00:00:01.000Z',
    },
    finishedAt: '2026-01-01T00:00:05.000Z',
  });
  // The kubelet says OOMKilled when a child was killed for memory and the command went on and exited 0.
  const child = podState(
    pod({ phase: 'Running', ...main({ terminated: { exitCode: 0, reason: 'OOMKilled' } }) }),
  );
  assert.deepEqual(child.kind === 'ended' && child.outcome, { exitCode: 0, signal: null, lost: false });
  const exit = podState(pod({ phase: 'Running', ...main({ terminated: { exitCode: 3, reason: 'Error' } }) }));
  assert.deepEqual(exit.kind === 'ended' && exit.outcome, { exitCode: 3, signal: null, lost: false });
  const pull = podState(
    pod({
      phase: 'Pending',
      ...main({ waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } }),
    }),
  );
  assert.equal(pull.kind, 'ended');
  assert.match(
    pull.kind === 'ended' ? pull.outcome.reason! : '',
    /^ImagePullBackOff: image docker\.io\/axon\/p:1 is not available on the node/,
  );
  const first = podState(
    pod({
      phase: 'Pending',
      ...main({ waiting: { reason: 'ErrImagePull', message: 'dial tcp: no route' } }),
    }),
  );
  assert.deepEqual(
    first,
    { kind: 'waiting', status: { status: 'warning', reason: 'ErrImagePull', message: 'dial tcp: no route' } },
    'one failed pull is a warning, not yet a failure',
  );
  const evicted = podState(
    pod({ phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' }),
  );
  assert.deepEqual(evicted.kind === 'ended' && evicted.outcome, {
    exitCode: null,
    signal: null,
    lost: true,
    reason: 'evicted: The node was low on resource: memory.',
  });
  assert.deepEqual(
    podState(
      pod(
        { phase: 'Running', ...main({ running: { startedAt: new Date('2026-01-01T00:00:00Z') } }) },
        { nodeName: 'n1' },
      ),
    ),
    {
      kind: 'running',
      node: 'n1',
      startedAt: '2026-01-01T00:00:00.000Z',
    },
  );
  assert.deepEqual(podState(pod({ phase: 'Pending' }, { nodeName: 'n1' })), {
    kind: 'waiting',
    status: { status: 'starting', reason: null },
  });
});

test('image names as containerd knows them, and the path an image takes to the nodes', () => {
  assert.equal(qualified('axon/p:1'), 'docker.io/axon/p:1');
  assert.equal(qualified('busybox:1'), 'docker.io/library/busybox:1');
  assert.equal(qualified('localhost:5001/p:1'), 'localhost:5001/p:1');
  assert.equal(qualified('ghcr.io/me/p:1'), 'ghcr.io/me/p:1');
  const kind = [{ name: 'axon-control-plane', providerID: 'kind://docker/axon/axon-control-plane' }];
  assert.deepEqual(choosePath(undefined, kind, 'kind-axon'), {
    kind: 'kind-load',
    nodes: ['axon-control-plane'],
  });
  assert.deepEqual(choosePath({ kind: 'registry', url: 'ghcr.io/me' }, kind, 'kind-axon'), {
    kind: 'registry',
    url: 'ghcr.io/me',
  });
  assert.deepEqual(choosePath({ kind: 'containerd', socket: '/run/c.sock' }, [], 'x'), {
    kind: 'containerd',
    socket: '/run/c.sock',
  });
  assert.throws(
    () => choosePath(undefined, [{ name: 'gke-1', providerID: 'gce://p/z/gke-1' }], 'gke'),
    /cannot reach the nodes of context "gke".*registry/,
  );
  assert.throws(
    () => choosePath({ kind: 'kind-load' }, [{ name: 'n', providerID: null }], 'c'),
    /not kind nodes/,
  );
});

test('axon context rbac: a namespaced Role and RoleBinding, nothing cluster-wide', () => {
  const [role, binding] = rbacManifest('ml', { kind: 'ServiceAccount', name: 'trainer' })
    .split('---\n')
    .map((d) => parseYaml(d));
  assert.equal(role.kind, 'Role');
  assert.equal(role.metadata.namespace, 'ml');
  const resources = role.rules.flatMap((r: { resources: string[] }) => r.resources);
  for (const r of ['pods', 'pods/log', 'pods/exec', 'services', 'events'])
    assert.ok(resources.includes(r), r);
  assert.equal(binding.kind, 'RoleBinding');
  assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'trainer', namespace: 'ml' }]);
});

test("a pod's PYTHONPATH keeps the image's build.env_vars one after Axon's client", () => {
  const spec = launch();
  spec.run.build = { envVars: [['PYTHONPATH', '/code/lib']] } as LaunchSpec['run']['build'];
  const p = buildPod(spec, {
    home: 'abc123abc123',
    project: 'p',
    image: 'i:1',
    namespace: 'ml',
    subdomain: 's',
  });
  const env = Object.fromEntries(
    p.spec!.containers.find((c) => c.name === MAIN)!.env!.map((e) => [e.name, e.value]),
  );
  assert.equal(env.PYTHONPATH, '/axon/sdk/python:/code/lib');
});

/** The pods of a distributed file's replicas, as the runner plans them (replicas.ts) and the backend builds them. */
function replicaPods(text: string): Record<string, V1Pod> {
  const parsed = parsePolyaxonfiles([{ name: 'dist.yml', text }], {});
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
  const r = renderExperiment(parsed.value, {});
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  const o = {
    home: 'h0',
    project: 'p',
    image: 'docker.io/axon/p:1',
    namespace: 'ml',
    subdomain: 'axon-h0-3',
  };
  return Object.fromEntries(
    replicaPlan(r.value.environment).map((rep) => [
      `${rep.role}-${rep.index}`,
      buildPod({ ...launch(rep.environment), role: rep.role, index: rep.index }, o),
    ]),
  );
}

const kubeExtras = (p: V1Pod) => ({
  team: p.metadata!.labels!.team,
  owner: p.metadata!.annotations?.owner,
  envFrom: p.spec!.containers.find((c) => c.name === MAIN)!.envFrom,
  serviceAccount: p.spec!.serviceAccountName,
  pullSecrets: p.spec!.imagePullSecrets,
});

test("a v0 distributed run: every replica gets the experiment's labels, refs and service account; pod fields stay per replica", () => {
  const pods = replicaPods(
    [
      'version: 1',
      'kind: experiment',
      'framework: pytorch',
      'environment:',
      '  labels: {team: vision}',
      '  annotations: {owner: me}',
      '  configmap_refs: [cm]',
      '  secret_refs: [creds]',
      '  service_account: trainer',
      '  image_pull_secrets: [regcred]',
      '  node_selector: {pool: big}',
      '  replicas:',
      '    n_workers: 2',
      '    default_worker: {node_selector: {pool: small}}',
      'run:',
      '  cmd: python3 train.py',
    ].join('\n'),
  );
  assert.deepEqual(Object.keys(pods), ['master-0', 'worker-0', 'worker-1']);
  for (const [name, p] of Object.entries(pods))
    assert.deepEqual(
      kubeExtras(p),
      {
        team: 'vision',
        owner: 'me',
        envFrom: [{ secretRef: { name: 'creds' } }, { configMapRef: { name: 'cm' } }],
        serviceAccount: 'trainer',
        pullSecrets: [{ name: 'regcred' }],
      },
      name,
    );
  assert.deepEqual(pods['master-0'].spec!.nodeSelector, { pool: 'big' });
  assert.deepEqual(
    pods['worker-1'].spec!.nodeSelector,
    { pool: 'small' },
    "default_worker's, as in Polyaxon",
  );
});

test("a v1 pytorchjob: each replica has its own environment's labels and service account, not the master's", () => {
  const pods = replicaPods(
    [
      'version: 1.1',
      'kind: component',
      'run:',
      '  kind: pytorchjob',
      '  master:',
      '    replicas: 1',
      '    environment: {labels: {team: vision}, serviceAccountName: trainer}',
      '    container: {image: python:3.11, command: [python3, train.py]}',
      '  worker:',
      '    replicas: 1',
      '    environment: {labels: {team: workers}, imagePullSecrets: [regcred]}',
      '    container: {image: python:3.11, command: [python3, train.py]}',
    ].join('\n'),
  );
  assert.equal(pods['master-0'].metadata!.labels!.team, 'vision');
  assert.equal(pods['master-0'].spec!.serviceAccountName, 'trainer');
  assert.equal(pods['worker-0'].metadata!.labels!.team, 'workers');
  assert.equal(pods['worker-0'].spec!.serviceAccountName, undefined);
  assert.deepEqual(pods['worker-0'].spec!.imagePullSecrets, [{ name: 'regcred' }]);
});
