// What one kube context's cluster says about itself: reachability (GET /version), its nodes with capacity and
// allocatable resources (GET /api/v1/nodes) and whether the namespace exists. Every request has a time limit
// (the credentials step too: an exec plugin may hang), so an unreachable cluster never hangs a caller, and
// every failure becomes a reason a person can act on ("connection refused at https://…", "401 Unauthorized:
// …", "timed out after 5 s at …").
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeContextDetails, KubeNode, NodeResources } from '../../../../shared/clusters';

export const DEFAULT_TIMEOUT_MS = 5000;
/** Nodes read per probe (the rest are counted as truncated). */
export const NODE_LIMIT = 500;
const MAX_BODY = 32 * 1024 * 1024;

export class ClusterError extends Error {
  constructor(
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'ClusterError';
  }
}

export const seconds = (ms: number) => `${Number((ms / 1000).toFixed(ms < 1000 ? 2 : 1))} s`;

const STATUS_TEXT: Record<number, string | undefined> = { ...http.STATUS_CODES };

/** A Kubernetes quantity ("3500m", "16318412Ki", "1.5Gi", "2e3") as a number; null when it is not one. */
export function parseQuantity(q: string | number | undefined | null): number | null {
  if (q === undefined || q === null) return null;
  if (typeof q === 'number') return Number.isFinite(q) ? q : null;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/.exec(
    q.trim(),
  );
  if (!m) return null;
  const base = Number(m[1]);
  if (m[2]) return Number(m[1] + m[2]);
  const mult: Record<string, number> = {
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
    n: 1e-9,
    u: 1e-6,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
  };
  return m[3] ? base * mult[m[3]] : base;
}

function resources(r: Record<string, string> | undefined): NodeResources {
  return {
    cpu: parseQuantity(r?.cpu),
    memoryBytes: parseQuantity(r?.memory),
    gpus: parseQuantity(r?.['nvidia.com/gpu']) ?? 0,
  };
}

interface RawNode {
  metadata?: { name?: string; labels?: Record<string, string> };
  spec?: { unschedulable?: boolean; taints?: Array<{ key?: string; value?: string; effect?: string }> };
  status?: {
    capacity?: Record<string, string>;
    allocatable?: Record<string, string>;
    conditions?: Array<{ type?: string; status?: string; reason?: string; message?: string }>;
    nodeInfo?: { kubeletVersion?: string };
  };
}

export function toNode(n: RawNode): KubeNode {
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
  const labels = n.metadata?.labels ?? {};
  const roles = Object.keys(labels)
    .filter((l) => l.startsWith('node-role.kubernetes.io/'))
    .map((l) => l.slice('node-role.kubernetes.io/'.length) || labels[l])
    .filter(Boolean);
  if (!roles.length && labels['kubernetes.io/role']) roles.push(labels['kubernetes.io/role']);
  const isReady = ready?.status === 'True';
  return {
    name: n.metadata?.name ?? '?',
    ready: isReady,
    readyReason: isReady
      ? null
      : ready
        ? [ready.reason, ready.message].filter(Boolean).join(': ') || `Ready is ${ready.status}`
        : 'no Ready condition reported',
    unschedulable: !!n.spec?.unschedulable,
    taints: (n.spec?.taints ?? []).map(
      (t) => `${t.key ?? ''}${t.value ? `=${t.value}` : ''}:${t.effect ?? ''}`,
    ),
    roles,
    kubeletVersion: n.status?.nodeInfo?.kubeletVersion ?? null,
    capacity: resources(n.status?.capacity),
    allocatable: resources(n.status?.allocatable),
  };
}

export function sumResources(list: NodeResources[]): NodeResources {
  const sum = (f: (r: NodeResources) => number | null) =>
    list.some((r) => f(r) !== null) ? list.reduce((a, r) => a + (f(r) ?? 0), 0) : null;
  return {
    cpu: sum((r) => r.cpu),
    memoryBytes: sum((r) => r.memoryBytes),
    gpus: list.reduce((a, r) => a + r.gpus, 0),
  };
}

