// Helpers for the tests that run against a real Kubernetes cluster: which cluster (AXON_TEST_KUBECONFIG), whether
// it can be used, skip-or-fail, throwaway namespaces, pods run to completion, and Docker images brought onto the
// node. The cluster is usually the one test/kubernetes/cluster/ builds and starts (.ci/run does; see its
// README.md), but any cluster works, kind's included.
//
// Environment:
//   AXON_TEST_KUBECONFIG         the kubeconfig of the test cluster (/var/tmp/axon-k8s/admin.kubeconfig for ours)
//   AXON_TEST_KUBE_CONTEXT       its context (default: the file's current-context)
//   AXON_TEST_CONTAINERD_SOCKET  the node's containerd socket, for importImage (/var/tmp/axon-k8s/containerd/containerd.sock)
//
// Skip or fail: outside CI a test without a usable cluster skips and says why; under CI=true it FAILS with an
// error naming what is missing (CI builds the cluster, so a missing one is a broken CI, not a reason to skip).
//
//   const target = await kubeTarget();
//   test('…', { skip: skipOrFail(target) }, async (t) => {
//     const kube = needKube(t, target);
//     if (!kube) return; // skipped (never reached under CI: needKube throws there)
//     const ns = await tempNamespace(kube);
//     try { … } finally { await ns.remove(); }
//   });
//
// `skipOrFail` alone skips the test outside CI; `needKube` alone (in the body) skips it with t.skip(reason) outside
// CI. Both together give the reason in the runner's listing without running the body. Never call `test.skip()` in a
// body: that registers another, empty test.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import type { TestContext } from 'node:test';
import {
  CoreV1Api,
  KubeConfig,
  Observable,
  VersionApi,
  type ApiConstructor,
  type ApiType,
  type ConfigurationOptions,
  type ObservableMiddleware,
  type RequestContext,
  type ResponseContext,
  type V1Pod,
} from '@kubernetes/client-node';

export interface KubeTarget {
  /** Path of the kubeconfig file. */
  kubeconfig: string;
  /** The context of that file the tests use. */
  context: string;
  /** The node's containerd socket (AXON_TEST_CONTAINERD_SOCKET, when it exists), for importImage; else null. */
  containerdSocket: string | null;
}

/** The busybox image that test/kubernetes/cluster/ imports onto its node (use it with imagePullPolicy: Never). */
export const CLUSTER_BUSYBOX_IMAGE = 'registry.local/axon-ci/busybox:v1';
/** Time limit of each request kubeTarget makes. */
export const CHECK_TIMEOUT_MS = 5000;

const UP_HINT =
  'start the test cluster as root with bash test/kubernetes/cluster/up.sh, then ' +
  'export AXON_TEST_KUBECONFIG=/var/tmp/axon-k8s/admin.kubeconfig';

export const isCI = (): boolean => process.env.CI === 'true';

let cached: Promise<KubeTarget | string> | null = null;

/**
 * The test cluster, or the reason it cannot be used: AXON_TEST_KUBECONFIG unset or unreadable, no such context,
 * the API server not answering GET /version within 5 s, or no node Ready. Checked once per process.
 */
export function kubeTarget(): Promise<KubeTarget | string> {
  cached ??= findTarget();
  return cached;
}

async function findTarget(): Promise<KubeTarget | string> {
  const file = process.env.AXON_TEST_KUBECONFIG;
  if (!file) return `AXON_TEST_KUBECONFIG is not set (${UP_HINT})`;
  if (!fs.existsSync(file))
    return `the kubeconfig ${file} (AXON_TEST_KUBECONFIG) does not exist (${UP_HINT})`;
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(file);
  } catch (e) {
    return `the kubeconfig ${file} cannot be read: ${(e as Error).message}`;
  }
  const context = process.env.AXON_TEST_KUBE_CONTEXT || kc.getCurrentContext();
  if (!context) return `the kubeconfig ${file} has no current-context (set AXON_TEST_KUBE_CONTEXT)`;
  if (!kc.getContextObject(context)) return `the kubeconfig ${file} has no context "${context}"`;
  kc.setCurrentContext(context);
  const server = kc.getCurrentCluster()?.server ?? '(no server)';
  const where = `the API server ${server} (context "${context}" of ${file})`;
  try {
    await withTimeout(CHECK_TIMEOUT_MS, (signal) =>
      kc.makeApiClient(VersionApi).getCode({}, abortable(signal)),
    );
  } catch (e) {
    return `${where} does not answer: ${describe(e)}`;
  }
  try {
    const nodes = await withTimeout(CHECK_TIMEOUT_MS, (signal) =>
      kc.makeApiClient(CoreV1Api).listNode({}, abortable(signal)),
    );
    const states = nodes.items.map((n) => {
      const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
      return {
        name: n.metadata?.name ?? '?',
        ready: ready?.status === 'True',
        why: ready?.reason ?? 'no Ready condition',
      };
    });
    if (!states.some((s) => s.ready))
      return states.length
        ? `no node of ${where} is Ready (${states.map((s) => `${s.name}: ${s.why}`).join(', ')})`
        : `${where} has no node`;
  } catch (e) {
    return `${where} did not list its nodes: ${describe(e)}`;
  }
  const socket = process.env.AXON_TEST_CONTAINERD_SOCKET;
  return { kubeconfig: file, context, containerdSocket: socket && fs.existsSync(socket) ? socket : null };
}

