// Polyaxon's resources (SPEC §1.7: cpu in cores, memory in MiB, gpu a count) as Docker limits; limits win over
// requests, as Polyaxon's own Docker converter does.
import type Docker from 'dockerode';
import type { EnvironmentSpec, ResourceBound } from '../../../../shared/polyaxonfile';

export const amount = (b: ResourceBound | undefined): number | undefined => {
  const v = b?.limits ?? b?.requests;
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'number' ? v : Number.parseFloat(String(v));
  return Number.isFinite(n) && n > 0 ? n : undefined;
};

export function containerResources(env: EnvironmentSpec | undefined): Partial<Docker.HostConfig> {
  const r = env?.resources;
  const out: Partial<Docker.HostConfig> = {};
  const cpu = amount(r?.cpu);
  if (cpu) out.NanoCpus = Math.round(cpu * 1e9);
  const mem = amount(r?.memory);
  // No swap beyond the limit: a job over its memory is killed (OOMKilled), as on Kubernetes.
  if (mem) out.Memory = out.MemorySwap = Math.round(mem * 1024 * 1024);
  const gpu = amount(r?.gpu);
  if (gpu)
    out.DeviceRequests = [
      { Driver: '', Count: Math.round(gpu), Capabilities: [['gpu']], DeviceIDs: [], Options: {} },
    ];
  return out;
}
