// The engine: owns one AXON_HOME (lock, database, run folders), implements the API contract, and drives the
// lifecycle of runs. It never imports Electron; transports (HTTP + WebSocket, IPC, in-process) wrap `call`/`on`.
import fs from 'node:fs';
import {
  ApiError,
  methods,
  toApiError,
  type AxonApi,
  type EventName,
  type Events,
  type Input,
  type MethodName,
  type Results,
} from '../../shared/api';
import { Store } from './store';
import { EventBus } from './events';
import { KeptOutputs } from './scheduler/kept-outputs';
import { Lifecycle } from './scheduler/lifecycle';
import { Runner } from './scheduler/runner';
import { Queue } from './scheduler/queue';
import { LocalBackend } from './backends/local/local-backend';
import { DockerBackend } from './backends/docker/docker-backend';
import { KubernetesBackend } from './backends/kubernetes/kubernetes-backend';
import { readSettings } from './settings';
import type { Backend } from './backends/backend';
import { acquireLock, paths } from './home';
import { makeHandlers, type Handlers } from './handlers';
import { log } from './log';
import { stopGraceFromEnv } from './stop-grace';
import { EarlyStopping } from './sweeps/early-stopping';
import { ResourceMonitor } from './monitor/sampler';
import { groupState } from './sweeps/group-runner';
import { DONE, EXPERIMENT_STATUSES } from '../../shared/statuses';
import type { AuthMethodName } from '../../shared/auth';
import { Authorizer, defaultProjectName, BARE_NAME, PROJECT_REF_FIELD } from './auth/authorize';
import { makeAuthHandlers, type AuthHandlers } from './auth/handlers';
import { LOCAL, type Caller } from './auth/caller';
import { LOCAL_USER_ID } from './auth/store';
import {
  pruneUploads,
  storeUpload,
  UPLOAD_FREE_AFTER_MS,
  UPLOAD_QUOTA_DEFAULT_MIB,
  uploadPath,
} from './code/uploads';
import { runTokenKey, verifyRunToken } from './auth/run-token';
import { quotaHolds } from './auth/quota';

const NOT_DONE = EXPERIMENT_STATUSES.filter((s) => !DONE.has(s));

export { VERSION_INFO as VERSION } from './version';

export interface EngineOptions {
  home: string;
  /** Milliseconds between the graceful stop (SIGTERM) and the forced one (SIGKILL); default 10 s. */
  stopGraceMs?: number;
  /** How long a stop waits for a launch in progress before it is recorded anyway; default 30 s. */
  stopWaitMs?: number;
  backends?: Record<string, Backend>;
  /** Kubernetes: how long a pod may wait (unschedulable, image pull) before its run fails; default 10 min. */
  kubePendingTimeoutMs?: number;
  /** A shared engine: how long a session from `auth.login` lasts (default 12 h). */
  sessionTtlMs?: number;
  /** The first wait before kept outputs are tried again (kept-outputs.ts); default a minute. */
  keptRetryMs?: number;
}

export { stopGraceFromEnv };

export class Engine implements AxonApi {
  readonly startedAt = new Date().toISOString();
  apiUrl = '';
  private handlers!: Handlers;
  private authHandlers!: AuthHandlers;
  /** Who may do what (auth/): every caller but the local owner passes it. */
  authz!: Authorizer;
  /** `axon serve --auth`: the HTTP transport asks every caller who they are. */
  authEnabled = false;
  /** What each user's uploaded code may take, unpacked (`axon serve --upload-quota`); 0: no limit. */
  uploadQuotaBytes = UPLOAD_QUOTA_DEFAULT_MIB * 1024 * 1024;
  private runKey = '';
  private earlyStopping!: EarlyStopping;
  private lifecycle!: Lifecycle;
  readonly monitor!: ResourceMonitor;
  /** Outputs kept where their job ran, tried again (kept-outputs.ts). */
  readonly keptOutputs!: KeptOutputs;
  private closed = false;
  /** Work started by events (a run ended, metrics arrived); close() waits for it. */
  private background = new Set<Promise<unknown>>();

