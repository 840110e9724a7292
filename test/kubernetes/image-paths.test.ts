// The two ways main/engine/backends/kubernetes/images.ts ships an image that the containerd test
// (kubernetes-runs) does not cover, each through the closest real thing this machine can have (no kind node image
// and no registry image can be downloaded here):
//
//   registry   a real Docker distribution registry (github.com/distribution/distribution/v3, built from the Go
//              module proxy by test/kubernetes/registry/up.sh, which this test runs: the first run builds it,
//              minutes; later ones start it in a second) on 127.0.0.1, plain HTTP, with and without basic auth.
//              shipImage pushes through the real Docker engine; the registry's API lists the tag and the test
//              cluster's node (its containerd's CRI) pulls the returned reference and runs it.
//   kind-load  a STAND-IN for a kind node, not kind: a Docker container named like a kind node, running `sleep`,
//              with this machine's `ctr` (and the libraries it links, bind-mounted) and the test cluster's
//              containerd socket at /run/containerd/containerd.sock, where a kind node has its own containerd.
//              shipImage runs the real `docker exec NODE ctr … images import -` fed by `docker save`; the image is
//              then in the cluster's containerd and a pod on the node runs it.
//   choosePath detects kind from the nodes' providerID kind://docker/<cluster>/<node>.
//
// Skips outside CI when Docker, the cluster (and its containerd socket, AXON_TEST_CONTAINERD_SOCKET), ctr or Go
// (for the registry's first build) is missing, saying which; fails naming it under CI=true.
// The registry instances, "axon-test-open-PID" and "axon-test-auth-PID" (/var/tmp/axon-registry/), are this
// process's own: stopped and removed at the end (test/kubernetes/registry/down.sh --purge stops any left over).
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test, { after } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { choosePath, shipImage } from '../../main/engine/backends/kubernetes/images';
import { BUSYBOX_IMAGE, docker, dockerSkipReason } from '../docker/helpers';
import { isCI, kubeApi, kubeTarget, tempNamespace, waitForPod, type KubeTarget } from './helpers';

const REGISTRY_DIR = path.join(import.meta.dirname, 'registry');
const REGISTRY_ROOT = process.env.AXON_REGISTRY_ROOT ?? '/var/tmp/axon-registry';
// this process's own instances (another test process may run this file at the same time)
const OPEN = `axon-test-open-${process.pid}`;
const AUTH = `axon-test-auth-${process.pid}`;
const USER = 'axon';
const PASSWORD = 'se:cret pw'; // a colon and a space: the Docker config's `auth` is base64 of USER:PASSWORD
const KIND_CONTAINERD_SOCKET = '/run/containerd/containerd.sock'; // where a kind node's ctr looks
const target = await kubeTarget();
const dockerWhy = await dockerSkipReason();
const ctrPath = which('ctr');

function which(cmd: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** Why the registry cannot be had: no built binary and no Go to build it. */
function registryWhy(): string | null {
  if (fs.existsSync(path.join(REGISTRY_ROOT, 'bin/registry'))) return null;
  if (which('go') || fs.existsSync('/usr/local/go/bin/go')) return null;
  return 'no Go toolchain to build the test registry (test/kubernetes/registry/build.sh wants Go >= 1.26 in PATH or /usr/local/go)';
}

const cluster = typeof target === 'string' ? target : null;
const socketWhy =
  typeof target !== 'string' && !target.containerdSocket
    ? "the node's containerd socket is unknown: set AXON_TEST_CONTAINERD_SOCKET (/var/tmp/axon-k8s/containerd/containerd.sock)"
    : null;
const reasons = {
  registry: [dockerWhy, registryWhy()],
  registryPull: [dockerWhy, registryWhy(), cluster],
  kind: [dockerWhy, cluster, socketWhy, ctrPath ? null : 'no ctr here (apt-get install containerd)'],
};
/** node:test's `skip`: the first reason outside CI; false under CI (the test then fails in `need`). */
function skipFor(what: keyof typeof reasons): string | false {
  const why = reasons[what].find((r) => r);
  return why && !isCI() ? why : false;
}
function need(what: keyof typeof reasons): void {
  const why = reasons[what].find((r) => r);
  if (why) throw new Error(`CI=true but this test cannot run: ${why}`);
}

function sh(
  file: string,
  args: string[],
  { env, timeoutMs = 60_000 }: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) =>
    execFile(
      file,
      args,
      { env: env ?? process.env, timeout: timeoutMs, maxBuffer: 16 << 20 },
      (err, stdout, stderr) =>
        err
          ? reject(new Error(`${file} ${args.join(' ')}: ${err.message}\n${stderr.slice(-3000)}`))
          : resolve({ stdout, stderr }),
    ),
  );
}

