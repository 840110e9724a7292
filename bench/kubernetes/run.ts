// Kubernetes backend benchmarks against the test cluster (test/kubernetes/cluster/; README.md beside this file):
//   first-log  pod created → first log line, through Axon (runs.create of `echo hi`, the line arriving as
//              `logs.appended`) against plain client-node (a pod of the same image, already on the node,
//              running `echo hi`, its log followed until the first line); interleaved, medians, goal ≤ 1.2×.
//   sweep      a random sweep on kwok-node (simulated: statuses only): API requests per trial, as Axon counts
//              them (KubernetesBackend.counter) and as the API server does (apiserver_request_total, the
//              whole cluster), and the engine's CPU time per trial (process.cpuUsage). No goal.
//
//   node --import tsx bench/kubernetes/run.ts [first-log] [sweep]      (both when none is named)
//
// Environment: AXON_TEST_KUBECONFIG (default /var/tmp/axon-k8s/admin.kubeconfig), AXON_TEST_KUBE_CONTEXT (its
// current context), AXON_TEST_CONTAINERD_SOCKET (default /var/tmp/axon-k8s/containerd/containerd.sock: images go
// to the node that way), AXON_BENCH_K8S_RUNS (10 of each, first-log), AXON_BENCH_K8S_TRIALS (200) and
// AXON_BENCH_K8S_CONCURRENCY (20) for the sweep.
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { CoreV1Api, KubeConfig, Log, Watch, type V1Pod } from '@kubernetes/client-node';
import { Engine } from '../../main/engine/engine';
import type { KubernetesBackend } from '../../main/engine/backends/kubernetes/kubernetes-backend';
import { LABEL } from '../../main/engine/backends/kubernetes/pod-spec';
import { ROOT, log, median, nowMs, percentile, removeDir, report, sleep, tmpDir, type Figure } from '../lib';

const IMAGE = 'axon-test/busybox:1';
const KUBECONFIG = process.env.AXON_TEST_KUBECONFIG || '/var/tmp/axon-k8s/admin.kubeconfig';
const SOCKET = process.env.AXON_TEST_CONTAINERD_SOCKET || '/var/tmp/axon-k8s/containerd/containerd.sock';
const RUNS = Number(process.env.AXON_BENCH_K8S_RUNS) || 10;
const TRIALS = Number(process.env.AXON_BENCH_K8S_TRIALS) || 200;
const CONCURRENCY = Number(process.env.AXON_BENCH_K8S_CONCURRENCY) || 20;
const KWOK_NODE = 'kwok-node';

const kc = new KubeConfig();
kc.loadFromFile(KUBECONFIG);
if (process.env.AXON_TEST_KUBE_CONTEXT) kc.setCurrentContext(process.env.AXON_TEST_KUBE_CONTEXT);
const context = kc.getCurrentContext();
const core = kc.makeApiClient(CoreV1Api);

/** A GET of the API server, as text (for /metrics, which client-node has no call for). */
async function rawGet(p: string): Promise<string> {
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const url = new URL(kc.getCurrentCluster()!.server.replace(/\/+$/, '') + p);
  return new Promise((resolve, reject) => {
    const req = https.request(url, { ...opts, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${p}: HTTP ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** apiserver_request_total summed over every series, and over those of resource "pods". */
async function apiserverRequests(): Promise<{ all: number; pods: number }> {
  let all = 0;
  let pods = 0;
  for (const line of (await rawGet('/metrics')).split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const v = Number(line.slice(line.lastIndexOf(' ') + 1));
    all += v;
    if (line.includes('resource="pods"')) pods += v;
  }
  return { all, pods };
}

/** Times (local clock) at which a watch of the namespace first saw each pod, and saw its first container start. */
class PodClock {
  added = new Map<string, number>();
  started = new Map<string, number>();
  pods = new Map<string, V1Pod>();
  private listeners = new Set<() => void>();
  private abort: AbortController | null = null;
  constructor(private namespace: string) {}
  async start(): Promise<void> {
    this.abort = await new Watch(kc).watch(
      `/api/v1/namespaces/${this.namespace}/pods`,
      {},
      (type: string, pod: V1Pod) => {
        const t = nowMs();
        const name = pod.metadata?.name ?? '';
        if (type === 'DELETED') {
          this.pods.delete(name);
        } else {
          if (!this.added.has(name)) this.added.set(name, t);
          const main = pod.status?.containerStatuses?.find((c) => c.name === 'main')?.state;
          if (!this.started.has(name) && (main?.running || main?.terminated)) this.started.set(name, t);
          this.pods.set(name, pod);
        }
        for (const l of this.listeners) l();
      },
      () => undefined,
    );
  }
  /** Resolves with the first value `f` returns that is not undefined, checked on every event. */
  until<T>(f: () => T | undefined, ms = 120_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const v = f();
        if (v === undefined) return;
        this.listeners.delete(check);
        clearTimeout(timer);
        resolve(v);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`timed out after ${ms / 1000} s`));
      }, ms);
      this.listeners.add(check);
      check();
    });
  }
  stop(): void {
    this.abort?.abort();
  }
}