  private constructor(
    readonly home: string,
    readonly events: EventBus,
    readonly store: Store,
    readonly runner: Runner,
    readonly queue: Queue,
    readonly backends: Record<string, Backend>,
    private releaseLock: () => void,
  ) {}

  static async start(opts: EngineOptions): Promise<Engine> {
    const release = acquireLock(opts.home);
    let store: Store;
    try {
      // The runs' folders are the user's alone: a Docker run's outputs folder is opened to its container's user.
      fs.mkdirSync(paths(opts.home).runs, { recursive: true, mode: 0o700 });
      fs.promises.chmod(paths(opts.home).runs, 0o700).catch(() => undefined);
      store = await Store.open(paths(opts.home).db);
    } catch (e) {
      release();
      throw e;
    }
    const docker = new DockerBackend({ home: opts.home });
    const backends = opts.backends ?? {
      local: new LocalBackend(),
      docker,
      kubernetes: new KubernetesBackend({
        home: opts.home,
        docker,
        settings: () => readSettings(opts.home).settings,
        pendingTimeoutMs: opts.kubePendingTimeoutMs,
      }),
    };
    const events = new EventBus();
    const lifecycle = new Lifecycle(store, events);
    // Run tokens are signed with a key kept in the home: a job re-attached by the next engine keeps its token.
    const secret = runTokenKey(opts.home);
    let engine: Engine | null = null;
    const runner = new Runner(store, events, lifecycle, {
      home: opts.home,
      backends,
      stopGraceMs: opts.stopGraceMs ?? stopGraceFromEnv(),
      stopWaitMs: opts.stopWaitMs ?? 30_000,
      secret,
      apiUrl: () => engine?.apiUrl ?? '',
      onFinished: (id, groupId) => engine?.inBackground(() => engine!.afterFinish(id, groupId)),
    });
    const queue = new Queue(store, runner, lifecycle);
    engine = new Engine(opts.home, events, store, runner, queue, backends, release);
    engine.handlers = makeHandlers(engine, lifecycle);
    engine.runKey = secret;
    engine.authz = new Authorizer(store.db);
    engine.authz.quotaChanged = () => void queue.tick();
    queue.quota = (launch) => quotaHolds(store.db, launch);
    engine.authHandlers = makeAuthHandlers(engine.authz, {
      sessionTtlMs: opts.sessionTtlMs,
      enabled: () => engine!.authEnabled,
    });
    engine.lifecycle = lifecycle;
    engine.earlyStopping = engine.makeEarlyStopping(lifecycle);
    (engine as { monitor: ResourceMonitor }).monitor = new ResourceMonitor(store, events, runner, backends);
    events.on('metrics.appended', ({ experimentId, points }) => {
      engine!.inBackground(() => engine!.earlyStopping.onMetrics(experimentId, points));
    });
    await runner.reattachAll();
    await engine.reportOrphans();
    await engine.pruneUploads();
    await engine.settleAllGroups();
    await queue.tick();
    engine.monitor.start();
    (engine as { keptOutputs: KeptOutputs }).keptOutputs = new KeptOutputs(
      store,
      lifecycle,
      backends,
      opts.keptRetryMs,
    );
    engine.keptOutputs.start();
    return engine;
  }

  call<M extends MethodName>(method: M, input: Input<M>): Promise<Results[M]> {
    return this.callAs(LOCAL, method, input);
  }