const started = new Set<string>();
const registries = new Map<string, Promise<string>>();
/** Starts (building first, when needed) the registry instance and returns its HOST:PORT. */
function registry(name: string, auth?: string): Promise<string> {
  let p = registries.get(name);
  if (!p) {
    started.add(name);
    const args = [path.join(REGISTRY_DIR, 'up.sh'), '--name', name, ...(auth ? ['--auth', auth] : [])];
    p = sh('bash', args, { timeoutMs: 40 * 60_000 }).then(({ stdout }) => {
      const addr = stdout.trim().split('\n').pop() ?? '';
      assert.match(addr, /^127\.0\.0\.1:\d+$/, `up.sh printed ${JSON.stringify(stdout)}`);
      return addr;
    });
    registries.set(name, p);
  }
  return p;
}

after(async () => {
  if (started.size)
    await sh('bash', [path.join(REGISTRY_DIR, 'down.sh'), '--purge', ...started]).catch((e) =>
      console.error(`stopping the test registries: ${(e as Error).message}`),
    );
});

/** GET /v2/NAME/tags/list of the registry. */
async function tagsList(addr: string, repo: string, auth?: string) {
  const headers: Record<string, string> = auth
    ? { Authorization: `Basic ${Buffer.from(auth).toString('base64')}` }
    : {};
  const res = await fetch(`http://${addr}/v2/${repo}/tags/list`, { headers });
  return {
    status: res.status,
    body: res.ok ? ((await res.json()) as { name: string; tags: string[] }) : null,
  };
}

/** The digest the registry gives the manifest of REPO:TAG. */
async function manifestDigest(addr: string, repo: string, tag: string, auth?: string): Promise<string> {
  const res = await fetch(`http://${addr}/v2/${repo}/manifests/${tag}`, {
    method: 'HEAD',
    headers: {
      Accept: [
        'application/vnd.docker.distribution.manifest.v2+json',
        'application/vnd.oci.image.manifest.v1+json',
        'application/vnd.docker.distribution.manifest.list.v2+json',
        'application/vnd.oci.image.index.v1+json',
      ].join(', '),
      ...(auth ? { Authorization: `Basic ${Buffer.from(auth).toString('base64')}` } : {}),
    },
  });
  assert.equal(res.status, 200, `HEAD /v2/${repo}/manifests/${tag}`);
  const digest = res.headers.get('docker-content-digest');
  assert.match(digest ?? '', /^sha256:[0-9a-f]{64}$/);
  return digest as string;
}

/** Runs IMAGE in a pod on the cluster's node to completion; returns the pod, its log and its image ID. */
async function runPod(
  kube: KubeTarget,
  namespace: string,
  image: string,
  pullPolicy: 'Always' | 'Never',
  pullSecret?: string,
) {
  const core = kubeApi(kube, CoreV1Api);
  const name = 'probe';
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name },
      spec: {
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 1,
        ...(pullSecret ? { imagePullSecrets: [{ name: pullSecret }] } : {}),
        containers: [{ name: 'main', image, imagePullPolicy: pullPolicy, command: ['echo', `ran ${image}`] }],
      },
    },
  });
  let pod;
  try {
    pod = await waitForPod(kube, namespace, name, { timeoutMs: 90_000 });
  } catch (e) {
    const events = await core.listNamespacedEvent({ namespace }).catch(() => null);
    const lines = (events?.items ?? []).map((ev) => `${ev.reason}: ${ev.message}`).join('\n');
    throw new Error(`${(e as Error).message}\nevents:\n${lines}`, { cause: e });
  }
  const log = await core.readNamespacedPodLog({ name, namespace, container: 'main' });
  // the kubelet's events arrive on their own time: its Pulled event, for a pull (none for imagePullPolicy Never)
  let pulled: string[] = [];
  for (let i = 0; pullPolicy === 'Always' && !pulled.length && i < 40; i++) {
    if (i) await new Promise((r) => setTimeout(r, 250));
    const events = await core.listNamespacedEvent({ namespace });
    pulled = events.items.filter((ev) => ev.reason === 'Pulled').map((ev) => ev.message ?? '');
  }
  return { pod, log, pulled, imageID: pod.status?.containerStatuses?.[0]?.imageID ?? '' };
}

