// The pod of one job (one replica), built from the launch and the polyaxonfile's `environment`, and the checks
// that reject what a cluster cannot take before anything is created. Pure: no client, no I/O.
//
// A pod has two containers. `main` runs the command under a small bash wrapper that forwards SIGTERM to its
// process group (../container-wrapper.ts) and exits with its status. `axon-outputs`
// shares the outputs emptyDir and only waits: the engine copies the outputs out of it (exec + tar) once `main`
// has ended, then deletes the pod. The pod's phase is therefore not the job's state: the engine reads `main`'s
// container status.
import type { V1Container, V1EnvVar, V1Pod, V1Toleration } from '@kubernetes/client-node';
import type { EnvironmentSpec, ResourceBound } from '../../../../shared/polyaxonfile';
import type { LaunchSpec } from '../backend';
import { parseQuantity } from './cluster-info';
import { containerEnv, containerPythonPath } from '../../scheduler/job-env';
import { WRAPPER } from '../container-wrapper';

export const MAIN = 'main';
export const SIDECAR = 'axon-outputs';
export const POD_OUTPUTS = '/axon/outputs';
export const POD_SDK = '/axon/sdk/python';
export const REPLICA_PORT = 2222;

export const LABEL = {
  home: 'axon.dev/home',
  project: 'axon.dev/project',
  experiment: 'axon.dev/experiment',
  job: 'axon.dev/job',
  group: 'axon.dev/group',
  role: 'axon.dev/role',
  index: 'axon.dev/index',
} as const;

/** What the side container asks for (counted by the capacity check too). */
export const SIDECAR_REQUESTS = { cpu: '5m', memory: '8Mi' };
/** The side container waits until the engine has taken the outputs (it deletes the pod then, at once). It
 *  ignores SIGTERM: a pod deleted with a grace period (by someone else, a drain, or a stop whose exec failed)
 *  keeps it for that period, so the outputs can still be copied once `main` has ended. */
export const SIDECAR_SCRIPT = "trap '' TERM INT\nwhile :; do sleep 3600 & wait $!; done";

/** A resumed run's pod (its outputs folder is not empty) starts with an init container that holds `main` back
 *  until the engine has sent the previous outputs into the shared folder (pod-exec.ts restoreOutputs), as a
 *  resume on Docker or locally finds them in the folder it continues in. */
export const RESTORE = 'axon-restore';
export const RESTORED_MARKER = '.axon-restored';
export const RESTORE_SCRIPT = `until [ -e ${POD_OUTPUTS}/${RESTORED_MARKER} ]; do sleep 0.2; done; rm -f ${POD_OUTPUTS}/${RESTORED_MARKER}`;

/** A DNS-1123 label (lower case, digits, '-'; at most 63 characters). */
export function dnsLabel(s: string, max = 63): string {
  const out = s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/g, '');
  return out || 'x';
}