function axonHome(namespace: string): string {
  const home = tmpDir('axon-bench-k8s-home-');
  fs.writeFileSync(
    path.join(home, 'settings.json'),
    JSON.stringify({
      version: 1,
      kubeContext: context,
      contexts: { [context]: { namespace, registry: { kind: 'containerd', socket: SOCKET } } },
    }),
  );
  return home;
}

const polyaxonfile = (lines: string[]) =>
  ['version: 1', `build: {image: "${IMAGE}"}`, ...lines].join('\n') + '\n';

const KWOK_ENV = [
  'environment:',
  '  node_selector: {type: kwok}',
  '  tolerations: [{key: kwok.x-k8s.io/node, operator: Exists, effect: NoSchedule}]',
];

async function ended(engine: Engine, id: number, ms = 120_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const x = await engine.call('experiments.get', { id });
    if (['succeeded', 'failed', 'stopped'].includes(x.status)) return x.status;
    if (Date.now() > deadline) throw new Error(`experiment ${id} still ${x.status} after ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function firstLog(namespace: string): Promise<{ figures: Figure[]; notes: string[] }> {
  const clock = new PodClock(namespace);
  await clock.start();
  const engine = await Engine.start({ home: axonHome(namespace) });
  const code = tmpDir('axon-bench-k8s-code-');
  const text = polyaxonfile(['kind: experiment', 'run:', '  cmd: echo hi']);
  const axon: Array<{ total: number; start: number }> = [];
  const plain: Array<{ total: number; start: number }> = [];
  let image = '';
  try {
    const once = async (): Promise<{ total: number; start: number }> => {
      let id = -1;
      const firstLine = new Promise<number>((resolve) => {
        const off = engine.on('logs.appended', (c) => {
          if (c.experimentId === id && /^hi$/m.test(c.text)) {
            off();
            resolve(nowMs());
          }
        });
      });
      const c = await engine.call('runs.create', {
        files: [{ name: 'polyaxonfile.yml', text }],
        params: {},
        codePath: code,
        backend: 'kubernetes',
      });
      id = c.kind === 'experiment' ? c.experiment.id : -1;
      const t1 = await firstLine;
      const pod = [...clock.pods.values()].find((p) => p.metadata?.labels?.[LABEL.experiment] === String(id));
      const name = pod?.metadata?.name ?? '';
      image ||= pod?.spec?.containers?.find((x) => x.name === 'main')?.image ?? '';
      const status = await ended(engine, id);
      if (status !== 'succeeded') throw new Error(`the Axon run ${id} ${status}`);
      const t0 = clock.added.get(name)!;
      return { total: t1 - t0, start: clock.started.get(name)! - t0 };
    };
    log('first-log: a first Axon run ships the image to the node (not counted)');
    await once();
    if (!image) throw new Error('the image of the Axon pod was not seen');
    const plainOnce = async (): Promise<{ total: number; start: number }> => {
      const name = `plain-${crypto.randomBytes(4).toString('hex')}`;
      await core.createNamespacedPod({
        namespace,
        body: {
          metadata: { name },
          spec: {
            restartPolicy: 'Never',
            containers: [
              { name: 'main', image, imagePullPolicy: 'IfNotPresent', command: ['/bin/sh', '-c', 'echo hi'] },
            ],
          },
        },
      });
      await clock.until(() => clock.started.get(name));
      const out = new PassThrough();
      const t1 = new Promise<number>((resolve, reject) => {
        let buf = '';
        out.on('data', (d: Buffer) => {
          buf += d.toString();
          if (buf.includes('\n')) resolve(nowMs());
        });
        out.on('end', () => reject(new Error(`the log of ${name} ended without a line`)));
      });
      const req = await new Log(kc).log(namespace, name, 'main', out, { follow: true });
      const done = await t1;
      req.abort();
      await core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 });
      await clock.until(() => (clock.pods.has(name) ? undefined : true));
      const t0 = clock.added.get(name)!;
      return { total: done - t0, start: clock.started.get(name)! - t0 };
    };
    // The kubelet notices a started container at its next relist (every 1 s), so a pod's start reads as ~0.9
    // or ~1.9 s depending on where its creation falls in that cycle. Runs back to back lock onto the cycle (each
    // starts a fixed time after the kubelet reported the last one), so each waits a random 0-1 s first.
    const jitter = () => sleep(Math.random() * 1000);
    for (let i = 0; i < RUNS; i++) {
      // alternate which goes first
      if (i % 2 === 0) {
        await jitter();
        axon.push(await once());
        await jitter();
        plain.push(await plainOnce());
      } else {
        await jitter();
        plain.push(await plainOnce());
        await jitter();
        axon.push(await once());
      }
      log(
        `first-log ${i + 1}/${RUNS}: axon ${axon.at(-1)!.total.toFixed(0)} ms, plain ${plain.at(-1)!.total.toFixed(0)} ms`,
      );
    }
  } finally {
    clock.stop();
    await engine.close();
    removeDir(code);
  }
  const a = axon.map((x) => x.total);
  const p = plain.map((x) => x.total);
  const ratio = median(a) / median(p);
  return {
    figures: [
      {
        what: `pod created → first log line, through Axon, median of ${RUNS}`,
        value: median(a),
        unit: 'ms',
        baseline: { what: 'plain client-node, median', value: median(p) },
        ratio,
        goal: 'ratio ≤ 1.2',
        met: ratio <= 1.2,
      },
      {
        what: 'the same, p90',
        value: percentile(a, 90),
        unit: 'ms',
        baseline: { what: 'plain client-node, p90', value: percentile(p, 90) },
      },
      {
        what: 'of which pod created → main started (as the watch saw it), median',
        value: median(axon.map((x) => x.start)),
        unit: 'ms',
        baseline: { what: 'plain pod', value: median(plain.map((x) => x.start)) },
      },
      {
        what: 'of which main started → first line, median',
        value: median(axon.map((x) => x.total - x.start)),
        unit: 'ms',
        baseline: { what: 'plain pod', value: median(plain.map((x) => x.total - x.start)) },
      },
    ],
    notes: [
      `both clocks start when a watch of the namespace (in this process) first sees the pod (ADDED); Axon's stops at`,
      `the engine's logs.appended event carrying the line "hi" (its log copier into the run's log file, then the`,
      `follower), the plain client's at the first line of a follow=true log stream it opens once the watch shows`,
      `main started. Axon's pod has two containers (main, axon-outputs) and a ConfigMap volume (the Python client);`,
      `the plain pod one container. Same image (${image || '?'}), already on the node; runs interleaved, each after`,
      `a random 0-1 s pause (the kubelet's 1 s relist makes pod start times bimodal, ~0.9 or ~1.9 s, by phase).`,
    ],
  };
}

