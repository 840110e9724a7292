// The authorization layer: every call of a caller other than the local owner passes `check` (by the method's
// rule in permissions.ts) before its handler, and `filter` after; events pass `eventFor`. A project the caller
// cannot read answers exactly as one that does not exist (the store's own not_found message), so a denial
// never says whether it exists; one they can read but not change is `forbidden`.
import path from 'node:path';
import { ApiError } from '../../../shared/api-errors';
import type { EventName, Events, MethodName } from '../../../shared/api';
import type { OrgRole } from '../../../shared/auth';
import type { Db } from '../store/db';
import type { Caller } from './caller';
import { AuthStore, LOCAL_USER_ID } from './store';
import { RULES, type Level } from './permissions';
import { PROJECT_FULL_NAME, projectIdOf } from '../store/projects';

const RANK: Record<Level | 'none', number> = { none: 0, read: 1, write: 2, admin: 3 };
const ROLE_LEVEL: Record<OrgRole, Level> = { viewer: 'read', member: 'write', admin: 'admin' };

const hiddenProject = (name: string) =>
  new ApiError('not_found', `no project named "${name}" (see \`axon project ls\`)`);
const hiddenExperiment = (id: unknown) =>
  new ApiError('not_found', `no experiment with id ${id} (see \`axon ps\`)`);
const hiddenGroup = (id: unknown) => new ApiError('not_found', `no experiment group with id ${id}`);

/** How a bare project name is read per method (`resolveProject`): a run never lands in, and a delete never
 *  takes, another's project because its name happened to be unique; the rest read the one the caller sees. */
export const BARE_NAME: Partial<Record<MethodName, 'own' | 'new'>> = {
  'runs.create': 'new',
  // Asked before a run's upload: the same project runs.create would take.
  'runs.check': 'new',
  'projects.delete': 'own',
};

/** The input field that names a project, per method (`resolveProject` reads it before anything else). */
export const PROJECT_REF_FIELD: Partial<Record<MethodName, string>> = {
  'projects.get': 'name',
  'projects.delete': 'name',
  'projects.files': 'name',
  'runs.create': 'project',
  'runs.check': 'project',
  'experiments.list': 'project',
  'experiments.page': 'project',
  'groups.list': 'project',
};

/** The project name `runs.create` uses when none is given: the code folder's name (as handlers.ts does). */
export function defaultProjectName(codePath: string): string {
  return (
    path
      .basename(path.resolve(codePath))
      .replace(/[^A-Za-z0-9_.-]/g, '-')
      .replace(/^[^A-Za-z0-9]+/, '')
      .slice(0, 64) || 'default'
  );
}

/** An uploaded code folder (AXON_HOME/uploads/USER/SHA) shown without the server's part of its path: still
 *  recognisable as an upload (shared/uploads.ts `uploadOf`). */
const UPLOADED = /^.*([\\/]uploads[\\/]\d+[\\/][0-9a-f]{64})$/;

/** Every run folder and log path in a result or event, blanked; an upload's code path shortened. */
export function redactServerPaths<T>(value: T): T {
  if (Array.isArray(value)) return value.map(redactServerPaths) as T;
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if ((k === 'runDir' || k === 'logPath') && typeof v === 'string') out[k] = '';
    else if (k === 'codePath' && typeof v === 'string') out[k] = v.replace(UPLOADED, '…$1');
    else out[k] = redactServerPaths(v);
  }
  return out as T;
}

/**
 * Where the engine keeps things on the server is not a user's business: the home folder, run folders, log
 * paths, an upload's place and an output's absolute path are left out for all but the machine's owner and
 * superusers (an output keeps its path in the run's outputs).
 */
