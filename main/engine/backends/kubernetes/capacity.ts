// Which experiments fit on a cluster now: each of their pods placed, first fit, on a schedulable node whose
// labels match the pod's node selector and whose taints it tolerates, against what is left of the node's
// allocatable CPU, memory and GPUs once this home's unfinished pods are counted (those still unbound are placed
// the same way first). An experiment with a pod that no eligible node could take even empty is let through, so
// the scheduler says why (and an autoscaler may add a node). Pure. Affinity rules and other tenants' pods are
// not counted (the latter needs cluster-wide rights Axon does not ask for).
import type { V1Pod, V1Taint, V1Toleration } from '@kubernetes/client-node';
import { parseQuantity } from './cluster-info';

export interface Amount {
  cpu: number;
  memoryBytes: number;
  gpus: number;
}

export interface NodeInfo {
  name: string;
  providerID: string | null;
  labels: Record<string, string>;
  taints: V1Taint[];
  allocatable: Amount;
  /** Not cordoned. */
  schedulable: boolean;
  /** Its Ready condition is True: only ready nodes take pods now; a node that is not ready still counts for
   *  "could this ever fit" (a heartbeat late under load must not let a whole queue through). */
  ready: boolean;
}

export interface PodAsk {
  requests: Amount;
  nodeSelector?: Record<string, string>;
  tolerations?: V1Toleration[];
}

export const zero = (): Amount => ({ cpu: 0, memoryBytes: 0, gpus: 0 });

/** What a pod's containers request (limits stand in for absent requests, as Kubernetes defaults them). */
export function requestsOf(p: V1Pod): Amount {
  const sum = zero();
  for (const c of p.spec?.containers ?? []) {
    const r = { ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) };
    sum.cpu += parseQuantity(r.cpu) ?? 0;
    sum.memoryBytes += parseQuantity(r.memory) ?? 0;
    sum.gpus += parseQuantity(r['nvidia.com/gpu']) ?? 0;
  }
  return sum;
}

function tolerates(taint: V1Taint, tolerations: V1Toleration[] = []): boolean {
  if (taint.effect === 'PreferNoSchedule') return true;
  return tolerations.some(
    (t) =>
      (!t.effect || t.effect === taint.effect) &&
      (t.operator === 'Exists'
        ? !t.key || t.key === taint.key
        : t.key === taint.key && (t.value ?? '') === (taint.value ?? '')),
  );
}

/**
 * Taints Kubernetes puts on a node while one of its conditions lasts: a heartbeat late under load
 * (not-ready, unreachable), pressure. They keep pods off the node now, but they do not make a pod one that
 * could never run there. When they were counted for "ever", a node that missed its heartbeats for a moment
 * made a whole queue look unplaceable, and all of it was launched (seen in CI: a 16-CPU node given 40 pods).
 */
const CONDITION_TAINTS = new Set([
  'node.kubernetes.io/not-ready',
  'node.kubernetes.io/unreachable',
  'node.kubernetes.io/memory-pressure',
  'node.kubernetes.io/disk-pressure',
  'node.kubernetes.io/pid-pressure',
  'node.kubernetes.io/network-unavailable',
]);

/** Whether the pod may go on the node: now, or `ever` (the node's passing conditions left aside). */
export function eligible(n: NodeInfo, ask: PodAsk, ever = false): boolean {
  if (!n.schedulable) return false;
  for (const [k, v] of Object.entries(ask.nodeSelector ?? {})) if (n.labels[k] !== v) return false;
  return n.taints.every((t) => (ever && CONDITION_TAINTS.has(t.key)) || tolerates(t, ask.tolerations));
}

const fits = (free: Amount, r: Amount) =>
  r.cpu <= free.cpu && r.memoryBytes <= free.memoryBytes && r.gpus <= free.gpus;
const take = (free: Amount, r: Amount) => {
  free.cpu -= r.cpu;
  free.memoryBytes -= r.memoryBytes;
  free.gpus -= r.gpus;
};

export class Capacity {
  private free = new Map<string, Amount>();

  constructor(private nodes: NodeInfo[]) {
    for (const n of nodes) this.free.set(n.name, { ...n.allocatable });
  }

  /** A pod already there: bound pods use their node; unbound ones are placed as a new pod would be. */
  count(pod: PodAsk & { node: string | null }): void {
    const f = pod.node ? this.free.get(pod.node) : undefined;
    if (f) take(f, pod.requests);
    else this.place([pod]);
  }

  /** Places all the pods (one experiment) or none; 'never' when one of them fits no eligible node at all. */
  place(pods: PodAsk[]): 'placed' | 'full' | 'never' {
    if (pods.some((p) => !this.nodes.some((n) => eligible(n, p, true) && fits(n.allocatable, p.requests))))
      return 'never';
    const trial = new Map([...this.free].map(([k, v]) => [k, { ...v }]));
    for (const p of pods) {
      const n = this.nodes.find((x) => x.ready && eligible(x, p) && fits(trial.get(x.name)!, p.requests));
      if (!n) return 'full';
      take(trial.get(n.name)!, p.requests);
    }
    this.free = trial;
    return 'placed';
  }

  /** What is left on the nodes these pods could use, for the reason a person reads. */
  left(pods: PodAsk[]): Amount {
    const out = zero();
    for (const n of this.nodes)
      if (n.ready && pods.some((p) => eligible(n, p))) {
        const f = this.free.get(n.name)!;
        out.cpu += Math.max(0, f.cpu);
        out.memoryBytes += Math.max(0, f.memoryBytes);
        out.gpus += Math.max(0, f.gpus);
      }
    return out;
  }
}

export function waitingReason(context: string, pods: PodAsk[], free: Amount): string {
  const need = pods.reduce((a, p) => {
    take(a, { cpu: -p.requests.cpu, memoryBytes: -p.requests.memoryBytes, gpus: -p.requests.gpus });
    return a;
  }, zero());
  const r2 = (n: number) => Number(n.toFixed(2));
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
  const parts = [
    need.cpu > free.cpu ? `cpu ${r2(need.cpu)} (free ${r2(free.cpu)})` : '',
    need.memoryBytes > free.memoryBytes
      ? `memory ${gib(need.memoryBytes)} (free ${gib(free.memoryBytes)})`
      : '',
    need.gpus > free.gpus ? `nvidia.com/gpu ${need.gpus} (free ${free.gpus})` : '',
  ].filter(Boolean);
  return `waiting for capacity on ${context}: needs ${parts.join(', ') || 'room on one node for each pod'}`;
}
