// v1.1 `run` sections (SPEC §5.2): job, service, tfjob, pytorchjob, mpijob and dag, mapped to the
// internal environment/replica model.
import { z, type ZodTypeAny } from 'zod';
import type { EnvironmentSpec, PodEnvironment, ReplicaSpec, ResourceBound } from './types';
import { show, type Issues, type Path } from './errors';
import { anyMap, anyMapList, check, int, str, strList } from './zod-check';
import { isPlainObject, pyStr } from './pyrepr';

const labelMap = z.record(z.union([z.string(), z.number(), z.boolean()]));
export const v1Environment = z
  .object({
    labels: labelMap.nullish(),
    annotations: labelMap.nullish(),
    nodeSelector: labelMap.nullish(),
    affinity: anyMap.nullish(),
    tolerations: anyMapList.nullish(),
    nodeName: str.nullish(),
    serviceAccountName: str.nullish(),
    hostAliases: anyMapList.nullish(),
    securityContext: anyMap.nullish(),
    imagePullSecrets: strList.nullish(),
    hostNetwork: z.boolean().nullish(),
    hostPID: z.boolean().nullish(),
    dnsPolicy: str.nullish(),
    dnsConfig: anyMap.nullish(),
    schedulerName: str.nullish(),
    priorityClassName: str.nullish(),
    priority: int.nullish(),
    restartPolicy: str.nullish(),
  })
  .strict();

const token = z.union([z.string(), z.number(), z.boolean()]);
const commandLike = z.union([z.string(), z.array(token)]).describe('a string or a list of strings');
const quantities = z.record(z.union([z.string(), z.number()])).describe('a mapping of resource: quantity');
// A Kubernetes V1Container: Polyaxon's own keys are checked, the rest (env, volumeMounts…) passes through.
const container = z
  .object({
    name: str.nullish(),
    image: str.nullish(),
    command: commandLike.nullish(),
    args: commandLike.nullish(),
    resources: z
      .object({ requests: quantities.nullish(), limits: quantities.nullish(), claims: z.unknown() })
      .strict()
      .nullish(),
  })
  .passthrough();

const podFields = {
  environment: v1Environment.nullish(),
  connections: strList.nullish(),
  volumes: anyMapList.nullish(),
  init: anyMapList.nullish(),
  sidecars: anyMapList.nullish(),
  container: container.nullish(),
};
const replica = z
  .object({ replicas: int.min(0).nullish(), ...podFields })
  .strict()
  .nullish();
const scheduling = { cleanPodPolicy: str.nullish(), schedulingPolicy: anyMap.nullish() };

const RUN_SCHEMAS: Record<string, ZodTypeAny> = {
  job: z.object({ kind: z.literal('job'), ...podFields }).strict(),
  service: z
    .object({
      kind: z.literal('service'),
      ...podFields,
      ports: z.array(int).nullish(),
      rewritePath: z.boolean().nullish(),
      isExternal: z.boolean().nullish(),
      replicas: int.min(0).nullish(),
    })
    .strict(),
  tfjob: z
    .object({
      kind: z.literal('tfjob'),
      ...scheduling,
      chief: replica,
      ps: replica,
      worker: replica,
      evaluator: replica,
    })
    .strict(),
  pytorchjob: z
    .object({ kind: z.literal('pytorchjob'), ...scheduling, master: replica, worker: replica })
    .strict(),
  mpijob: z
    .object({
      kind: z.literal('mpijob'),
      ...scheduling,
      launcher: replica,
      worker: replica,
      slotsPerWorker: int.min(1).nullish(),
      sshAuthMountPath: str.nullish(),
      implementation: str.nullish(),
    })
    .strict(),
  dag: z
    .object({
      kind: z.literal('dag'),
      operations: z.array(z.unknown()).min(1).describe('a non-empty list of operations'),
      components: z.array(z.unknown()).nullish(),
      concurrency: int.min(1).nullish(),
      earlyStopping: anyMapList.nullish(),
      environment: v1Environment.nullish(),
      connections: strList.nullish(),
      volumes: anyMapList.nullish(),
    })
    .strict(),
};
export const RUN_KINDS = Object.keys(RUN_SCHEMAS);

const UNITS: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity (`500m`, `2Gi`, `1e3`, 4) as a plain number of base units. */
export function parseQuantity(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\+?(\d+(?:\.\d*)?|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|m|k|K|M|G|T|P|E))?$/.exec(
    v.trim(),
  );
  if (!m) return undefined;
  return Number(m[1] + (m[2] ?? '')) * UNITS[m[3] ?? ''];
}

type ResourceName = 'cpu' | 'memory' | 'gpu' | 'tpu';
function resourceName(key: string): ResourceName | undefined {
  if (key === 'cpu' || key === 'memory') return key;
  if (key.endsWith('/gpu')) return 'gpu'; // nvidia.com/gpu, amd.com/gpu
  if (key.includes('tpu')) return 'tpu'; // cloud-tpus.google.com/v2
  return undefined;
}

/** Container resources → PodEnvironment resources; memory becomes MiB like v0's numbers (a bare number is
 *  bytes in Kubernetes), CPU becomes cores. */