/** A label value: at most 63 characters of [A-Za-z0-9._-], starting and ending alphanumeric. */
export function labelValue(s: string): string {
  return s
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

export const podName = (
  home: string,
  s: { experimentId: number; role: string; index: number; jobId: number },
) => dnsLabel(`axon-${home}-${s.experimentId}-${s.role}-${s.index}-${s.jobId}`);

export const serviceName = (home: string, experimentId: number) => dnsLabel(`axon-${home}-${experimentId}`);

export interface PodOptions {
  home: string;
  project: string;
  image: string;
  namespace: string;
  /** The experiment's headless Service (distributed runs): the pod is `hostname.subdomain` in its DNS. */
  subdomain?: string;
  /** The previous outputs go into the pod before `main` starts (a resume: RESTORE). */
  restore?: boolean;
  /** The ConfigMap holding Axon's Python client, mounted on the Python path. */
  sdkConfigMap?: { name: string; items: Array<{ key: string; path: string }> };
}

type Env = EnvironmentSpec | undefined;

/** Polyaxon's units (SPEC §1.7): cpu in cores, memory in MiB, gpu a count; strings are Kubernetes quantities. */
function quantity(kind: 'cpu' | 'memory' | 'gpu', v: number | string): string {
  if (typeof v === 'string') return v.trim();
  if (kind === 'memory') return `${Math.round(v)}Mi`;
  if (kind === 'gpu') return String(Math.round(v));
  return String(Number(v.toFixed(3)));
}

const RESOURCE_NAME = { cpu: 'cpu', memory: 'memory', gpu: 'nvidia.com/gpu' } as const;

/** requests and limits of the main container; GPUs go in limits (Kubernetes takes them only there). */
export function podResources(env: Env): V1Container['resources'] {
  const r = env?.resources;
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  for (const kind of ['cpu', 'memory', 'gpu'] as const) {
    const b = r?.[kind];
    if (!b) continue;
    const name = RESOURCE_NAME[kind];
    if (b.requests !== undefined && b.requests !== null) requests[name] = quantity(kind, b.requests);
    if (b.limits !== undefined && b.limits !== null) limits[name] = quantity(kind, b.limits);
    if (kind === 'gpu' && requests[name] && !limits[name]) limits[name] = requests[name];
  }
  const out: V1Container['resources'] = {};
  if (Object.keys(requests).length) out.requests = requests;
  if (Object.keys(limits).length) out.limits = limits;
  return out;
}

/** What the pod asks the scheduler for (requests, else limits as Kubernetes defaults them): for capacity. */
export function podRequests(env: Env): { cpu: number; memoryBytes: number; gpus: number } {
  const res = podResources(env);
  const get = (k: string) => parseQuantity(res?.requests?.[k] ?? res?.limits?.[k]) ?? 0;
  // The side container that holds the outputs takes its share too.
  return {
    cpu: get('cpu') + parseQuantity(SIDECAR_REQUESTS.cpu)!,
    memoryBytes: get('memory') + parseQuantity(SIDECAR_REQUESTS.memory)!,
    gpus: get('nvidia.com/gpu'),
  };
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const strs = (v: unknown): string[] =>
  Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : ((x as { name?: string })?.name ?? ''))) : [];

/** The Kubernetes-only fields of `environment` (Polyaxon 0.5's names, and v1's camelCase). */
function podExtras(env: Env) {
  const x = env?.extra ?? {};
  return {
    serviceAccount: str(x.service_account) ?? str(x.serviceAccountName),
    pullSecrets: [...strs(x.image_pull_secrets), ...strs(x.imagePullSecrets)],
    secretRefs: strs(x.secret_refs),
    configMapRefs: strs(x.configmap_refs),
    labels: (x.labels ?? {}) as Record<string, unknown>,
    annotations: (x.annotations ?? {}) as Record<string, unknown>,
  };
}

const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const EFFECTS = new Set(['NoSchedule', 'PreferNoSchedule', 'NoExecute', '']);
const AFFINITY_KEYS = new Set(['nodeAffinity', 'podAffinity', 'podAntiAffinity']);

export interface EnvironmentProblem {
  /** Dotted field path, e.g. `environment.resources.cpu.limits`. */
  field: string;
  found: string;
  expected: string;
}

export const problemText = (p: EnvironmentProblem) => `${p.field}: expected ${p.expected}, found ${p.found}`;