function withoutServerPaths<T>(method: MethodName, result: T): T {
  const r = result as Record<string, unknown>;
  if (method === 'system.info') return { ...r, home: '' } as T;
  if (method === 'experiments.outputFile') return { ...r, absolutePath: r.path } as T;
  if (method === 'experiments.outputPath') return { ...r, realPath: '' } as T;
  // A delete's folders left behind are the server's to clean up: said without where they are.
  if (
    (method === 'experiments.delete' || method === 'groups.delete' || method === 'projects.delete') &&
    Array.isArray(r.warnings)
  )
    return {
      ...r,
      warnings: [
        `${r.warnings.length} run folder(s) could not be removed from the server (files another user owns): ` +
          'its administrator can remove them',
      ],
    } as T;
  // Series and texts hold no paths: not walked (a long metric series would be copied for nothing).
  if (NO_PATHS.has(method)) return result;
  return redactServerPaths(result);
}

const NO_PATHS = new Set<MethodName>([
  'experiments.logs',
  'experiments.logTail',
  'experiments.metrics',
  'experiments.metricSeries',
  'experiments.resources',
  'experiments.statuses',
  'groups.statuses',
  'experiments.events',
  'experiments.codeDiff',
]);

/** What a superuser-only method does, for the refusal (a user never sees the method's name otherwise). */
const SUPERUSER_WORK: Partial<Record<MethodName, string>> = {
  'system.folder': "browse the server's folders",
  'clusters.axonPods': "list the engine's pods on a cluster",
  'settings.update': "change the engine's settings",
  'users.create': 'create users',
  'users.list': 'list users',
  'users.delete': 'delete users',
  'orgs.setQuota': "set an organization's quota",
};

/** Why a user's local job is refused on a shared engine (`axon serve --auth` without --allow-local-jobs). */
export const LOCAL_JOBS_REFUSED =
  "this shared engine does not run its users' jobs on the local backend: a local job runs as the engine's own " +
  "account, so it could read the engine's keys and every user's runs. Run it with --backend docker or " +
  "--backend kubernetes, or ask the engine's owner to allow local jobs (`axon serve --auth --allow-local-jobs`, " +
  'for users trusted as the owner trusts themselves)';

export class Authorizer {
  readonly auth: AuthStore;
  /** Whether signed-in users who are not superusers may run local jobs (`axon serve --auth --allow-local-jobs`). */
  localJobs = false;
  /** Called when an organization's quota changes (the engine makes the queue look again). */
  quotaChanged: () => void = () => undefined;
  /** Experiments and groups never change project: remembered for event filtering. */
  private projectOfExperiment = new Map<number, number>();

  constructor(private db: Db) {
    this.auth = new AuthStore(db);
  }

  /** What a caller may do with a project (read from the store now: a role changed by an admin applies at once). */
  async level(caller: Caller, projectId: number, roles?: Map<number, OrgRole>): Promise<Level | 'none'> {
    if (caller.kind === 'local') return 'admin';
    if (caller.kind !== 'user') return 'none';
    if (caller.user.superuser) return 'admin';
    const owner = await this.auth.projectOwner(projectId);
    if (!owner) return 'none';
    if (owner.orgId === null) return owner.ownerId === caller.user.id ? 'admin' : 'none';
    const role = (roles ?? (await this.auth.roles(caller.user.id))).get(owner.orgId);
    return role ? ROLE_LEVEL[role] : 'none';
  }

  async experimentProject(id: number): Promise<number | null> {
    const known = this.projectOfExperiment.get(id);
    if (known !== undefined) return known;
    const r = await this.db.get<{ project_id: number }>('SELECT project_id FROM experiments WHERE id = ?', [
      id,
    ]);
    if (r) this.projectOfExperiment.set(id, r.project_id);
    return r?.project_id ?? null;
  }

  private async groupProject(id: number): Promise<number | null> {
    const r = await this.db.get<{ project_id: number }>(
      'SELECT project_id FROM experiment_groups WHERE id = ?',
      [id],
    );
    return r?.project_id ?? null;
  }

