// One container's resources from one Docker stats object (GET /containers/{id}/stats?stream=false, API 1.41,
// cgroup v1 or v2), with the docker CLI's own arithmetic (cli/command/container/stats_helpers.go), so Axon
// and `docker stats` show the same numbers.

/** The parts of the stats object this module reads. Every field may be missing (a stopped container). */
export interface DockerStatsJson {
  read?: string;
  preread?: string;
  pids_stats?: { current?: number; limit?: number };
  blkio_stats?: {
    io_service_bytes_recursive?: Array<{
      major?: number;
      minor?: number;
      op?: string;
      value?: number;
    }> | null;
  };
  cpu_stats?: DockerCpuStats;
  precpu_stats?: DockerCpuStats;
  memory_stats?: {
    usage?: number;
    max_usage?: number;
    limit?: number;
    stats?: Record<string, number>;
  };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
}

export interface DockerCpuStats {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] | null };
  system_cpu_usage?: number;
  online_cpus?: number;
}

export interface ContainerResources {
  /** 100 = one CPU fully busy; up to 100 × online CPUs. */
  cpuPercent: number;
  /** Usage less the inactive page cache, as `docker stats` shows it. */
  memoryBytes: number;
  memoryLimitBytes: number;
  netRxBytes: number;
  netTxBytes: number;
  blockReadBytes: number;
  blockWriteBytes: number;
  pids: number;
}

const n = (v: number | undefined | null): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * CPU percent between two CPU readings, as the CLI computes it:
 * (container delta / host delta) × online CPUs × 100, or 0 when either delta is not positive.
 * Online CPUs fall back to the length of percpu_usage (daemons before API 1.27; cgroup v2 has no per-CPU list
 * but always sends online_cpus).
 */
export function cpuPercent(
  previous: DockerCpuStats | undefined,
  current: DockerCpuStats | undefined,
): number {
  const cpuDelta = n(current?.cpu_usage?.total_usage) - n(previous?.cpu_usage?.total_usage);
  const systemDelta = n(current?.system_cpu_usage) - n(previous?.system_cpu_usage);
  let online = n(current?.online_cpus);
  if (online === 0) online = current?.cpu_usage?.percpu_usage?.length ?? 0;
  if (systemDelta > 0 && cpuDelta > 0) return (cpuDelta / systemDelta) * online * 100;
  return 0;
}

/**
 * Memory in use less the inactive file cache, which the kernel drops first under pressure: cgroup v1 reports
 * it as total_inactive_file, cgroup v2 as inactive_file. This is the CLI's calculateMemUsageUnixNoCache, step
 * for step (a v1 total_inactive_file not below usage falls through to inactive_file, as there). Only when
 * neither key is present (daemons before 19.03) is `cache` taken off instead, as the CLI did then.
 */
export function memoryWithoutCache(mem: DockerStatsJson['memory_stats']): number {
  const usage = n(mem?.usage);
  const stats = mem?.stats ?? {};
  if ('total_inactive_file' in stats && n(stats.total_inactive_file) < usage) {
    return usage - n(stats.total_inactive_file);
  }
  if (!('total_inactive_file' in stats) && !('inactive_file' in stats) && 'cache' in stats) {
    return n(stats.cache) < usage ? usage - n(stats.cache) : usage;
  }
  if (n(stats.inactive_file) < usage) return usage - n(stats.inactive_file);
  return usage;
}

/** Bytes read and written, summed over devices; only the Read and Write rows count (v1 also has Sync, Async,
 * Discard and Total rows that repeat them; v2 spells the ops in lower case). */
export function blockIo(blkio: DockerStatsJson['blkio_stats']): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const e of blkio?.io_service_bytes_recursive ?? []) {
    const op = (e.op ?? '').charAt(0).toLowerCase();
    if (op === 'r') read += n(e.value);
    else if (op === 'w') write += n(e.value);
  }
  return { read, write };
}

/**
 * The resources in one stats object. CPU% compares cpu_stats with precpu_stats of the same object; with
 * stream=false (and not one-shot) the daemon fills precpu_stats from a reading about a second earlier. To
 * compare two separate objects instead, use cpuPercent(first.cpu_stats, second.cpu_stats).
 */
export function containerResources(s: DockerStatsJson): ContainerResources {
  let netRxBytes = 0;
  let netTxBytes = 0;
  for (const iface of Object.values(s.networks ?? {})) {
    netRxBytes += n(iface.rx_bytes);
    netTxBytes += n(iface.tx_bytes);
  }
  const io = blockIo(s.blkio_stats);
  return {
    cpuPercent: cpuPercent(s.precpu_stats, s.cpu_stats),
    memoryBytes: memoryWithoutCache(s.memory_stats),
    memoryLimitBytes: n(s.memory_stats?.limit),
    netRxBytes,
    netTxBytes,
    blockReadBytes: io.read,
    blockWriteBytes: io.write,
    pids: n(s.pids_stats?.current),
  };
}