/** Everything in `environment` a cluster would refuse, with the field, what was found and what is expected. */
export function environmentProblems(env: Env, where = 'environment'): EnvironmentProblem[] {
  const out: EnvironmentProblem[] = [];
  const bad = (field: string, found: string, expected: string) => out.push({ field, found, expected });
  const r = env?.resources ?? {};
  for (const kind of ['cpu', 'memory', 'gpu'] as const) {
    const b: ResourceBound | undefined = r[kind];
    if (!b) continue;
    const vals: Record<string, number | null> = {};
    for (const side of ['requests', 'limits'] as const) {
      const v = b[side];
      if (v === undefined || v === null) continue;
      const q = typeof v === 'number' ? v : parseQuantity(v);
      const field = `${where}.resources.${kind}.${side}`;
      if (q === null || !Number.isFinite(q) || q < 0)
        bad(field, JSON.stringify(v), 'a quantity (e.g. 2, 0.5, "500m", "4Gi")');
      else if (kind === 'gpu' && !Number.isInteger(q))
        bad(field, JSON.stringify(v), 'a whole number of GPUs (Kubernetes takes whole GPUs only)');
      else vals[side] = q;
    }
    if (vals.requests != null && vals.limits != null && vals.requests > vals.limits)
      bad(
        `${where}.resources.${kind}`,
        `requests ${vals.requests} above limits ${vals.limits}`,
        'requests ≤ limits',
      );
    if (kind === 'gpu' && vals.requests != null && vals.limits != null && vals.requests !== vals.limits)
      bad(
        `${where}.resources.gpu`,
        `requests ${vals.requests}, limits ${vals.limits}`,
        'equal requests and limits for GPUs',
      );
  }
  for (const [k, v] of Object.entries(env?.nodeSelector ?? {})) {
    if (!LABEL_KEY.test(k)) bad(`${where}.node_selector`, `key "${k}"`, 'a valid label key');
    if (!LABEL_VALUE.test(String(v)))
      bad(`${where}.node_selector.${k}`, `"${v}"`, 'a label value (63 characters of A-Z a-z 0-9 . _ -)');
  }
  (env?.tolerations ?? []).forEach((t, i) => {
    const f = `${where}.tolerations.${i}`;
    const op = t.operator ?? 'Equal';
    if (op !== 'Equal' && op !== 'Exists') bad(`${f}.operator`, `"${op}"`, 'Equal or Exists');
    if (op === 'Exists' && t.value) bad(`${f}.value`, `"${t.value}"`, 'no value with operator Exists');
    if (t.effect !== undefined && !EFFECTS.has(String(t.effect)))
      bad(`${f}.effect`, `"${t.effect}"`, 'NoSchedule, PreferNoSchedule or NoExecute');
    if (!t.key && op !== 'Exists') bad(`${f}.key`, 'an empty key', 'a key, or operator Exists');
  });
  for (const k of Object.keys(env?.affinity ?? {}))
    if (!AFFINITY_KEYS.has(k))
      bad(`${where}.affinity.${k}`, `"${k}"`, 'nodeAffinity, podAffinity or podAntiAffinity');
  const x = podExtras(env);
  if (x.serviceAccount !== undefined && !DNS1123.test(x.serviceAccount))
    bad(`${where}.service_account`, `"${x.serviceAccount}"`, 'a name of lower case letters, digits, - and .');
  for (const s of [...x.pullSecrets, ...x.secretRefs, ...x.configMapRefs])
    if (!DNS1123.test(s))
      bad(where, `secret or config map "${s}"`, 'a name of lower case letters, digits, - and .');
  for (const [k, v] of Object.entries(x.labels)) {
    if (!LABEL_KEY.test(k) || k.startsWith('axon.dev/'))
      bad(`${where}.labels`, `key "${k}"`, 'a valid label key outside axon.dev/ (Axon sets those)');
    if (!LABEL_VALUE.test(String(v))) bad(`${where}.labels.${k}`, `"${v}"`, 'a label value');
  }
  return out;
}

/** The job's environment variables, minus the engine's own process environment (it stays on the desktop). */
export function podEnv(spec: LaunchSpec): V1EnvVar[] {
  const env: Record<string, string> = {
    ...containerEnv(spec.env, spec.extraEnv),
    AXON_OUTPUTS_PATH: POD_OUTPUTS,
    POLYAXON_RUN_OUTPUTS_PATH: POD_OUTPUTS,
    PYTHONPATH: containerPythonPath(POD_SDK, spec.run.build, spec.extraEnv),
    AXON_CMD: spec.cmd,
  };
  // The engine's API is on the desktop's loopback: a pod cannot reach it (metrics travel in the log).
  delete env.AXON_API_URL;
  delete env.AXON_TOKEN;
  return Object.entries(env).map(([name, value]) => ({ name, value }));
}