/** The reason for a failed request, as a person needs it. */
export function describeError(e: unknown, url: string, timeoutMs: number): string {
  if (e instanceof ClusterError) return e.message;
  const err = e as NodeJS.ErrnoException & { reason?: string };
  const code = err?.code ?? '';
  switch (code) {
    case 'ECONNREFUSED':
      return `connection refused at ${url}`;
    case 'ECONNRESET':
      return `the connection was reset by ${url}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host not found: ${new URL(url).hostname} (DNS lookup failed)`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no route to ${url} (network unreachable)`;
    case 'ETIMEDOUT':
      return `timed out after ${seconds(timeoutMs)} at ${url}`;
    case 'EPROTO':
      return `TLS handshake with ${url} failed: ${err.message}`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `the TLS certificate of ${url} is not trusted: ${err.message} (check the cluster's certificate-authority in the kubeconfig)`;
  }
  return `${url}: ${err?.message ?? String(e)}`;
}

interface RequestOptions {
  kc: KubeConfig;
  path: string;
  timeoutMs: number;
}

/**
 * GET `path` on the context's API server with its credentials, within `timeoutMs` (credentials included).
 * Resolves with the parsed JSON of a 2xx answer; rejects with a ClusterError whose message is the reason.
 */
export async function kubeGet<T>({ kc, path, timeoutMs }: RequestOptions): Promise<T> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new ClusterError('the context has no cluster');
  const base = cluster.server.replace(/\/+$/, '');
  const url = new URL(base + path);
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const timeoutError = () => new ClusterError(`timed out after ${seconds(timeoutMs)} at ${base}`);
  const opts: https.RequestOptions = { headers: {} };
  try {
    // Credentials first (an exec plugin or a token refresh), under the same limit.
    const aborted = new Promise<never>((_, reject) =>
      controller.signal.addEventListener('abort', () => reject(timeoutError()), { once: true }),
    );
    aborted.catch(() => undefined);
    try {
      await Promise.race([kc.applyToHTTPSOptions(opts), aborted]);
    } catch (e) {
      if (timedOut) throw timeoutError();
      throw new ClusterError(
        `the credentials of this context could not be prepared: ${(e as Error).message}`,
      );
    }
    const agent = opts.agent as http.Agent | undefined;
    try {
      return await new Promise<T>((resolve, reject) => {
        const mod = url.protocol === 'http:' ? http : https;
        const req = mod.request(
          url,
          {
            method: 'GET',
            agent,
            auth: opts.auth,
            headers: { ...(opts.headers as Record<string, string>), Accept: 'application/json' },
            signal: controller.signal,
          },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (c: Buffer) => {
              size += c.length;
              if (size > MAX_BODY) {
                req.destroy(new ClusterError(`${base}${path} answered more than ${MAX_BODY} bytes`));
                return;
              }
              chunks.push(c);
            });
            res.on('error', reject);
            res.on('end', () => {
              const body = Buffer.concat(chunks).toString('utf8');
              const status = res.statusCode ?? 0;
              let json: unknown = null;
              try {
                json = body ? JSON.parse(body) : null;
              } catch {
                /* not JSON */
              }
              if (status >= 200 && status < 300) {
                if (json === null)
                  return reject(
                    new ClusterError(`${base}${path} did not answer JSON (is this a Kubernetes API server?)`),
                  );
                return resolve(json as T);
              }
              const text = STATUS_TEXT[status] ?? 'error';
              const message = (json as { message?: string } | null)?.message ?? body.trim().slice(0, 300);
              const hint =
                status === 401
                  ? 'the API server refused the credentials of this context (expired token or certificate?)'
                  : '';
              const detail = [message && message !== text ? message : '', hint].filter(Boolean).join('; ');
              reject(new ClusterError(`${status} ${text}${detail ? `: ${detail}` : ''}`, status));
            });
          },
        );
        req.on('error', (e) =>
          reject(timedOut ? timeoutError() : new ClusterError(describeError(e, base, timeoutMs))),
        );
        req.end();
      });
    } finally {
      agent?.destroy();
    }
  } finally {
    clearTimeout(timer);
  }
}

export type ProbeResult = Pick<
  KubeContextDetails,
  'reachable' | 'reason' | 'version' | 'nodes' | 'nodesError' | 'nodesTruncated' | 'namespace'
>;

/** Asks the cluster of `kc`'s context for its version, nodes and namespace, at once and each time-limited. */
export async function probeCluster(
  kc: KubeConfig,
  namespace: string,
  timeoutMs: number,
): Promise<ProbeResult> {
  const get = <T>(path: string) => kubeGet<T>({ kc, path, timeoutMs });
  const [version, nodes, ns] = await Promise.allSettled([
    get<{ gitVersion?: string; platform?: string }>('/version'),
    get<{ items?: RawNode[]; metadata?: { continue?: string } }>(`/api/v1/nodes?limit=${NODE_LIMIT}`),
    get<unknown>(`/api/v1/namespaces/${encodeURIComponent(namespace)}`),
  ]);
  const why = (r: PromiseRejectedResult) => (r.reason instanceof Error ? r.reason.message : String(r.reason));
  if (version.status === 'rejected') {
    // 401/403 on /version still means the server is there, but Axon cannot use it with these credentials.
    return {
      reachable: false,
      reason: why(version),
      version: null,
      nodes: null,
      nodesError: null,
      nodesTruncated: false,
      namespace: { name: namespace, exists: null, reason: null },
    };
  }
  const items = nodes.status === 'fulfilled' ? (nodes.value.items ?? []) : null;
  const nsStatus = ns.status === 'rejected' ? (ns.reason as ClusterError).status : 200;
  return {
    reachable: true,
    reason: null,
    version: {
      gitVersion: version.value.gitVersion ?? 'unknown',
      platform: version.value.platform ?? null,
    },
    nodes: items ? items.map(toNode).sort((a, b) => a.name.localeCompare(b.name)) : null,
    nodesError: nodes.status === 'rejected' ? why(nodes) : null,
    nodesTruncated: nodes.status === 'fulfilled' && !!nodes.value.metadata?.continue,
    namespace: {
      name: namespace,
      exists: nsStatus === 200 ? true : nsStatus === 404 ? false : null,
      reason:
        ns.status === 'rejected'
          ? nsStatus === 404
            ? `namespace "${namespace}" does not exist (create it: kubectl create namespace ${namespace})`
            : nsStatus === 403
              ? // Not a problem: the namespaced Role `axon context rbac` prints cannot grant it.
                'not readable with a namespaced Role (reading a namespace is a cluster-wide permission); assumed to exist'
              : why(ns)
          : null,
    },
  };
}