  /** A call on behalf of `caller` (the transport resolved it): checked, then answered, then filtered. */
  async callAs<M extends MethodName>(caller: Caller, method: M, input: Input<M>): Promise<Results[M]> {
    try {
      if (!(method in methods)) throw toApiError({ code: 'not_found', message: `no API method "${method}"` });
      if (caller.kind !== 'local') this.authz.gate(caller, method);
      const parsed = methods[method].parse(input ?? {}) as Record<string, unknown>;
      // Uploaded code is the caller's own: their uploads folder holds it.
      const owner = caller.kind === 'user' ? caller.user.id : LOCAL_USER_ID;
      if (method === 'runs.create' && parsed.code !== undefined && parsed.upload === undefined)
        throw new ApiError('invalid_input', 'code (a code version) goes with upload only');
      if (method === 'runs.create' && parsed.upload !== undefined) {
        if (parsed.codePath !== undefined)
          throw new ApiError('invalid_input', 'give either codePath or upload, not both');
        parsed.codePath = uploadPath(this.home, owner, String(parsed.upload));
      }
      // The project a run goes to is named before it is checked (the code folder's name when none is given).
      if (method === 'runs.create' && caller.kind === 'user')
        parsed.project ??= defaultProjectName(String(parsed.codePath));
      // A bare project name is the caller's own, or (to read) the one of that name they can see (authorize.ts).
      const refField = PROJECT_REF_FIELD[method];
      if (refField && typeof parsed[refField] === 'string')
        parsed[refField] = await this.authz.resolveProject(
          caller,
          parsed[refField] as string,
          BARE_NAME[method],
        );
      if (caller.kind !== 'local') await this.authz.check(caller, method, parsed);
      const auth = this.authHandlers[method as AuthMethodName] as
        ((i: unknown, c: Caller) => Promise<Results[M]>) | undefined;
      if (auth) return await auth(parsed, caller);
      if (method === 'code.upload')
        return (await storeUpload(this.home, owner, String(parsed.archive), {
          quotaBytes: this.uploadQuotaBytes || undefined,
          freeUnused: () => this.pruneUploads(UPLOAD_FREE_AFTER_MS, owner),
        })) as Results[M];
      const answer = (i: unknown) =>
        (
          this.handlers[method as Exclude<M, AuthMethodName | 'code.upload'>] as (
            i: unknown,
          ) => Promise<Results[M]>
        )(i);
      if (method === 'projects.create') {
        const org = parsed.organization as string | undefined;
        const orgId = await this.authz.projectOrg(caller, org);
        // Created in the organization's namespace, or the caller's own.
        if (org) parsed.name = `${org}/${String(parsed.name)}`;
        else if (caller.kind === 'user') parsed.name = `${caller.user.username}/${String(parsed.name)}`;
        const p = (await answer(parsed)) as Results['projects.create'];
        await this.authz.claimProject(caller, p.id, orgId);
        return p as Results[M];
      }
      if (caller.kind === 'local') return await answer(parsed);
      if (method === 'runs.create' && caller.kind === 'user') {
        // A project that does not exist yet is created where the caller may create one, before the run.
        const name = String(parsed.project);
        if (!(await this.store.projects.find(name))) {
          await this.authz.mayCreate(caller, name);
          await this.store.projects.ensure(name, String(parsed.codePath), caller.user.id);
        }
      }
      // A list is filtered after the store's limit: read them all, keep what the caller can see, then cut.
      const limit = method === 'experiments.list' ? (parsed.limit as number) : null;
      if (limit !== null) parsed.limit = 1_000_000;
      const result = await this.authz.filter(caller, method, await answer(parsed));
      return (limit !== null ? (result as unknown[]).slice(0, limit) : result) as Results[M];
    } catch (e) {
      throw toApiError(e);
    }
  }

  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    return this.events.on(event, listener);
  }

  /** A subscription that hears only what `caller` may read. */
  onAs<E extends EventName>(caller: Caller, event: E, listener: (payload: Events[E]) => void): () => void {
    if (caller.kind === 'anonymous') return () => undefined;
    return this.events.on(event, this.authz.listener(caller, event, listener));
  }

  /** The experiment whose job was given this token (AXON_TOKEN), or null. */
  runOfToken(token: string): number | null {
    return verifyRunToken(this.runKey, token);
  }

  private inBackground(fn: () => Promise<unknown>): void {
    if (this.closed) return;
    const p: Promise<unknown> = fn()
      .catch((e) => {
        if (!this.closed) log.warn(e instanceof Error ? (e.stack ?? e.message) : String(e));
      })
      .finally(() => this.background.delete(p));
    this.background.add(p);
  }

  private async afterFinish(experimentId: number, groupId?: number | null): Promise<void> {
    if (this.closed) return;
    if (groupId === undefined)
      groupId = (await this.store.experiments.row(experimentId).catch(() => null))?.group_id ?? null;
    const g = groupId === null ? null : await this.store.groups.row(groupId).catch(() => null);
    if (g) {
      // The row read once serves both, unless the failure rule ended the search (which changes it).
      const ended = await this.earlyStopping.onFinished(g);
      await this.queue.settleGroup(g.id, ended ? undefined : g);
    }
    await this.queue.tick();
  }

  private makeEarlyStopping(lifecycle: Lifecycle): EarlyStopping {
    return new EarlyStopping(this.store, {
      stopExperiment: async (id, reason, message) => {
        if (!(await this.runner.stop(id, reason, message)))
          await lifecycle.experiment(id, 'stopped', reason, message);
      },
      endSearch: (groupId, message) => this.endSearch(groupId, message, { byUser: false }),
    });
  }

  /** Ends a group's search: no new experiments; its pending ones are stopped with the message; running ones
   *  finish, and the group then ends (early stopping; `byUser`: `axon group stop --pending`, which ends the
   *  group `stopped` rather than `failed` when none of its experiments succeeded). */
  async endSearch(groupId: number, message: string, { byUser = true } = {}): Promise<void> {
    const reason = byUser ? 'group stopped' : 'early stopping';
    await this.store.db.transaction(async () => {
      const g = await this.store.groups.row(groupId);
      await this.store.groups.setState(groupId, {
        ...groupState(g),
        stoppedEarly: message,
        ...(byUser ? { stoppedByUser: true } : {}),
      });
    });
    // A queue pass may be launching one of them meanwhile: the runner stops what it has started.
    for (const x of await this.store.experiments.list({ groupId, status: 'created', limit: 1_000_000 }))
      if (!(await this.runner.stop(x.id, reason, message)))
        await this.lifecycle.experiment(x.id, 'stopped', reason, message);
    await this.queue.settleGroup(groupId);
    await this.queue.tick();
  }

  /** Uploaded code that no run, group or project uses any more (code/uploads.ts): all users' a day after it
   *  was sent, or one user's sooner when their quota is reached. */
  private async pruneUploads(ttlMs?: number, owner?: number): Promise<void> {
    const rows = await this.store.db.all<{ p: string }>(
      `SELECT code_path AS p FROM experiments UNION SELECT code_path FROM experiment_groups
       UNION SELECT code_path FROM projects WHERE code_path IS NOT NULL`,
    );
    const gone = pruneUploads(this.home, new Set(rows.map((r) => r.p)), Date.now(), ttlMs, owner);
    if (gone.length) log.debug(`removed ${gone.length} uploaded code folder(s) that no run uses`);
  }

  /** Pods with this home's labels that no job row knows: said, never deleted. */
  private async reportOrphans(): Promise<void> {
    for (const b of Object.values(this.backends)) {
      const k = b as Partial<KubernetesBackend>;
      if (!k.orphans) continue;
      const known = new Set(await this.store.jobs.ids());
      for (const o of await k.orphans(known).catch(() => []))
        log.warn(
          `kubernetes: pod ${o.pod} in ${o.context}/${o.namespace} carries this Axon home's labels but no run of it; left as it is`,
        );
    }
  }

  private async settleAllGroups(): Promise<void> {
    for (const g of await this.store.groups.rows({ status: ['created', 'running', 'stopping'] }))
      await this.queue.settleGroup(g.id);
  }

  /** Whether anything is left for an engine to do: a job followed, an experiment not ended, a group open. */
  async hasWork(): Promise<boolean> {
    if (this.runner.runningJobs().length) return true;
    const open = await this.store.experiments.rowsWithStatus(NOT_DONE);
    if (open.length) return true;
    return (await this.store.groups.rows({ status: ['created', 'running', 'stopping'] })).length > 0;
  }

  /** Waits for the scheduling pass and the launches in flight (not for the runs to end). */
  async idle(): Promise<void> {
    await this.queue.tick();
    await this.runner.settled();
  }

  /** Stops tailing and closes the store. Running jobs keep running; the next engine re-attaches them. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.keptOutputs.close();
    await this.monitor.stop();
    await this.queue.close();
    await this.runner.detachAll();
    await Promise.all([...this.background]);
    for (const b of Object.values(this.backends)) await (b as { close?(): Promise<void> }).close?.();
    await this.store.close();
    this.releaseLock();
  }
}
