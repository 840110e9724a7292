// A pod's CPU and memory now: from metrics.k8s.io when the cluster has a metrics server, else from the
// kubelet's summary API through the API server's node proxy (needs `nodes/proxy`: admin credentials, a kind
// cluster). Which one answers is remembered per cluster. GPUs are not reported by either.
import type { V1Pod } from '@kubernetes/client-node';
import type { JobResources } from '../backend';
import { kubeGet, parseQuantity } from './cluster-info';
import type { Cluster } from './cluster';
import { MAIN } from './pod-spec';

interface PodMetrics {
  containers?: Array<{ name: string; usage?: { cpu?: string; memory?: string } }>;
}
interface Summary {
  pods?: Array<{
    podRef?: { name?: string; namespace?: string };
    containers?: Array<{
      name: string;
      cpu?: { usageNanoCores?: number };
      memory?: { workingSetBytes?: number };
    }>;
    network?: { rxBytes?: number; txBytes?: number };
  }>;
}

const source = new WeakMap<Cluster, 'metrics' | 'summary' | 'none'>();

const empty = (): JobResources => ({
  cpuPercent: null,
  memoryBytes: null,
  memoryLimitBytes: null,
  netRxBytes: null,
  netTxBytes: null,
  blockReadBytes: null,
  blockWriteBytes: null,
});

export async function podResources(c: Cluster, pod: V1Pod): Promise<JobResources | null> {
  const name = pod.metadata?.name ?? '';
  const limit = parseQuantity(pod.spec?.containers?.find((x) => x.name === MAIN)?.resources?.limits?.memory);
  const out = { ...empty(), memoryLimitBytes: limit };
  let via = source.get(c) ?? 'metrics';
  if (via === 'metrics') {
    try {
      c.counter.requests++;
      const m = await kubeGet<PodMetrics>({
        kc: c.kc,
        path: `/apis/metrics.k8s.io/v1beta1/namespaces/${c.namespace}/pods/${name}`,
        timeoutMs: 5000,
      });
      source.set(c, 'metrics');
      const u = m.containers?.find((x) => x.name === MAIN)?.usage;
      return {
        ...out,
        cpuPercent: (parseQuantity(u?.cpu) ?? 0) * 100,
        memoryBytes: parseQuantity(u?.memory),
      };
    } catch (e) {
      // 404: no metrics server (or the pod not measured yet: try again next time if it was ever there)
      if (source.get(c) === 'metrics') return null;
      source.set(c, (via = 'summary'));
      void e;
    }
  }
  if (via === 'summary' && pod.spec?.nodeName) {
    try {
      c.counter.requests++;
      const s = await kubeGet<Summary>({
        kc: c.kc,
        path: `/api/v1/nodes/${pod.spec.nodeName}/proxy/stats/summary`,
        timeoutMs: 5000,
      });
      const p = s.pods?.find((x) => x.podRef?.name === name && x.podRef?.namespace === c.namespace);
      const main = p?.containers?.find((x) => x.name === MAIN);
      if (!main) return null;
      return {
        ...out,
        cpuPercent: main.cpu?.usageNanoCores !== undefined ? main.cpu.usageNanoCores / 1e7 : null,
        memoryBytes: main.memory?.workingSetBytes ?? null,
        netRxBytes: p?.network?.rxBytes ?? null,
        netTxBytes: p?.network?.txBytes ?? null,
      };
    } catch (e) {
      const status = (e as { status?: number }).status;
      if (status === 403 || status === 404) source.set(c, 'none');
      return null;
    }
  }
  return null;
}
