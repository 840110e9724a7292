// v0 `environment` (SPEC §1.7) and distributed `replicas` (SPEC §1.8).
import { z } from 'zod';
import type { EnvironmentSpec, PodEnvironment, ReplicaSpec, ResourceBound } from './types';
import { show, type Issues, type Path } from './errors';
import { anyMap, anyMapList, check, checkObject, int, num, str, strList } from './zod-check';
import { pyStr } from './pyrepr';

const bound = (unit: string) =>
  z
    .object({
      requests: num.nullish().describe(`a number${unit}`),
      limits: num.nullish().describe(`a number${unit}`),
    })
    .strict();

// memory is a number of MiB: Polyaxon renders it as `{n}Mi`, so "1Gi" would become "1GiMi" (SPEC ⚠).
const resources = z
  .object({
    cpu: bound('').nullish(),
    memory: bound(' of MiB (memory is in MiB, e.g. 2048)').nullish(),
    gpu: bound('').nullish(),
    tpu: bound('').nullish(),
  })
  .strict();

const nodeSelector = z
  .record(z.union([z.string(), z.number(), z.boolean()]))
  .describe('a mapping of label: value');

const podFields = {
  resources: resources.nullish(),
  node_selector: nodeSelector.nullish(),
  affinity: anyMap.nullish(),
  tolerations: anyMapList.nullish(),
};
const pod = z.object(podFields).strict();
const indexedPod = z.object({ index: int.min(0), ...podFields }).strict();

const refList = z.array(z.union([z.number().int(), z.string()])).describe('a list of run ids or names');

const baseFields = {
  ...podFields,
  persistence: z.object({ data: strList.nullish(), outputs: str.nullish() }).strict().nullish(),
  outputs: z.object({ jobs: refList.nullish(), experiments: refList.nullish() }).strict().nullish(),
  secret_refs: strList.nullish(),
  configmap_refs: strList.nullish(),
  cluster_uuid: str.nullish(),
  // 0.5 additions (polyaxon-schemas@6060719 ops/environments/pods.py)
  labels: z.record(z.union([z.string(), z.number(), z.boolean()])).nullish(),
  annotations: z.record(z.union([z.string(), z.number(), z.boolean()])).nullish(),
  service_account: str.nullish(),
  image_pull_secrets: strList.nullish(),
  max_restarts: int.min(0).nullish(),
  data_refs: z.array(z.unknown()).nullish(),
  artifact_refs: z.array(z.unknown()).nullish(),
  config_map_refs: z.array(z.unknown()).nullish(),
};

/** The environment of builds, notebooks, tensorboards and jobs: no replicas. */
export const baseEnvironment = z.object(baseFields).strict();
const experimentEnvironment = z.object({ ...baseFields, replicas: anyMap.nullish() }).strict();

const count = int.min(0).nullish();
const withPs = {
  n_workers: count,
  n_ps: count,
  default_worker: pod.nullish(),
  default_ps: pod.nullish(),
  worker: z.array(indexedPod).nullish(),
  ps: z.array(indexedPod).nullish(),
};
const workersOnly = {
  n_workers: count,
  default_worker: pod.nullish(),
  worker: z.array(indexedPod).nullish(),
};

export const FRAMEWORKS = ['tensorflow', 'mxnet', 'horovod', 'pytorch'] as const;

/** The replica schema of each framework; `backend: mpi` (MPIJob) has its own, with no master. */
const REPLICAS = {
  tensorflow: z.object({ ...withPs, delay_workers_by_global_step: z.boolean().nullish() }).strict(),
  mxnet: z.object(withPs).strict(),
  pytorch: z.object(workersOnly).strict(),
  horovod: z.object(workersOnly).strict(), // horovod has no n_ps: passing it raises
  mpi: z.object({ n_workers: count, default_worker: pod.nullish() }).strict(),
};

type RawPod = z.infer<typeof pod>;