/**
 * The value of node:test's `skip` option for a test that needs the cluster: false when `target` is a cluster, and
 * under CI=true (the test then runs and fails in needKube); the reason otherwise.
 */
export function skipOrFail(target: KubeTarget | string): string | false {
  return typeof target === 'string' && !isCI() ? target : false;
}

/** The error a test fails with under CI when the cluster is missing. */
export function missingClusterError(reason: string): Error {
  return new Error(`CI=true but the Kubernetes test cluster is missing: ${reason}`);
}

/**
 * In a test body: the cluster; or, when there is none, `t.skip(reason)` and null outside CI (return at once), and
 * a thrown missingClusterError under CI=true.
 */
export function needKube(t: TestContext, target: KubeTarget | string): KubeTarget | null {
  if (typeof target !== 'string') return target;
  if (isCI()) throw missingClusterError(target);
  t.skip(target);
  return null;
}

/** A KubeConfig loaded from the target's file, on its context. */
export function kubeConfig(target: KubeTarget): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(target.kubeconfig);
  kc.setCurrentContext(target.context);
  return kc;
}

/** An API client of the target's cluster, e.g. `kubeApi(target, CoreV1Api)`. */
export function kubeApi<T extends ApiType>(target: KubeTarget, api: ApiConstructor<T>): T {
  return kubeConfig(target).makeApiClient(api);
}

export interface TempNamespace {
  name: string;
  /** Deletes the namespace (and everything in it) without waiting for it to be gone; a missing one is fine. */
  remove(): Promise<void>;
}

/**
 * Creates a namespace `<prefix>-<random>` (default prefix "axon-test"), labelled axon-test=1 so that leftovers can
 * be found (`kubectl delete ns -l axon-test=1`), and waits until its "default" service account exists (pods are
 * refused before that).
 */
export async function tempNamespace(target: KubeTarget, prefix = 'axon-test'): Promise<TempNamespace> {
  const core = kubeApi(target, CoreV1Api);
  const base =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 50) || 'axon-test';
  const name = `${base}-${crypto.randomBytes(4).toString('hex')}`;
  await core.createNamespace({ body: { metadata: { name, labels: { 'axon-test': '1' } } } });
  const remove = async () => {
    try {
      await core.deleteNamespace({ name });
    } catch (e) {
      if (statusOf(e) !== 404) throw e;
    }
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await core.readNamespacedServiceAccount({ name: 'default', namespace: name });
      break;
    } catch (e) {
      if (statusOf(e) !== 404 || Date.now() > deadline) {
        await remove().catch(() => undefined);
        const why = statusOf(e) === 404 ? 'none after 60 s' : describe(e);
        throw new Error(`namespace ${name}: no "default" service account (${why})`, { cause: e });
      }
      await sleep(250);
    }
  }
  return { name, remove };
}

/**
 * Polls the pod until its phase is one of `phases` (default: Succeeded or Failed) and returns it; throws after
 * `timeoutMs` with the pod's last phase and container states.
 */
export async function waitForPod(
  target: KubeTarget,
  namespace: string,
  name: string,
  { phases = ['Succeeded', 'Failed'], timeoutMs = 120_000 }: { phases?: string[]; timeoutMs?: number } = {},
): Promise<V1Pod> {
  const core = kubeApi(target, CoreV1Api);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pod = await core.readNamespacedPod({ name, namespace });
    if (phases.includes(pod.status?.phase ?? '')) return pod;
    if (Date.now() > deadline) {
      const states = (pod.status?.containerStatuses ?? []).map(
        (c) => `${c.name}: ${JSON.stringify(c.state)}`,
      );
      throw new Error(
        `pod ${namespace}/${name} is ${pod.status?.phase ?? 'without a phase'} after ${timeoutMs / 1000} s, ` +
          `not ${phases.join(' or ')}${states.length ? ` (${states.join('; ')})` : ''}`,
      );
    }
    await sleep(250);
  }
}

/**
 * The name containerd (and so a pod spec) gives an image that `docker save` exported: Docker's short names get its
 * registry prefix ("axon-test/busybox:1" → "docker.io/axon-test/busybox:1", "busybox" →
 * "docker.io/library/busybox:latest"); a name with a registry host is kept.
 */
