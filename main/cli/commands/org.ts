// `axon org create|ls|get`, `axon org member add|remove`, `axon org quota set`: organizations of a shared engine.
import type { Command } from 'commander';
import type { OrgInfo } from '../../../shared/auth';
import { printJson, printTable, UsageError } from '../format';
import type { Runner } from './types';

const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** A quota value: a number, `none` (no limit); memory also as 16Gi, 512Mi. */
/** A quota limit as typed: `whole` (experiments, GPUs: a whole number), `cores` (CPU: 0.5 is half a core) or
 *  `memory` (16Gi, 512Mi); `none`: no limit. Nothing is rounded: a 0.5 GPU quota is refused, not made 1. */
function limit(
  text: string | undefined,
  option: string,
  kind: 'whole' | 'cores' | 'memory',
): number | null | undefined {
  if (text === undefined) return undefined;
  if (text === 'none') return null;
  const m = /^(\d+(?:\.\d+)?)([kmgt]?)i?b?$/i.exec(text.trim());
  const what = {
    whole: 'a whole number',
    cores: 'a number of cores (0.5 is half)',
    memory: 'a size such as 16Gi or 512Mi',
  }[kind];
  if (!m || (kind !== 'memory' && m[2]) || (kind === 'whole' && m[1].includes('.')))
    throw new UsageError(`${option} takes ${what}, or none; got "${text}"`);
  const n = Number(m[1]) * UNITS[m[2].toLowerCase()];
  return kind === 'memory' ? Math.round(n) : n;
}

function show(o: OrgInfo, json: boolean): void {
  if (json) return printJson(o);
  const q = o.quota;
  const gib = (n: number) => `${(n / 2 ** 30).toFixed(1)} GiB`;
  const used = (n: number, limit: number | null, fmt: (n: number) => string = String) =>
    `${fmt(n)} of ${limit === null ? 'no limit' : fmt(limit)}`;
  process.stdout.write(
    `organization ${o.name}, in use: experiments ${used(o.inUse.experiments, q.experiments)}, GPUs ${used(
      o.inUse.gpus,
      q.gpus,
    )}, CPU ${used(o.inUse.cpu, q.cpu)}, memory ${used(o.inUse.memoryBytes, q.memoryBytes, gib)}\n`,
  );
  printTable(
    ['member', 'role'],
    o.members.map((m) => [m.username, m.role]),
  );
}

export function registerOrg(program: Command, run: Runner): void {
  const org = program.command('org').description('organizations: members with roles and quotas');
  org
    .command('create <name>')
    .description('create an organization (you administer it)')
    .option('--json', 'JSON output')
    .action((name: string, o) => run(async (api) => show(await api.call('orgs.create', { name }), !!o.json)));
  org
    .command('ls')
    .description('the organizations you belong to (a superuser: all)')
    .option('--json', 'JSON output')
    .action((o) =>
      run(async (api) => {
        const list = await api.call('orgs.list', {});
        if (o.json) return printJson(list);
        printTable(
          ['organization', 'your role'],
          list.map((x) => [x.name, x.role]),
        );
      }),
    );
  org
    .command('get <name>')
    .description('an organization: members and quota')
    .option('--json', 'JSON output')
    .action((name: string, o) => run(async (api) => show(await api.call('orgs.get', { name }), !!o.json)));

  const member = org.command('member').description("an organization's members (its admins)");
  member
    .command('add <org> <username>')
    .description('add a member, or change their role')
    .option('--role <role>', 'viewer (reads), member (also runs), admin (also manages)', 'member')
    .action((name: string, username: string, o) =>
      run(async (api) => {
        if (!['viewer', 'member', 'admin'].includes(o.role))
          throw new UsageError(`--role is viewer, member or admin; got "${o.role}"`);
        show(await api.call('orgs.setMember', { org: name, username, role: o.role }), false);
      }),
    );
  member
    .command('remove <org> <username>')
    .description('remove a member')
    .action((name: string, username: string) =>
      run(async (api) => show(await api.call('orgs.removeMember', { org: name, username }), false)),
    );

  org
    .command('quota')
    .description("an organization's quota (superusers)")
    .command('set <org>')
    .description('set limits on what its experiments hold at once; none: no limit; applies at once')
    .option('--experiments <n>', 'concurrent experiments')
    .option('--gpus <n>', 'GPUs')
    .option('--cpu <n>', 'CPU cores')
    .option('--memory <size>', 'memory, e.g. 64Gi')
    .option('--json', 'JSON output')
    .action((name: string, o) =>
      run(async (api) =>
        show(
          await api.call('orgs.setQuota', {
            org: name,
            experiments: limit(o.experiments, '--experiments', 'whole'),
            gpus: limit(o.gpus, '--gpus', 'whole'),
            cpu: limit(o.cpu, '--cpu', 'cores'),
            memoryBytes: limit(o.memory, '--memory', 'memory'),
          }),
          !!o.json,
        ),
      ),
    );
}