/** ctr against the test cluster's containerd, namespace k8s.io. */
function ctr(socket: string, ...args: string[]): string {
  return execFileSync(ctrPath ?? 'ctr', ['--address', socket, '-n', 'k8s.io', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** What the push tests pushed, for the pull tests after them. */
let pushedOpen: string | null = null;
let pushedAuth: string | null = null;

const hex = () => crypto.randomBytes(4).toString('hex');

// ---- choosePath

test('choosePath: nodes whose providerID is kind://docker/<cluster>/<node> are kind nodes, loaded by name', () => {
  const kindNodes = [
    { name: 'axon-control-plane', providerID: 'kind://docker/axon/axon-control-plane' },
    { name: 'axon-worker', providerID: 'kind://docker/axon/axon-worker' },
  ];
  assert.deepEqual(choosePath(undefined, kindNodes, 'kind-axon'), {
    kind: 'kind-load',
    nodes: ['axon-control-plane', 'axon-worker'],
  });
  assert.deepEqual(choosePath({ kind: 'kind-load' }, kindNodes, 'kind-axon'), {
    kind: 'kind-load',
    nodes: ['axon-control-plane', 'axon-worker'],
  });
  // a registry or a containerd socket set for the context wins over detection
  assert.deepEqual(choosePath({ kind: 'registry', url: '127.0.0.1:5000/axon' }, kindNodes, 'kind-axon'), {
    kind: 'registry',
    url: '127.0.0.1:5000/axon',
  });
  assert.deepEqual(choosePath({ kind: 'containerd', socket: '/run/x.sock' }, kindNodes, 'kind-axon'), {
    kind: 'containerd',
    socket: '/run/x.sock',
  });
  // not kind: no providerID, another provider, or only some nodes of kind
  const plain = [{ name: 'axon-node' }];
  const mixed = [kindNodes[0], { name: 'gke-1', providerID: 'gce://p/z/gke-1' }];
  for (const nodes of [plain, mixed, [{ name: 'n', providerID: null }], []]) {
    assert.throws(
      () => choosePath(undefined, nodes, 'ctx'),
      /cannot reach the nodes of context "ctx": it is not a kind cluster and no registry is set for it.*--registry/,
    );
    assert.throws(
      () => choosePath({ kind: 'kind-load' }, nodes, 'ctx'),
      /context "ctx" is set to load images into kind, but its nodes are not kind nodes/,
    );
  }
});

// ---- registry

test(
  'registry path: shipImage pushes axon-test/busybox:1 into a real registry (distribution v3 on 127.0.0.1, no auth), whose API lists the tag',
  { skip: skipFor('registry'), timeout: 45 * 60_000 },
  async () => {
    need('registry');
    const addr = await registry(OPEN);
    const d = docker();
    const log: string[] = [];
    try {
      const ref = await shipImage(d, BUSYBOX_IMAGE, { kind: 'registry', url: `${addr}/axon` }, (s) =>
        log.push(s),
      );
      assert.equal(ref, `${addr}/axon/busybox:1`);
      assert.match(log.join(''), new RegExp(`pushed ${ref.replace(/\./g, '\\.')} \\(`));
      const tags = await tagsList(addr, 'axon/busybox');
      assert.equal(tags.status, 200);
      assert.deepEqual(tags.body, { name: 'axon/busybox', tags: ['1'] });
      pushedOpen = ref;
    } finally {
      await d
        .getImage(`${addr}/axon/busybox:1`)
        .remove({ noprune: true })
        .catch(() => undefined);
    }
  },
);
test(
  "registry path: the test cluster's node pulls the reference shipImage returned (plain HTTP to 127.0.0.1) and runs it",
  { skip: skipFor('registryPull'), timeout: 180_000 },
  async () => {
    need('registryPull');
    const kube = target as KubeTarget;
    assert.ok(pushedOpen, 'nothing was pushed: the test before this one failed');
    const addr = await registry(OPEN);
    const digest = await manifestDigest(addr, 'axon/busybox', '1');
    const ns = await tempNamespace(kube, 'axon-test-registry');
    try {
      const { pod, log, pulled, imageID } = await runPod(kube, ns.name, pushedOpen, 'Always');
      assert.equal(pod.status?.phase, 'Succeeded');
      assert.equal(log.trim(), `ran ${pushedOpen}`);
      assert.ok(
        pulled.some((m) => m.includes(`Successfully pulled image "${pushedOpen}"`)),
        `the kubelet did not pull ${pushedOpen}: ${JSON.stringify(pulled)}`,
      );
      // the image's ID on the node is a digest reference (of whichever name it got first): the registry's digest
      assert.ok(imageID.endsWith(`@${digest}`), `the node runs ${imageID}, the registry holds ${digest}`);
    } finally {
      await ns.remove();
      if (kube.containerdSocket)
        for (const n of [pushedOpen, `${addr}/axon/busybox@${digest}`])
          try {
            ctr(kube.containerdSocket, 'images', 'rm', n);
          } catch {
            /* gone already */
          }
    }
  },
);

test(
  "registry path with basic auth: the credentials come from the Docker config's auths; wrong ones are refused",
  { skip: skipFor('registry'), timeout: 45 * 60_000 },
  async () => {
    need('registry');
    const addr = await registry(AUTH, `${USER}:${PASSWORD}`);
    const d = docker();
    const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'axon-docker-config-'));
    const writeConfig = (password: string) =>
      fs.writeFileSync(
        path.join(configDir, 'config.json'),
        JSON.stringify({
          auths: { [addr]: { auth: Buffer.from(`${USER}:${password}`).toString('base64') } },
        }),
      );
    const saved = process.env.DOCKER_CONFIG;
    process.env.DOCKER_CONFIG = configDir;
    try {
      // the registry wants credentials
      assert.equal((await tagsList(addr, 'axon/busybox')).status, 401);

      writeConfig('not the password');
      await assert.rejects(
        shipImage(d, BUSYBOX_IMAGE, { kind: 'registry', url: `${addr}/axon` }, () => undefined),
        new RegExp(`push to ${addr.replace(/\./g, '\\.')} failed: .*(unauthorized|authentication required)`),
      );
      assert.equal((await tagsList(addr, 'axon/busybox', `${USER}:${PASSWORD}`)).status, 404);

      writeConfig(PASSWORD);
      const ref = await shipImage(
        d,
        BUSYBOX_IMAGE,
        { kind: 'registry', url: `${addr}/axon` },
        () => undefined,
      );
      assert.equal(ref, `${addr}/axon/busybox:1`);
      const tags = await tagsList(addr, 'axon/busybox', `${USER}:${PASSWORD}`);
      assert.deepEqual(tags.body, { name: 'axon/busybox', tags: ['1'] });
      pushedAuth = ref;
    } finally {
      if (saved === undefined) delete process.env.DOCKER_CONFIG;
      else process.env.DOCKER_CONFIG = saved;
      fs.rmSync(configDir, { recursive: true, force: true });
      await d
        .getImage(`${addr}/axon/busybox:1`)
        .remove({ noprune: true })
        .catch(() => undefined);
    }
  },
);
test(
  "registry path with basic auth: the test cluster's node pulls the pushed reference with an imagePullSecret",
  { skip: skipFor('registryPull'), timeout: 180_000 },
  async () => {
    need('registryPull');
    const kube = target as KubeTarget;
    assert.ok(pushedAuth, 'nothing was pushed: the test before this one failed');
    const addr = await registry(AUTH, `${USER}:${PASSWORD}`);
    const digest = await manifestDigest(addr, 'axon/busybox', '1', `${USER}:${PASSWORD}`);
    const ns = await tempNamespace(kube, 'axon-test-registry');
    try {
      const dockerconfig = {
        auths: { [addr]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } },
      };
      await kubeApi(kube, CoreV1Api).createNamespacedSecret({
        namespace: ns.name,
        body: {
          metadata: { name: 'pull' },
          type: 'kubernetes.io/dockerconfigjson',
          data: { '.dockerconfigjson': Buffer.from(JSON.stringify(dockerconfig)).toString('base64') },
        },
      });
      const { pod, log, pulled, imageID } = await runPod(kube, ns.name, pushedAuth, 'Always', 'pull');
      assert.equal(pod.status?.phase, 'Succeeded');
      assert.equal(log.trim(), `ran ${pushedAuth}`);
      assert.ok(
        pulled.some((m) => m.includes(`Successfully pulled image "${pushedAuth}"`)),
        `the kubelet did not pull ${pushedAuth}: ${JSON.stringify(pulled)}`,
      );
      assert.ok(imageID.endsWith(`@${digest}`), `the node runs ${imageID}, the registry holds ${digest}`);
    } finally {
      await ns.remove();
      if (kube.containerdSocket)
        for (const n of [pushedAuth, `${addr}/axon/busybox@${digest}`])
          try {
            ctr(kube.containerdSocket, 'images', 'rm', n);
          } catch {
            /* gone already */
          }
    }
  },
);