  private projectId(ref: string): Promise<number | null> {
    return projectIdOf(this.db, ref);
  }

  /**
   * The project a caller means by `ref`. `owner/name` is as written. A bare name is the caller's own project
   * (a user's `username/name`; the local owner's `name`), else the one project of that name they can read,
   * else where it would be created (their own namespace). Two they can read and none their own: an error
   * naming both. Nothing here depends on projects the caller cannot read. `mode` 'own': the caller's own only;
   * 'new' (a run, which creates its project): the caller's own, and when there is none but they can see
   * others of that name, an error naming them instead of a new project beside them.
   */
  async resolveProject(caller: Caller, ref: string, mode?: 'own' | 'new'): Promise<string> {
    if (ref.includes('/') || caller.kind === 'run' || caller.kind === 'anonymous') return ref;
    const own = caller.kind === 'user' ? `${caller.user.username}/${ref}` : ref;
    if (mode === 'own' || (await this.projectId(own)) !== null) return own;
    const can = await this.readable(caller);
    const seen = (
      await this.db.all<{ id: number; full: string }>(
        `SELECT p.id, ${PROJECT_FULL_NAME} AS full FROM projects p WHERE p.name = ? ORDER BY full`,
        [ref],
      )
    ).filter((r) => !can || can.has(r.id));
    if (mode === 'new' && seen.length)
      throw new ApiError(
        'invalid_input',
        `you have no project "${ref}"; ${seen.map((r) => r.full).join(', ')} ${seen.length > 1 ? 'are' : 'is'} one you can see: name it as OWNER/NAME, or create yours first (\`axon project create --name ${ref}\`)`,
      );
    if (seen.length === 1) return seen[0].full;
    if (seen.length > 1)
      throw new ApiError(
        'invalid_input',
        `"${ref}" is the name of ${seen.length} projects you can see (${seen.map((r) => r.full).join(', ')}): say which, as OWNER/NAME`,
      );
    return own;
  }

  /** Throws unless `caller` may create a project named `ref` (their own namespace, or an organization they are a member or admin of). */
  async mayCreate(caller: Caller, ref: string): Promise<void> {
    if (caller.kind === 'local' || (caller.kind === 'user' && caller.user.superuser)) return;
    const ns = ref.slice(0, Math.max(0, ref.indexOf('/')));
    if (caller.kind === 'user' && ns === caller.user.username) return;
    const org = ns ? await this.auth.orgId(ns).catch(() => null) : null;
    const role =
      org !== null && caller.kind === 'user' ? (await this.auth.roles(caller.user.id)).get(org) : undefined;
    if (!role) throw hiddenProject(ref);
    if (role === 'viewer') throw new ApiError('forbidden', `a viewer of ${ns} cannot create its projects`);
  }

  /** What needs no input: who may call the method at all (before the input is even validated). */
  gate(caller: Caller, method: MethodName): void {
    const rule = RULES[method];
    if (rule.who === 'anyone' || caller.kind === 'local') return;
    if (caller.kind === 'anonymous')
      throw new ApiError('unauthorized', 'sign in first: `axon login URL`, or an API token as the bearer');
    if (caller.kind === 'run' && (rule.who !== 'project' || !rule.run || rule.by !== 'experiment'))
      throw new ApiError('forbidden', `a run's token may not call ${method}; it reads its own run only`);
    if (caller.kind === 'user' && rule.who === 'superuser' && !caller.user.superuser)
      throw new ApiError('forbidden', `only a superuser may ${SUPERUSER_WORK[method] ?? `call ${method}`}`);
  }