export function nodeImageName(dockerTag: string): string {
  const slash = dockerTag.indexOf('/');
  const first = slash < 0 ? '' : dockerTag.slice(0, slash);
  const hasRegistry = first.includes('.') || first.includes(':') || first === 'localhost';
  let ref = hasRegistry ? dockerTag : slash < 0 ? `docker.io/library/${dockerTag}` : `docker.io/${dockerTag}`;
  const lastPart = ref.slice(ref.lastIndexOf('/') + 1);
  if (!lastPart.includes(':') && !lastPart.includes('@')) ref += ':latest';
  return ref;
}

/**
 * Copies a Docker image onto the node: `docker save TAG | ctr --address SOCKET -n k8s.io images import -`. Returns
 * the name to put in a pod spec (with imagePullPolicy: Never). Needs the docker CLI with a running engine, ctr
 * (Debian's containerd package) and target.containerdSocket; throws saying which is missing otherwise.
 */
export async function importImage(target: KubeTarget, dockerTag: string): Promise<string> {
  const socket = target.containerdSocket;
  if (!socket)
    throw new Error(
      'importImage needs the node containerd socket: set AXON_TEST_CONTAINERD_SOCKET ' +
        '(/var/tmp/axon-k8s/containerd/containerd.sock for test/kubernetes/cluster/)',
    );
  const script = 'set -o pipefail; docker save "$1" | ctr --address "$2" -n k8s.io images import -';
  const out = await new Promise<string>((resolve, reject) =>
    execFile(
      'bash',
      ['-c', script, 'import-image', dockerTag, socket],
      { maxBuffer: 4 << 20 },
      (err, stdout, stderr) =>
        err
          ? reject(
              new Error(`importing ${dockerTag} onto the node failed: ${(stderr || err.message).trim()}`),
            )
          : resolve(stdout + stderr),
    ),
  );
  const name = nodeImageName(dockerTag);
  // ctr prints "unpacking NAME (sha256:…)…done" for each image it imported
  const unpacked = [...out.matchAll(/unpacking (\S+) \(/g)].map((m) => m[1]);
  if (unpacked.length && !unpacked.includes(name))
    throw new Error(`importing ${dockerTag}: the node calls it ${unpacked.join(', ')}, not ${name}`);
  return name;
}

// ---- internals

/** Options for a client-node call that make its request use `signal` (so a time limit really ends it). */
function abortable(signal: AbortSignal): ConfigurationOptions<ObservableMiddleware> {
  const middleware: ObservableMiddleware = {
    pre: (ctx: RequestContext) => {
      ctx.setSignal(signal);
      return new Observable(Promise.resolve(ctx));
    },
    post: (res: ResponseContext) => new Observable(Promise.resolve(res)),
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append' };
}

async function withTimeout<T>(ms: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`timed out after ${ms / 1000} s`));
    }, ms);
  });
  try {
    return await Promise.race([run(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** The HTTP status of a client-node ApiException, or null. */
export function statusOf(e: unknown): number | null {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'number' ? code : null;
}

function describe(e: unknown): string {
  const status = statusOf(e);
  if (status !== null) {
    const body = (e as { body?: unknown }).body;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {
      /* not JSON */
    }
    return `HTTP ${status}: ${String(message).slice(0, 300)}`;
  }
  const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const code = err?.code ?? err?.cause?.code;
  return `${err?.message ?? String(e)}${code && !String(err?.message).includes(code) ? ` (${code})` : ''}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A TCP proxy in front of the API server that a test can cut (every connection destroyed, the port closed) and
 * open again on the same port: a cluster that becomes unreachable and comes back, for real. It can also stall:
 * connections stay open (new ones are accepted) but nothing is passed on until `resume`, which then passes on
 * everything held, in order, as an API server stopped with SIGSTOP and continued answers what it was sent.
 */
export class TcpProxy {
  private server: net.Server | null = null;
  private sockets = new Set<net.Socket>();
  private stalled = false;
  private held: Array<[net.Socket, Buffer | null]> = [];
  port = 0;
  constructor(private upstream: URL) {}

  /** Listens (on the port it had, the first time on a free one) and returns the port. */
  async open(): Promise<number> {
    this.server = net.createServer((c) => {
      const u = net.connect(Number(this.upstream.port || 443), this.upstream.hostname);
      for (const s of [c, u]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      const pass = (from: net.Socket, to: net.Socket) => {
        from.on('data', (b) => (this.stalled ? this.held.push([to, b]) : to.write(b)));
        from.on('end', () => (this.stalled ? this.held.push([to, null]) : to.end()));
      };
      pass(c, u);
      pass(u, c);
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  /** Holds every byte either way until `resume` (connections stay open). */
  stall(): void {
    this.stalled = true;
  }

  resume(): void {
    this.stalled = false;
    for (const [to, b] of this.held.splice(0)) {
      if (to.destroyed) continue;
      if (b) to.write(b);
      else to.end();
    }
  }

  async cut(): Promise<void> {
    const s = this.server;
    this.server = null;
    this.held = [];
    this.stalled = false;
    for (const x of this.sockets) x.destroy();
    await new Promise((r) => (s ? s.close(r) : r(undefined)));
  }
}