async function sweep(namespace: string): Promise<{ figures: Figure[]; notes: string[] }> {
  const node = await core.readNode({ name: KWOK_NODE }).catch(() => null);
  if (!node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
    throw new Error(`no Ready node ${KWOK_NODE}: start kwok with bash test/kubernetes/cluster/55-kwok.sh`);
  const engine = await Engine.start({ home: axonHome(namespace) });
  const backend = engine.backends.kubernetes as KubernetesBackend;
  const code = tmpDir('axon-bench-k8s-sweep-');
  try {
    // One experiment ships the image first: the first launches of a sweep would otherwise each import it at
    // once, and concurrent imports of one image into containerd wait on each other for a long time.
    const one = await engine.call('runs.create', {
      files: [
        {
          name: 'polyaxonfile.yml',
          text: polyaxonfile(['kind: experiment', ...KWOK_ENV, 'run:', '  cmd: echo hi']),
        },
      ],
      params: {},
      codePath: code,
      backend: 'kubernetes',
    });
    const status = await ended(engine, one.kind === 'experiment' ? one.experiment.id : 0);
    if (status !== 'succeeded') throw new Error(`the first experiment on ${KWOK_NODE} ${status}`);

    const text = polyaxonfile([
      'kind: group',
      ...KWOK_ENV,
      'hptuning:',
      `  concurrency: ${CONCURRENCY}`,
      `  random_search: {n_experiments: ${TRIALS}}`,
      '  matrix: {x: {uniform: 0:1}}',
      'run:',
      '  cmd: echo {{ x }}',
    ]);
    const server0 = await apiserverRequests();
    const axon0 = backend.counter.requests;
    const cpu0 = process.cpuUsage();
    const t0 = nowMs();
    const c = await engine.call('runs.create', {
      files: [{ name: 'sweep.yml', text }],
      params: {},
      codePath: code,
      backend: 'kubernetes',
    });
    const id = c.kind === 'group' ? c.group.id : 0;
    for (;;) {
      const g = await engine.call('groups.get', { id });
      if (['done', 'failed', 'stopped'].includes(g.status)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const wall = nowMs() - t0;
    const cpu = process.cpuUsage(cpu0);
    const axonRequests = backend.counter.requests - axon0;
    const server1 = await apiserverRequests();
    const xs = await engine.call('experiments.list', { groupId: id, limit: 100_000 });
    const ok = xs.filter((x) => x.status === 'succeeded').length;
    if (ok !== TRIALS) throw new Error(`${ok} of ${TRIALS} trials succeeded`);
    return {
      figures: [
        {
          what: `sweep wall time (${TRIALS} trials, concurrency ${CONCURRENCY})`,
          value: wall / 1000,
          unit: 's',
        },
        {
          what: "API requests per trial, Axon's count (KubernetesBackend.counter)",
          value: axonRequests / TRIALS,
          unit: 'req',
        },
        {
          what: 'API requests per trial at the API server (apiserver_request_total delta, whole cluster)',
          value: (server1.all - server0.all) / TRIALS,
          unit: 'req',
        },
        {
          what: 'of which resource "pods" (kwok, scheduler, controllers included)',
          value: (server1.pods - server0.pods) / TRIALS,
          unit: 'req',
        },
        {
          what: 'engine CPU per trial (process.cpuUsage, user + system)',
          value: (cpu.user + cpu.system) / 1000 / TRIALS,
          unit: 'ms',
        },
      ],
      notes: [
        `kwok-node runs nothing: each trial's pod goes Running, its main ends with exit 0 after 1-3 s`,
        `(test/kubernetes/cluster/kwok-stages.yaml); Axon then reads the log (kwok has none: refused), tries to copy`,
        `the outputs over exec (refused) and deletes the pod. The API server's count covers everything the cluster`,
        `did meanwhile (kwok's status patches, the scheduler's bindings, other clients and tests running then).`,
        `The engine's CPU excludes docker (the cached image build each trial checks) and ctr.`,
      ],
    };
  } finally {
    await engine.close();
    removeDir(code);
  }
}

export async function run(parts = process.argv.slice(2).filter((a) => a !== '--')): Promise<void> {
  const chosen = parts.length ? parts : ['first-log', 'sweep'];
  for (const p of chosen)
    if (!['first-log', 'sweep'].includes(p)) throw new Error(`unknown part "${p}" (first-log, sweep)`);
  if (spawnSync('docker', ['image', 'inspect', IMAGE], { stdio: 'ignore' }).status !== 0) {
    log(`${IMAGE} is missing; building it with test/docker/build-images.sh --only busybox`);
    execFileSync('bash', [path.join(ROOT, 'test/docker/build-images.sh'), '--only', 'busybox'], {
      stdio: 'inherit',
    });
  }
  process.env.KUBECONFIG = KUBECONFIG; // the engine reads the kubeconfig as a user's would
  const namespace = `axon-bench-${crypto.randomBytes(4).toString('hex')}`;
  await core.createNamespace({ body: { metadata: { name: namespace, labels: { 'axon-test': '1' } } } });
  const figures: Figure[] = [];
  const notes: string[] = [];
  try {
    for (let i = 0; ; i++) {
      const sa = await core.readNamespacedServiceAccount({ name: 'default', namespace }).catch(() => null);
      if (sa) break;
      if (i > 600) throw new Error(`namespace ${namespace}: no default service account after 60 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const p of chosen) {
      const r = p === 'first-log' ? await firstLog(namespace) : await sweep(namespace);
      figures.push(...r.figures);
      notes.push(...r.notes);
    }
  } finally {
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  }
  report({
    name: 'kubernetes',
    params: {
      context,
      kubeconfig: KUBECONFIG,
      runs: RUNS,
      trials: TRIALS,
      concurrency: CONCURRENCY,
      parts: chosen,
    },
    figures,
    notes,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