  /** Throws unless the caller may make this call with this input (gate() first). */
  async check(caller: Caller, method: MethodName, input: Record<string, unknown>): Promise<void> {
    this.gate(caller, method);
    const rule = RULES[method];
    if (
      rule.who === 'anyone' ||
      rule.who === 'superuser' ||
      (caller.kind !== 'user' && caller.kind !== 'run')
    )
      return;
    if (caller.kind === 'run') {
      // gate() let through only a run's own-run methods.
      if (rule.who === 'project')
        for (const f of rule.fields) if (input[f] !== caller.experimentId) throw hiddenExperiment(input[f]);
      return;
    }
    if (rule.who === 'user') {
      // A list narrowed to one project or group answers as the project's own methods do.
      if ((method === 'experiments.list' || method === 'groups.list') && typeof input.project === 'string')
        await this.need(caller, 'read', 'project', input.project);
      return;
    }
    for (const f of rule.fields) {
      const v = input[f];
      if (v === undefined && rule.optional) continue;
      await this.need(caller, rule.need, rule.by, v);
    }
    if (!this.localJobs && !caller.user.superuser && (await this.startsLocalJob(method, input)))
      throw new ApiError('forbidden', LOCAL_JOBS_REFUSED);
  }

  /** A call that would start a job on the local backend: a run, or a restart or resume of a local run. */
  private async startsLocalJob(method: MethodName, input: Record<string, unknown>): Promise<boolean> {
    if (method === 'runs.create') return (input.backend ?? 'local') === 'local';
    if (method !== 'experiments.restart' && method !== 'experiments.resume') return false;
    const x = await this.db.get<{ backend: string }>('SELECT backend FROM experiments WHERE id = ?', [
      input.id,
    ]);
    return x?.backend === 'local';
  }

  private async need(
    caller: Caller & { kind: 'user' },
    need: Level,
    by: 'project' | 'experiment' | 'group',
    key: unknown,
  ): Promise<void> {
    const pid =
      by === 'project'
        ? await this.projectId(String(key))
        : by === 'experiment'
          ? await this.experimentProject(Number(key))
          : await this.groupProject(Number(key));
    const hidden = () =>
      by === 'project'
        ? hiddenProject(String(key))
        : by === 'experiment'
          ? hiddenExperiment(key)
          : hiddenGroup(key);
    // A missing one is the handler's to report (runs.create creates its project).
    if (pid === null) return;
    const level = await this.level(caller, pid);
    if (level === 'none') throw hidden();
    if (RANK[level] < RANK[need])
      throw new ApiError(
        'forbidden',
        `you may ${level === 'read' ? 'only read' : level} this ${by === 'project' ? 'project' : by}; this needs ${need} access to its project`,
      );
  }

  /** The project ids a user can read; null: all of them. */
  async readable(caller: Caller): Promise<Set<number> | null> {
    if (caller.kind === 'local' || (caller.kind === 'user' && caller.user.superuser)) return null;
    if (caller.kind === 'run') {
      const p = await this.experimentProject(caller.experimentId);
      return new Set(p === null ? [] : [p]);
    }
    if (caller.kind !== 'user') return new Set();
    const roles = await this.auth.roles(caller.user.id);
    const rows = await this.db.all<{ id: number; owner_id: number; organization_id: number | null }>(
      'SELECT id, owner_id, organization_id FROM projects',
    );
    return new Set(
      rows
        .filter((r) =>
          r.organization_id === null ? r.owner_id === caller.user.id : roles.has(r.organization_id),
        )
        .map((r) => r.id),
    );
  }

  /** A list result narrowed to what the caller can read. */
  async filter<T>(caller: Caller, method: MethodName, result: T): Promise<T> {
    if (!(caller.kind === 'local' || (caller.kind === 'user' && caller.user.superuser)))
      result = withoutServerPaths(method, result);
    const listed = ['projects.list', 'projects.summaries', 'experiments.list', 'groups.list'];
    if (!listed.includes(method)) return result;
    const can = await this.readable(caller);
    if (!can) return result;
    const items = result as unknown as Array<{ id?: number; name?: string; projectId?: number }>;
    if (method === 'projects.summaries') {
      const names = new Set(
        (
          await this.db.all<{ id: number; name: string }>(
            `SELECT p.id, ${PROJECT_FULL_NAME} AS name FROM projects p`,
          )
        )
          .filter((p) => can.has(p.id))
          .map((p) => p.name),
      );
      return items.filter((x) => names.has(x.name!)) as unknown as T;
    }
    return items.filter((x) => can.has(method === 'projects.list' ? x.id! : x.projectId!)) as unknown as T;
  }

