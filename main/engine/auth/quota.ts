// Quotas per organization (issue #14): what its experiments hold at once — experiments, GPUs, CPU cores,
// memory — summed over every replica's declared resources (limits, else requests; an undeclared resource counts
// 0). The queue asks before launching, on every backend: an experiment that would go over stays `created` with
// the reason "quota: …", and is looked at again when something ends or an admin changes the quota.
import type { Db } from '../store/db';
import { runSpec, type ExperimentRow } from '../store/experiments';
import { replicaPlan } from '../scheduler/replicas';
import { amount } from '../backends/docker/resources';
import { ACTIVE } from '../../../shared/statuses';
import type { Quota, QuotaUse } from '../../../shared/auth';

type Use = QuotaUse;

/** What one experiment holds while it runs. */
export function needOf(x: Pick<ExperimentRow, 'run_json'>): Use {
  const use: Use = { experiments: 1, gpus: 0, cpu: 0, memoryBytes: 0 };
  for (const r of replicaPlan(runSpec(x).environment)) {
    const res = r.environment?.resources;
    use.gpus += amount(res?.gpu) ?? 0;
    use.cpu += amount(res?.cpu) ?? 0;
    use.memoryBytes += (amount(res?.memory) ?? 0) * 1024 * 1024;
  }
  return use;
}

const NAMES: Record<keyof Use, [string, (n: number) => string]> = {
  experiments: ['concurrent experiments', String],
  gpus: ['GPUs', String],
  cpu: ['CPU cores', (n) => String(Math.round(n * 100) / 100)],
  memoryBytes: ['memory', (n) => `${(n / 2 ** 30).toFixed(1)} GiB`],
};

/** The experiments of `launch` that must wait for their organization's quota, with the reason. */
export async function quotaHolds(db: Db, launch: ExperimentRow[]): Promise<Map<number, string>> {
  const held = new Map<number, string>();
  const rows = await db.all<{
    id: number;
    name: string;
    max_experiments: number | null;
    gpus: number | null;
    cpu: number | null;
    memory_bytes: number | null;
  }>(
    'SELECT o.id, o.name, q.max_experiments, q.gpus, q.cpu, q.memory_bytes FROM quotas q JOIN organizations o ON o.id = q.organization_id',
  );
  if (!rows.length) return held;
  const quotas = new Map<number, { name: string; limit: Quota }>(
    rows.map((r) => [
      r.id,
      {
        name: r.name,
        limit: { experiments: r.max_experiments, gpus: r.gpus, cpu: r.cpu, memoryBytes: r.memory_bytes },
      },
    ]),
  );
  const orgOf = new Map(
    (
      await db.all<{ id: number; organization_id: number }>(
        'SELECT id, organization_id FROM projects WHERE organization_id IS NOT NULL',
      )
    ).map((p) => [p.id, p.organization_id]),
  );
  const active = await db.all<Pick<ExperimentRow, 'project_id' | 'run_json'>>(
    `SELECT project_id, run_json FROM experiments WHERE status IN (${[...ACTIVE].map(() => '?').join(',')})`,
    [...ACTIVE],
  );
  const used = new Map<number, Use>();
  const useOf = (org: number) =>
    used.get(org) ?? used.set(org, { experiments: 0, gpus: 0, cpu: 0, memoryBytes: 0 }).get(org)!;
  for (const x of active) {
    const org = orgOf.get(x.project_id);
    if (org === undefined || !quotas.has(org)) continue;
    const u = useOf(org);
    const n = needOf(x);
    for (const k of Object.keys(n) as Array<keyof Use>) u[k] += n[k];
  }
  for (const x of launch) {
    const org = orgOf.get(x.project_id);
    const q = org === undefined ? undefined : quotas.get(org);
    if (!q) continue;
    const u = useOf(org!);
    const n = needOf(x);
    const over = (Object.keys(n) as Array<keyof Use>).find((k) => {
      const limit = q.limit[k];
      return limit !== null && n[k] > 0 && u[k] + n[k] > limit;
    });
    if (over) {
      const [what, fmt] = NAMES[over];
      held.set(
        x.id,
        n[over] > q.limit[over]!
          ? // Not a matter of waiting for others to end: said so, with what would let it run.
            `quota: this experiment needs ${fmt(n[over])} ${what}, more than organization ${q.name}'s whole quota of ${fmt(q.limit[over]!)}; it runs only once an admin raises it (axon org quota set ${q.name}), else stop it and ask for less`
          : `quota: organization ${q.name} holds ${fmt(u[over])} of its ${fmt(q.limit[over]!)} ${what}; this experiment needs ${fmt(n[over])} more`,
      );
      continue;
    }
    for (const k of Object.keys(n) as Array<keyof Use>) u[k] += n[k];
  }
  return held;
}

/** What one organization's active experiments hold now. */
export async function orgUsage(db: Db, orgId: number): Promise<QuotaUse> {
  const use: Use = { experiments: 0, gpus: 0, cpu: 0, memoryBytes: 0 };
  const rows = await db.all<Pick<ExperimentRow, 'run_json'>>(
    `SELECT e.run_json FROM experiments e JOIN projects p ON p.id = e.project_id
     WHERE p.organization_id = ? AND e.status IN (${[...ACTIVE].map(() => '?').join(',')})`,
    [orgId, ...ACTIVE],
  );
  for (const x of rows) {
    const n = needOf(x);
    for (const k of Object.keys(n) as Array<keyof Use>) use[k] += n[k];
  }
  return use;
}