function podResources(
  resources: unknown,
  path: Path,
  issues: Issues,
): PodEnvironment['resources'] | undefined {
  if (!isPlainObject(resources)) return undefined;
  const out: NonNullable<PodEnvironment['resources']> = {};
  for (const side of ['requests', 'limits'] as const) {
    const values = resources[side];
    if (!isPlainObject(values)) continue;
    for (const [key, raw] of Object.entries(values)) {
      const name = resourceName(key);
      if (!name) continue;
      const q = parseQuantity(raw);
      if (q === undefined) {
        issues.add([...path, side, key], 'a Kubernetes quantity (e.g. 2, 500m, 256Mi, 2Gi)', show(raw));
        continue;
      }
      const bound: ResourceBound = (out[name] ??= {});
      bound[side] = name === 'memory' ? q / 2 ** 20 : q;
    }
  }
  return Object.keys(out).length ? out : undefined;
}

type Pod = { environment?: Record<string, unknown> | null; container?: Record<string, unknown> | null };

function toPod(pod: Pod | null | undefined, path: Path, issues: Issues): PodEnvironment | undefined {
  if (!pod) return undefined;
  const out: PodEnvironment = {};
  const resources = podResources(pod.container?.resources, [...path, 'container', 'resources'], issues);
  if (resources) out.resources = resources;
  const env = pod.environment ?? {};
  if (isPlainObject(env.nodeSelector)) {
    out.nodeSelector = Object.fromEntries(Object.entries(env.nodeSelector).map(([k, v]) => [k, pyStr(v)]));
  }
  if (isPlainObject(env.affinity)) out.affinity = env.affinity;
  if (Array.isArray(env.tolerations)) out.tolerations = env.tolerations as Array<Record<string, unknown>>;
  return out;
}

export interface RunInfo {
  runKind: string;
  /** Where the container that runs the command sits, when there is one. */
  containerPath?: Path;
  container?: Record<string, unknown>;
  environment?: EnvironmentSpec;
  framework?: string;
  backend?: string;
  run: Record<string, unknown>;
}

const POD_ENV_KEYS = new Set(['nodeSelector', 'affinity', 'tolerations']);

function environmentOf(pod: Pod | null | undefined, path: Path, issues: Issues): EnvironmentSpec {
  const out: EnvironmentSpec = { ...toPod(pod, path, issues), extra: {} };
  for (const [k, v] of Object.entries(pod?.environment ?? {})) {
    if (!POD_ENV_KEYS.has(k) && v != null) out.extra[k] = v;
  }
  return out;
}

const DISTRIBUTED: Record<string, { master: string; ps?: string; framework: string; backend: string }> = {
  tfjob: { master: 'chief', ps: 'ps', framework: 'tensorflow', backend: 'kubeflow' },
  pytorchjob: { master: 'master', framework: 'pytorch', backend: 'kubeflow' },
  // MPIJob has a launcher and workers; Axon models it as horovod-style mpirun over the workers.
  mpijob: { master: 'launcher', framework: 'horovod', backend: 'mpi' },
};

/** Validates `run` (everything but a DAG's operations, see dag.ts) and maps it. */
export function parseRunV1(raw: unknown, path: Path, issues: Issues): RunInfo | undefined {
  if (!isPlainObject(raw)) {
    issues.add(path, 'a mapping with a `kind`', show(raw));
    return undefined;
  }
  const runKind = raw.kind;
  if (typeof runKind !== 'string' || !RUN_KINDS.includes(runKind)) {
    issues.add([...path, 'kind'], `a run kind Axon supports (${RUN_KINDS.join(', ')})`, show(runKind));
    return undefined;
  }
  const run = check(RUN_SCHEMAS[runKind], raw, path, issues) as Record<string, unknown> | undefined;
  if (!run) return undefined;
  const info: RunInfo = { runKind, run };
  if (runKind === 'job' || runKind === 'service') {
    const pod = run as Pod;
    info.environment = environmentOf(pod, path, issues);
    if (pod.container) {
      info.container = pod.container;
      info.containerPath = [...path, 'container'];
    }
  } else if (runKind in DISTRIBUTED) {
    const d = DISTRIBUTED[runKind];
    const master = run[d.master] as (Pod & { replicas?: number }) | null | undefined;
    const worker = run.worker as (Pod & { replicas?: number }) | null | undefined;
    const ps = d.ps ? (run[d.ps] as (Pod & { replicas?: number }) | null | undefined) : undefined;
    const main = master?.container ? d.master : worker?.container ? 'worker' : undefined;
    info.environment = master ? environmentOf(master, [...path, d.master], issues) : { extra: {} };
    const replicas: ReplicaSpec = {
      nWorkers: worker?.replicas ?? 0,
      nPs: ps?.replicas ?? 0,
      worker: {},
      ps: {},
    };
    // Each replica has its environment of its own, as in Kubeflow (the chief's labels are not the workers').
    if (worker) replicas.defaultWorker = environmentOf(worker, [...path, 'worker'], issues);
    if (d.ps && ps) replicas.defaultPs = environmentOf(ps, [...path, d.ps], issues);
    if (runKind === 'tfjob') replicas.chiefName = 'chief';
    info.environment.replicas = replicas;
    info.framework = d.framework;
    info.backend = d.backend;
    if (main) {
      info.container = (run[main] as Pod).container as Record<string, unknown>;
      info.containerPath = [...path, main, 'container'];
    }
  } else {
    info.environment = environmentOf(run as Pod, path, issues);
  }
  return info;
}