export function jobLabels(home: string, project: string, spec: LaunchSpec): Record<string, string> {
  return {
    [LABEL.home]: home,
    [LABEL.project]: labelValue(project) || 'project',
    [LABEL.experiment]: String(spec.experimentId),
    [LABEL.job]: String(spec.jobId),
    [LABEL.group]: spec.groupId === null ? '' : String(spec.groupId),
    [LABEL.role]: spec.role,
    [LABEL.index]: String(spec.index),
  };
}

export function buildPod(spec: LaunchSpec, o: PodOptions): V1Pod {
  const env = spec.run.environment;
  const x = podExtras(env);
  const labels = {
    ...Object.fromEntries(Object.entries(x.labels).map(([k, v]) => [k, String(v)])),
    ...jobLabels(o.home, o.project, spec),
  };
  const envFrom = [
    ...x.secretRefs.map((name) => ({ secretRef: { name } })),
    ...x.configMapRefs.map((name) => ({ configMapRef: { name } })),
  ];
  const mounts = [{ name: 'outputs', mountPath: POD_OUTPUTS }];
  if (o.sdkConfigMap) mounts.push({ name: 'axon-sdk', mountPath: POD_SDK });
  const main: V1Container = {
    name: MAIN,
    image: o.image,
    imagePullPolicy: 'IfNotPresent',
    command: ['/bin/bash', '-c', WRAPPER],
    workingDir: '/code',
    env: podEnv(spec),
    ...(envFrom.length ? { envFrom } : {}),
    resources: podResources(env),
    volumeMounts: mounts,
    ...(o.subdomain ? { ports: [{ name: 'replica', containerPort: REPLICA_PORT }] } : {}),
  };
  // Axon's own small containers beside `main`: a shell script in the same image, on the outputs folder.
  const helper = (name: string, script: string): V1Container => ({
    name,
    image: o.image,
    imagePullPolicy: 'IfNotPresent',
    command: ['/bin/sh', '-c', script],
    resources: { requests: SIDECAR_REQUESTS },
    volumeMounts: [{ name: 'outputs', mountPath: POD_OUTPUTS }],
  });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: podName(o.home, spec),
      namespace: o.namespace,
      labels,
      annotations: {
        ...Object.fromEntries(Object.entries(x.annotations).map(([k, v]) => [k, String(v)])),
        'axon.dev/replica': `${spec.role}-${spec.index}`,
      },
    },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 30,
      ...(o.subdomain ? { hostname: `${spec.role}-${spec.index}`, subdomain: o.subdomain } : {}),
      ...(o.restore ? { initContainers: [helper(RESTORE, RESTORE_SCRIPT)] } : {}),
      containers: [main, helper(SIDECAR, SIDECAR_SCRIPT)],
      ...(env?.nodeSelector ? { nodeSelector: env.nodeSelector } : {}),
      ...(env?.tolerations?.length ? { tolerations: env.tolerations as V1Toleration[] } : {}),
      ...(env?.affinity ? { affinity: env.affinity } : {}),
      ...(x.serviceAccount ? { serviceAccountName: x.serviceAccount } : {}),
      ...(x.pullSecrets.length ? { imagePullSecrets: x.pullSecrets.map((name) => ({ name })) } : {}),
      enableServiceLinks: false,
      volumes: [
        { name: 'outputs', emptyDir: {} },
        ...(o.sdkConfigMap
          ? [{ name: 'axon-sdk', configMap: { name: o.sdkConfigMap.name, items: o.sdkConfigMap.items } }]
          : []),
      ],
    },
  };
}