// ---- kind-load, into a stand-in for a kind node

/** The host's ctr and the shared libraries it links (none when static), as bind mounts at the same paths. */
function ctrBinds(): string[] {
  const exe = fs.realpathSync(ctrPath as string);
  let libs: string[] = [];
  try {
    const out = execFileSync('ldd', [exe], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    libs = out
      .split('\n')
      .map((l) => l.match(/=>\s*(\/\S+)/)?.[1] ?? l.match(/^\s*(\/\S+)/)?.[1])
      .filter((l): l is string => !!l);
  } catch {
    /* "not a dynamic executable": a static ctr needs nothing more */
  }
  return [`${exe}:/usr/local/bin/ctr:ro`, ...libs.map((l) => `${l}:${l}:ro`)];
}

/** A container named like a kind node (kind://docker/<cluster>/<cluster>-control-plane), running sleep. */
async function standInNode(cluster: string, socket: string | null) {
  const d = docker();
  const name = `${cluster}-control-plane`;
  const c = await d.createContainer({
    name,
    Image: BUSYBOX_IMAGE,
    Cmd: ['sleep', '3600'],
    Env: ['PATH=/usr/local/bin:/bin'],
    Labels: { 'axon.test': '1', 'io.x-k8s.kind.cluster': cluster, 'io.x-k8s.kind.role': 'control-plane' },
    HostConfig: {
      NetworkMode: 'none',
      Binds: [...ctrBinds(), ...(socket ? [`${socket}:${KIND_CONTAINERD_SOCKET}`] : [])],
    },
  });
  await c.start();
  return {
    node: { name, providerID: `kind://docker/${cluster}/${name}` },
    remove: () => c.remove({ force: true }).catch(() => undefined),
  };
}

test(
  "kind-load path into a STAND-IN for a kind node (a container named like one, with ctr and the test cluster's containerd socket): the image is imported and a pod runs it",
  { skip: skipFor('kind'), timeout: 180_000 },
  async () => {
    need('kind');
    const kube = target as KubeTarget;
    const socket = kube.containerdSocket as string;
    const d = docker();
    const id = hex();
    // its own tag: docker.io/axon-test/busybox:1 on the node is used by other tests and must stay
    const tag = `axon-test/kind-standin-${id}:1`;
    const name = `docker.io/${tag}`;
    await d.getImage(BUSYBOX_IMAGE).tag({ repo: `axon-test/kind-standin-${id}`, tag: '1' });
    const before = new Set(ctr(socket, 'images', 'ls', '-q').split('\n'));
    const stand = await standInNode(`axon-test-kind-${id}`, socket);
    const ns = await tempNamespace(kube, 'axon-test-kind');
    try {
      try {
        ctr(socket, 'images', 'rm', name); // absent (a new name), removed all the same: the import must happen
      } catch {
        /* not there */
      }
      assert.ok(!ctr(socket, 'images', 'ls', '-q').split('\n').includes(name));

      const via = choosePath(undefined, [stand.node], `kind-axon-test-kind-${id}`);
      assert.deepEqual(via, { kind: 'kind-load', nodes: [stand.node.name] });
      const log: string[] = [];
      const ref = await shipImage(d, tag, via, (s) => log.push(s));
      assert.equal(ref, name);
      assert.match(log.join(''), new RegExp(`loading image ${tag} into kind node ${stand.node.name}`));
      assert.ok(
        ctr(socket, 'images', 'ls', '-q').split('\n').includes(name),
        `${name} is not in the containerd of ${socket} after the import`,
      );

      // a second ship finds it there and loads nothing
      const again: string[] = [];
      assert.equal(await shipImage(d, tag, via, (s) => again.push(s)), name);
      assert.doesNotMatch(again.join(''), /loading image/);
      assert.match(again.join(''), /is on the kind nodes/);

      // the node's CRI runs it (unpacked for its snapshotter, overlayfs)
      const { pod, log: out } = await runPod(kube, ns.name, ref, 'Never');
      assert.equal(pod.status?.phase, 'Succeeded');
      assert.equal(out.trim(), `ran ${ref}`);
    } finally {
      await ns.remove();
      await stand.remove();
      // the tag, and the digest name(s) that `--digests` added for it
      const added = ctr(socket, 'images', 'ls', '-q')
        .split('\n')
        .filter((n) => n && !before.has(n) && (n === name || /^import-.*@sha256:/.test(n)));
      for (const n of added)
        try {
          ctr(socket, 'images', 'rm', n);
        } catch {
          /* gone already */
        }
      await d
        .getImage(tag)
        .remove({ noprune: true })
        .catch(() => undefined);
    }
  },
);

test(
  "kind-load path: a STAND-IN kind node whose containerd is down makes shipImage fail with ctr's message, naming the node; the node then removed leaves no error unhandled",
  { skip: skipFor('kind'), timeout: 90_000 },
  async () => {
    need('kind');
    const d = docker();
    // a socket no containerd listens on (refused at once: a missing one would make ctr wait 10 s to dial)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'axon-dead-containerd-'));
    const dead = path.join(dir, 'containerd.sock');
    execFileSync('python3', [
      '-c',
      'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.close()',
      dead,
    ]);
    const stand = await standInNode(`axon-test-kind-${hex()}`, dead);
    const stray: Error[] = [];
    const catchStray = (e: Error) => stray.push(e);
    process.on('uncaughtException', catchStray);
    let err: Error | null | undefined;
    try {
      // ctr fails without reading what `docker save` sends it
      err = await shipImage(d, BUSYBOX_IMAGE, { kind: 'kind-load', nodes: [stand.node.name] }, () => {
        /* log */
      }).then(
        () => null,
        (e: Error) => e,
      );
      // the node goes away (kind delete cluster) while the rest of the `docker save` stream may wait on it
      await stand.remove();
      await new Promise((r) => setTimeout(r, 5000));
    } finally {
      await stand.remove();
      process.off('uncaughtException', catchStray);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.ok(err, 'shipImage succeeded with no containerd behind ctr');
    assert.match(
      err.message,
      new RegExp(
        `^loading the image into kind node ${stand.node.name} failed: .*ctr: failed to dial .*connection refused`,
      ),
    );
    assert.deepEqual(
      stray.map((e) => e.message),
      [],
      'errors no one handled after shipImage failed (in Axon they would end the process)',
    );
    assert.ok(
      ![...err.message].some((c) => c.charCodeAt(0) < 9),
      `the message carries the exec stream's frame headers: ${JSON.stringify(err.message)}`,
    );
  },
);