function toBound(
  b: { requests?: number | null; limits?: number | null } | null | undefined,
): ResourceBound | undefined {
  if (!b) return undefined;
  const out: ResourceBound = {};
  if (b.requests != null) out.requests = b.requests;
  if (b.limits != null) out.limits = b.limits;
  return out;
}

export function toPod(raw: RawPod | null | undefined): PodEnvironment | undefined {
  if (!raw) return undefined;
  const out: PodEnvironment = {};
  if (raw.resources) {
    const r = raw.resources;
    const res: NonNullable<PodEnvironment['resources']> = {};
    for (const k of ['cpu', 'memory', 'gpu', 'tpu'] as const) {
      const b = toBound(r[k]);
      if (b) res[k] = b;
    }
    out.resources = res;
  }
  if (raw.node_selector) {
    out.nodeSelector = Object.fromEntries(Object.entries(raw.node_selector).map(([k, v]) => [k, pyStr(v)]));
  }
  if (raw.affinity) out.affinity = raw.affinity;
  if (raw.tolerations) out.tolerations = raw.tolerations;
  return out;
}

export interface EnvironmentContext {
  framework?: string;
  backend?: string;
  /** Whether this kind may carry replicas (experiments; and groups in Axon). */
  allowReplicas: boolean;
}

function parseReplicas(
  raw: unknown,
  path: Path,
  issues: Issues,
  ctx: EnvironmentContext,
): ReplicaSpec | undefined {
  const framework = ctx.framework?.toLowerCase();
  if (framework === undefined) {
    issues.add(path, `a top-level \`framework\` (${FRAMEWORKS.join(', ')}) for replicas`, 'no framework');
    return undefined;
  }
  if (!(FRAMEWORKS as readonly string[]).includes(framework)) {
    issues.add(
      ['framework'],
      `one of ${FRAMEWORKS.join(', ')} when environment.replicas is set`,
      show(ctx.framework),
    );
    return undefined;
  }
  const schemaName = ctx.backend === 'mpi' ? 'mpi' : (framework as keyof typeof REPLICAS);
  const r = check(REPLICAS[schemaName], raw, path, issues);
  if (!r) return undefined;
  const indexed = (list: Array<z.infer<typeof indexedPod>> | null | undefined) => {
    const out: Record<number, PodEnvironment> = {};
    // An indexed entry replaces the default wholesale (specs/utils.py get_task_values): no field merge.
    for (const item of list ?? []) out[item.index] = toPod(item) ?? {};
    return out;
  };
  const rr = r as Partial<z.infer<typeof REPLICAS.tensorflow>>;
  return {
    nWorkers: rr.n_workers ?? 0,
    nPs: rr.n_ps ?? 0,
    defaultWorker: toPod(rr.default_worker),
    defaultPs: toPod(rr.default_ps),
    worker: indexed(rr.worker),
    ps: indexed(rr.ps),
  };
}

const POD_KEYS = new Set(['resources', 'node_selector', 'affinity', 'tolerations', 'replicas']);

/** Validates an (already rendered) v0 environment and maps it to the internal spec. */
export function parseEnvironment(
  raw: unknown,
  path: Path,
  issues: Issues,
  ctx: EnvironmentContext,
): EnvironmentSpec | undefined {
  if (raw === null || raw === undefined) return undefined;
  const schema = ctx.allowReplicas ? experimentEnvironment : baseEnvironment;
  const env = checkObject(schema, raw, path, issues) as z.infer<typeof experimentEnvironment> | undefined;
  if (!env) return undefined;
  const out: EnvironmentSpec = { ...toPod(env), extra: {} };
  for (const [k, v] of Object.entries(env)) {
    if (!POD_KEYS.has(k) && v !== undefined && v !== null) out.extra[k] = v;
  }
  if (env.replicas) {
    const replicas = parseReplicas(env.replicas, [...path, 'replicas'], issues, ctx);
    if (replicas) out.replicas = replicas;
  }
  return out;
}
