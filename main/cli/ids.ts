// Which experiment or group a command is about: `-xp ID` / `-g ID`, or, as Polyaxon's CLI takes its cached
// last id when none is given, the newest one of the project this folder is linked to (`axon init`), said on
// stderr so a script's output stays clean.
import type { Command } from 'commander';
import type { AxonApi } from '../../shared/api';
import { linkedProject } from './files';
import { UsageError } from './format';

function positiveId(v: string, flag: string): number {
  const id = Number(v);
  if (!Number.isInteger(id) || id <= 0)
    throw new UsageError(`${flag} ID must be a positive integer, found ${v}`);
  return id;
}

function projectOrRefuse(flag: string, what: string): string {
  const project = linkedProject();
  if (!project)
    throw new UsageError(
      `${flag} ID is required here: this folder is linked to no project (axon init), so there is no newest ${what} to take`,
    );
  return project;
}

/** `destructive`: a stop or delete acts on the run named only (the newest of a shared project may be another
 *  user's, created a moment earlier). */
export async function experimentIdOf(cmd: Command, api: AxonApi, destructive?: string): Promise<number> {
  const v = cmd.optsWithGlobals().experiment as string | undefined;
  if (v !== undefined) return positiveId(v, '-xp');
  if (destructive) throw new UsageError(`-xp ID is required to ${destructive}: name the experiment`);
  const project = projectOrRefuse('-xp', 'experiment');
  const [x] = await api.call('experiments.list', { project, limit: 1 });
  if (!x) throw new UsageError(`-xp ID is required: project ${project} has no experiments yet`);
  process.stderr.write(`[axon] experiment ${x.id}: the newest in project ${project} (-xp ID for another)\n`);
  return x.id;
}

export async function groupIdOf(cmd: Command, api: AxonApi, destructive?: string): Promise<number> {
  const v = cmd.optsWithGlobals().group as string | undefined;
  if (v !== undefined) return positiveId(v, '-g');
  if (destructive) throw new UsageError(`-g ID is required to ${destructive}: name the group`);
  const project = projectOrRefuse('-g', 'group');
  const groups = await api.call('groups.list', { project });
  const g = groups.reduce<(typeof groups)[number] | undefined>(
    (a, b) => (!a || b.id > a.id ? b : a),
    undefined,
  );
  if (!g) throw new UsageError(`-g ID is required: project ${project} has no groups yet`);
  process.stderr.write(`[axon] group ${g.id}: the newest in project ${project} (-g ID for another)\n`);
  return g.id;
}