  /**
   * A listener that hears only what the caller can read. Deliveries keep their order (one chain per
   * listener); each project's answer is kept 2 s, so a membership change reaches open sockets within that, and
   * a project the caller creates is asked about afresh the first time its events come.
   */
  listener<E extends EventName>(
    caller: Caller,
    event: E,
    deliver: (p: Events[E]) => void,
  ): (p: Events[E]) => void {
    if (caller.kind === 'local' || (caller.kind === 'user' && caller.user.superuser)) return deliver;
    // The experiments and groups in these events carry their folders; logs, metrics and samples do not.
    const inner = deliver;
    if (event === 'experiments.changed' || event === 'groups.changed')
      deliver = (p) => inner(redactServerPaths(p));
    const known = new Map<number, { ok: boolean; at: number }>();
    const canRead = async (projectId: number | null) => {
      if (projectId === null) return false;
      if (caller.kind === 'run')
        return projectId === (await this.experimentProject(caller.experimentId)) ? null : false;
      const k = known.get(projectId);
      if (k && Date.now() - k.at < 2000) return k.ok;
      const ok = (await this.level(caller, projectId)) !== 'none';
      known.set(projectId, { ok, at: Date.now() });
      return ok;
    };
    // A run token hears its own experiment only (null above: same project, decided by experiment id).
    const readsExperiment = async (experimentId: number) => {
      const r = await canRead(await this.experimentProject(experimentId));
      return r === null ? caller.kind === 'run' && experimentId === caller.experimentId : r;
    };
    let chain = Promise.resolve();
    return (payload) => {
      chain = chain
        .then(async () => {
          const p = payload as Record<string, unknown>;
          if (event === 'experiments.changed') {
            if (await readsExperiment((p as Events['experiments.changed']).experiment.id)) deliver(payload);
          } else if (event === 'groups.changed') {
            if (caller.kind !== 'run' && (await canRead((p as Events['groups.changed']).group.projectId)))
              deliver(payload);
          } else if (event === 'resources.sampled') {
            const kept = [];
            for (const s of (p as Events['resources.sampled']).samples)
              if (await readsExperiment(s.experimentId)) kept.push(s);
            if (kept.length) deliver({ samples: kept } as Events[E]);
          } else if (await readsExperiment((p as { experimentId: number }).experimentId)) deliver(payload);
        })
        .catch(() => undefined);
    };
  }

  /** The organization a new project is to belong to, checked before anything is created. */
  async projectOrg(caller: Caller, organization: string | undefined): Promise<number | null> {
    if (!organization) return null;
    const hidden = new ApiError('not_found', `no organization named "${organization}"`);
    const orgId = await this.auth.orgId(organization).catch(() => {
      throw hidden;
    });
    if (caller.kind === 'user' && !caller.user.superuser) {
      const role = (await this.auth.roles(caller.user.id)).get(orgId);
      if (!role) throw hidden;
      if (role === 'viewer')
        throw new ApiError('forbidden', `a viewer of ${organization} cannot create its projects`);
    }
    return orgId;
  }

  /** A new project is the caller's (the local owner is user 1), or their organization's. */
  async claimProject(caller: Caller, projectId: number, orgId: number | null): Promise<void> {
    const ownerId = caller.kind === 'user' ? caller.user.id : LOCAL_USER_ID;
    if (ownerId !== LOCAL_USER_ID || orgId !== null)
      await this.auth.setProjectOwner(projectId, ownerId, orgId);
  }
}
