// Launches experiments on their backend — one job, or one per replica of a distributed experiment — follows
// their logs and metrics, records how they end, and after an engine restart finds them again (re-attach),
// records the exit code they left, or finishes a launch a crash cut short.
import fs from 'node:fs';
import path from 'node:path';
import { createHmac } from 'node:crypto';
import { stripVTControlCharacters } from 'node:util';
import type { Store } from '../store';
import { runSpec, type ExperimentRow } from '../store/experiments';
import { jobHandle, recordedJob, type JobRow } from '../store/jobs';
import type { EventBus } from '../events';
import type { Lifecycle } from './lifecycle';
import type { Backend, BackendStatus, JobHandle, JobOutcome, RunningJob } from '../backends/backend';
import { describeOutcome, NotStartable, OUTPUTS_KEPT, succeeded } from '../backends/backend';
import { snapshotCode } from '../code/snapshot';
import { uploadOf } from '../../../shared/uploads';
import type { CodeRef } from '../../../shared/domain';
import { LogFollower } from '../tracking/follower';
import { paths } from '../home';
import {
  ACTIVE,
  canTransition,
  experimentStatusFromJobs,
  isDone,
  type JobStatus,
} from '../../../shared/statuses';
import { log } from '../log';
import { jobEnv } from './job-env';
import { listFiles } from './outputs';
import { frameworkEnv, replicaName, replicaPlan, type Addressing, type Replica } from './replicas';
import { freePort } from './ports';

interface ActiveJob {
  jobId: number;
  name: string;
  job: RunningJob;
  follower: LogFollower;
}

interface ActiveExperiment {
  experimentId: number;
  backend: string;
  jobs: Map<number, ActiveJob>;
  stopRequested: boolean;
  /** When the stop was asked for (ms): a job the backend says ended before it (and is told of only now, a
   *  pod's status reported late) keeps its own ending. */
  stopRequestedAt?: number;
  stopReason?: string;
  stopMessage?: string;
  /** The replica whose failure ended the experiment; the others were stopped because of it. */
  failure?: { name: string; reason: string };
  /** The master and the workers have ended: the parameter servers left are stopped (as TFJob does). */
  chiefDone?: boolean;
}

export interface RunnerOptions {
  home: string;
  backends: Record<string, Backend>;
  stopGraceMs: number;
  /** How long a stop waits for a launch in progress before it is recorded anyway (stopDeadlines). */
  stopWaitMs: number;
  secret: string;
  apiUrl: () => string;
  /** An experiment ended; `groupId` when known (undefined: the listener reads it). */
  onFinished: (experimentId: number, groupId?: number | null) => void;
}

/** Fixed ports inside containers (each replica has its own network namespace there). */
const CONTAINER_PORT = 2222;
/** A run started this long after its creation reads its code version again (codeAtStart). */
const CODE_REREAD_AFTER_MS = 2000;
/** How long one read of a folder's code version serves the runs that start meanwhile. */
const CODE_READ_SHARED_MS = 1000;

/** A run being launched (Runner.launching): the stop asked meanwhile, and the jobs started so far. */
interface Launching {
  asked: { reason?: string; message?: string; signalled?: Set<RunningJob> } | null;
  started: RunningJob[];
}

export class Runner {
  private active = new Map<number, ActiveExperiment>();
  private pending = new Set<Promise<void>>();
  /** Builds in progress, so that stop() can cancel them. */
  private building = new Map<number, AbortController>();
  /** Experiments being launched, until their jobs are followed, with a stop asked meanwhile: it is applied
   *  once they are, so the run ends when its jobs have (recorded at once, it read stopped while they still
   *  started and ran their handlers). */
  private launching = new Map<number, Launching>();
  /** A launch that hangs (a cluster that does not answer) does not hold a stop for ever: after this long the
   *  stop is recorded, and whatever the launch still starts is stopped when it is done. */
  private stopDeadlines = new Map<number, NodeJS.Timeout>();
  /** Recent reads of code folders' versions (codeNow). */
  private codeReads = new Map<string, { at: number; ref: Promise<CodeRef | null> }>();
  private closed = false;

  constructor(
    private store: Store,
    private events: EventBus,
    private lifecycle: Lifecycle,
    private opts: RunnerOptions,
  ) {}

  /** The grace period between a stop's SIGTERM and its SIGKILL (the engine's address records it). */
  get stopGraceMs(): number {
    return this.opts.stopGraceMs;
  }

  runToken(experimentId: number): string {
    return createHmac('sha256', this.opts.secret).update(`run:${experimentId}`).digest('hex');
  }

  /** created → (building →) scheduled → starting → running, or failed with the reason the launch gave. */
  launch(x: ExperimentRow): Promise<void> {
    return this.launchMany([x]);
  }

  /**
   * Resolves once each experiment holds its slot (its first status is recorded); the rest runs in the
   * background. Those with nothing to build take their slots in one commit: a queue pass that fills eight
   * slots waits for the write lock once, not eight times.
   */
  async launchMany(xs: ExperimentRow[]): Promise<void> {
    const direct = xs.filter((x) => this.opts.backends[x.backend] && !this.opts.backends[x.backend].prepare);
    for (const x of xs) {
      if (direct.includes(x)) continue;
      const backend = this.opts.backends[x.backend];
      if (await this.lifecycle.experiment(x.id, backend ? 'building' : 'scheduled')) this.background(x);
    }
    if (!direct.length) return;
    // Nothing to build: scheduled, the job rows and starting are one commit (a crash after it finds jobs
    // without a process, which start() finishes; before it, nothing happened).
    const launched = await this.lifecycle.transaction(async (tx) => {
      const out: Array<{ row: ExperimentRow; jobs: JobRow[] }> = [];
      for (const x of direct) {
        const runDir = x.run_dir || paths(this.opts.home).runDir(x.id);
        const outputs = x.outputs_dir || path.join(runDir, 'outputs');
        const plan = replicaPlan(runSpec(x).environment);
        if (!(await tx.experiment(x.id, 'scheduled'))) continue;
        const jobs = await this.insertJobs(x, plan, runDir, outputs);
        if (await tx.experiment(x.id, 'starting'))
          for (const j of jobs)
            if (j.status === 'created' && (await tx.job(j.id, 'starting'))) j.status = 'starting';
        out.push({ row: { ...x, status: 'starting', run_dir: runDir, outputs_dir: outputs }, jobs });
      }
      return out;
    });
    for (const { row, jobs } of launched) this.background(row, jobs);
  }

  /** The rest of a launch, in the background; `known` rows skip reading the experiment and its jobs again. */
  private background(x: ExperimentRow, known?: JobRow[]): void {
    void this.inflight(() =>
      this.applyingStops(x.id, async () => {
        try {
          await this.start(known ? x : await this.store.experiments.row(x.id), known);
        } catch (e) {
          if (this.closed) throw e;
          // A launch cut short by an error (the store busy, the backend gone) must not leave the run unwatched:
          // recover it as a restart would, from what was recorded (the wrapper's pid file, container labels).
          log.warn(
            `experiment ${x.id}: launch interrupted (${e instanceof Error ? e.message : e}); recovering`,
          );
          await this.reattachOne(await this.store.experiments.row(x.id));
        }
      }),
    );
  }

  /** Runs a launch during which a stop is held (see `launching`) and applied once the launch is done. */
  private async applyingStops(id: number, launch: () => Promise<void>): Promise<void> {
    if (this.launching.has(id)) return launch(); // an outer launch of the same run holds its stops
    this.launching.set(id, { asked: null, started: [] });
    try {
      await launch();
    } finally {
      const asked = this.launching.get(id)!.asked;
      this.launching.delete(id);
      clearTimeout(this.stopDeadlines.get(id));
      this.stopDeadlines.delete(id);
      if (asked?.signalled) {
        // The deadline signalled what had started then: the endings are recorded as a stop's, and only jobs
        // started after it are signalled now.
        const a = this.active.get(id);
        if (a) {
          Object.assign(a, { stopRequested: true, stopReason: asked.reason, stopMessage: asked.message });
          a.stopRequestedAt ??= Date.now();
          await this.stopJobs([...a.jobs.values()].filter((j) => !asked.signalled!.has(j.job)));
        }
      } else if (asked) {
        const followed = await this.stop(id, asked.reason, asked.message);
        // A closing engine records no job's end: the stop is recorded with its jobs now.
        if (!followed || this.closed) await this.recordStopped(id, asked, this.closed);
      }
    }
  }

  /** The stop of a run (unless it has ended meanwhile); `withJobs`: its unfinished jobs too. */
  private async recordStopped(
    id: number,
    asked: { reason?: string; message?: string },
    withJobs = false,
  ): Promise<void> {
    if (isDone((await this.store.experiments.row(id)).status)) return;
    const reason = asked.reason ?? 'stopped by user';
    if (withJobs)
      for (const j of await this.store.jobs.forExperiment(id))
        if (!isDone(j.status)) await this.lifecycle.job(j.id, 'stopped', reason);
    if (await this.lifecycle.experiment(id, 'stopped', reason, asked.message ?? null))
      this.opts.onFinished(id);
  }

  /** A stop held longer than stopWaitMs by a launch that hangs: what started is signalled, the run recorded
   *  stopped; the jobs' endings are recorded once the launch returns and they are followed. */
  private async stopDeadline(id: number): Promise<void> {
    const l = this.launching.get(id);
    if (!l?.asked) return;
    l.asked.signalled = new Set(l.started);
    await this.stopJobs(l.started.map((job) => ({ job })));
    await this.recordStopped(id, l.asked);
  }

  /**
   * From `building`/`scheduled` (or later, after a crash that left jobs without a process): the job rows, the
   * run folder, the image, the processes. Each step checks what is already there, so a launch cut short by a
   * crash is finished, not doubled.
   */
  private async start(x: ExperimentRow, known?: JobRow[]): Promise<void> {
    const backend = this.opts.backends[x.backend];
    if (!backend) {
      await this.lifecycle.experiment(
        x.id,
        'failed',
        'no backend',
        `backend "${x.backend}" is not available`,
      );
      return;
    }
    await this.codeAtStart(x, !!backend.prepare);
    const runDir = x.run_dir || paths(this.opts.home).runDir(x.id);
    const outputs = x.outputs_dir || path.join(runDir, 'outputs');
    await fs.promises.mkdir(path.join(runDir, 'logs'), { recursive: true });
    await fs.promises.mkdir(outputs, { recursive: true });
    const params = await this.store.experiments.params(x.id);
    const run = runSpec(x);
    await fs.promises.writeFile(
      path.join(runDir, 'spec.json'),
      JSON.stringify({ cmd: x.cmd, params, run, spec: JSON.parse(x.spec_json) }, null, 2),
    );
    const plan = replicaPlan(run.environment);
    const jobs = known ?? (await this.ensureJobs(x, plan, runDir, outputs));
    const master = jobs[0];

    const asked = this.launching.get(x.id)?.asked;
    if (asked) return this.stoppedBeforeStart(x.id, jobs, asked);
    let image: string | undefined;
    if (backend.prepare) {
      const abort = new AbortController();
      this.building.set(x.id, abort);
      try {
        if ((await this.store.experiments.row(x.id)).status === 'building')
          for (const j of jobs) if (j.status === 'created') await this.lifecycle.job(j.id, 'building');
        image = (
          await backend.prepare({
            experimentId: x.id,
            projectName: x.project_name,
            codePath: x.code_path,
            run,
            onOutput: (text) => this.appendLog(x.id, master.id, master.log_path, text),
            signal: abort.signal,
          })
        ).image;
        if (image) await this.store.db.transaction(() => this.store.experiments.update(x.id, { image }));
        // A stop that came as the build ended (a backend that let it finish): nothing is scheduled after it.
        if (abort.signal.aborted)
          return this.endBeforeStart(x.id, jobs, 'stopped', 'stopped by user', 'stopped while building');
      } catch (e) {
        const err = e as Error & { step?: string | null; output?: string; exitCode?: number | null };
        if (abort.signal.aborted)
          return this.endBeforeStart(x.id, jobs, 'stopped', 'stopped by user', 'stopped while building');
        // Build tools colour their output: the reason and message are plain text, with the step's exit code.
        const plain = (t: string) => stripVTControlCharacters(t);
        const code = err.exitCode != null ? ` (exit code ${err.exitCode})` : '';
        // Refused before any build output (a namespace Axon may not use): the log says why, not nothing.
        if (e instanceof NotStartable)
          this.appendLog(x.id, master.id, master.log_path, `[axon] ${err.message}\n`);
        const reason = plain(
          e instanceof NotStartable
            ? e.reason
            : err.step
              ? `build failed at ${err.step}${code}`
              : `build failed${code}: ${err.message}`,
        );
        return this.endBeforeStart(
          x.id,
          jobs,
          'failed',
          reason,
          plain(err.output || err.message).slice(-4000),
        );
      } finally {
        this.building.delete(x.id);
      }
      if ((await this.store.experiments.row(x.id)).status === 'building')
        if (!(await this.lifecycle.experiment(x.id, 'scheduled'))) return;
    }
    const current = (await this.store.experiments.row(x.id)).status;
    if (!['starting', 'running'].includes(current) && !(await this.lifecycle.experiment(x.id, 'starting')))
      return this.endBeforeStart(x.id, jobs, 'stopped', 'stopped before it started', null);
    if (!x.cmd) return this.endBeforeStart(x.id, jobs, 'failed', 'no command', 'run.cmd is empty');

    const network =
      plan.length > 1 && backend.ensureNetwork ? await backend.ensureNetwork(x.id, run) : undefined;
    const at = await this.addressing(plan, network, backend);
    const base = jobEnv(x, params, outputs, { url: this.opts.apiUrl(), token: this.runToken(x.id) });
    const toLaunch = jobs.filter((j) => !j.pid && !j.external_id && !isDone(j.status));
    const started: Array<{ row: JobRow; job: RunningJob }> = [];
    for (const row of toLaunch) {
      if (this.launching.get(x.id)?.asked) {
        await this.lifecycle.job(row.id, 'stopped', 'stopped before it started');
        continue;
      }
      const r = plan.find((p) => replicaName(p) === `${row.role}-${row.replica_index}`)!;
      const extraEnv = frameworkEnv(
        run.framework,
        plan,
        r,
        at,
        network ? '/axon/outputs' : outputs,
        run.environment?.replicas?.chiefName,
      );
      if (row.status !== 'starting') await this.lifecycle.job(row.id, 'starting');
      let job: RunningJob;
      try {
        job = await backend.launch({
          jobId: row.id,
          experimentId: x.id,
          project: x.project_name,
          groupId: x.group_id,
          role: r.role,
          index: r.index,
          cmd: x.cmd,
          cwd: x.code_path,
          env: { ...base, ...extraEnv },
          extraEnv,
          logPath: row.log_path,
          runDir,
          outputsDir: outputs,
          image,
          run: { ...run, environment: r.environment },
          network,
          hostname: network ? replicaName(r) : undefined,
        });
      } catch (e) {
        await this.lifecycle.job(row.id, 'failed', `launch failed: ${e instanceof Error ? e.message : e}`);
        continue;
      }
      started.push({ row, job });
      this.launching.get(x.id)?.started.push(job);
    }
    // Stopped before any replica was launched: nothing runs (the reason the stop gave, not the jobs').
    const asked2 = this.launching.get(x.id)?.asked;
    if (asked2 && !started.length) {
      if (network) await backend.removeNetwork?.(x.id, run).catch(() => undefined);
      return this.stoppedBeforeStart(x.id, jobs, asked2);
    }
    // From here processes run: a failure (the store busy, say) is retried; each step checks what is already
    // recorded, so a retry never repeats one. Still failing, the caller recovers them as a restart would.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.watchStarted(x, started, toLaunch.length);
        return;
      } catch (e) {
        if (attempt >= 4 || this.closed) {
          for (const { job } of started) job.detach?.();
          throw e;
        }
        log.warn(`experiment ${x.id}: ${e instanceof Error ? e.message : e}; retrying`);
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      }
    }
  }

  private async watchStarted(
    x: ExperimentRow,
    started: Array<{ row: JobRow; job: RunningJob }>,
    wanted: number,
  ) {
    // The handles and `running` in one commit, recorded before the ends are watched, so a job that exits at
    // once still passes through it. A job whose backend reports statuses (a pod) is running when it says so.
    const streamed = started.some(({ job }) => job.onStatus);
    const stoppedMeanwhile = await this.lifecycle.transaction(async (tx) => {
      for (const { row, job } of started) {
        await this.store.jobs.setHandle(row.id, job.handle);
        if (!job.onStatus) await tx.job(row.id, 'running');
      }
      if (!started.length || (!streamed && (await tx.experiment(x.id, 'running')))) return false;
      return isDone((await this.store.experiments.row(x.id)).status);
    });
    for (const { row, job } of started)
      if (!this.active.get(x.id)?.jobs.has(row.id)) await this.track(x.id, x.backend, row, job);
    if (!started.length || started.length < wanted) await this.settle(x.id);
    if (stoppedMeanwhile) await this.stop(x.id);
  }

  /** The job rows of the plan, created in one transaction if missing (master first). */
  private async ensureJobs(
    x: ExperimentRow,
    plan: Replica[],
    runDir: string,
    outputs: string,
  ): Promise<JobRow[]> {
    const existing = await this.store.jobs.forExperiment(x.id);
    if (existing.length) return existing;
    return this.store.db.transaction(() => this.insertJobs(x, plan, runDir, outputs));
  }

  /** Inside a transaction: the run folder and the plan's job rows, unless they exist. */
  private async insertJobs(
    x: ExperimentRow,
    plan: Replica[],
    runDir: string,
    outputs: string,
  ): Promise<JobRow[]> {
    const existing = await this.store.jobs.forExperiment(x.id);
    if (existing.length) return existing;
    await this.store.experiments.update(x.id, { run_dir: runDir, outputs_dir: outputs });
    const rows: JobRow[] = [];
    for (const r of plan) {
      const logPath = path.join(runDir, 'logs', `${replicaName(r)}.log`);
      const id = await this.store.jobs.insert(x.id, r.role, r.index, logPath);
      rows.push({
        id,
        experiment_id: x.id,
        role: r.role,
        replica_index: r.index,
        status: 'created',
        status_reason: null,
        pid: null,
        pid_start: null,
        external_id: null,
        exit_code: null,
        log_path: logPath,
        started_at: null,
        finished_at: null,
      });
    }
    return rows;
  }

  /** On the experiment's network, as its backend decides (containers: by name on a fixed port; pods: by DNS
   *  name behind the experiment's Service). Local processes: loopback, a port each. */
  private async addressing(
    plan: Replica[],
    network: string | undefined,
    backend: Backend,
  ): Promise<Addressing> {
    if (network) {
      const at = backend.addressing?.(network);
      if (at) return { host: (r) => at.host(replicaName(r)), port: (r) => at.port(replicaName(r)) };
      return { host: (r) => replicaName(r), port: () => CONTAINER_PORT };
    }
    const ports = new Map<string, number>();
    if (plan.length > 1) for (const r of plan) ports.set(replicaName(r), await freePort());
    return { host: () => '127.0.0.1', port: (r) => ports.get(replicaName(r)) ?? CONTAINER_PORT };
  }

  /** Engine-written log text (build output): appended and announced with its offsets. */
  private appendLog(experimentId: number, jobId: number, logPath: string, text: string): void {
    const offset = fs.existsSync(logPath) ? fs.statSync(logPath).size : 0;
    fs.appendFileSync(logPath, text);
    this.events.emit('logs.appended', {
      experimentId,
      jobId,
      offset,
      nextOffset: offset + Buffer.byteLength(text),
      text,
    });
  }

  /** Runs `fn` as tracked work, so close() can wait for it; after close its failures are expected. */
  private inflight(fn: () => Promise<void>): Promise<void> {
    const p = fn()
      .catch((e) => {
        if (!this.closed) log.warn(`runner: ${e instanceof Error ? e.stack : e}`);
      })
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
    return p;
  }

  private entry(experimentId: number, backend: string): ActiveExperiment {
    let a = this.active.get(experimentId);
    if (!a)
      this.active.set(experimentId, (a = { experimentId, backend, jobs: new Map(), stopRequested: false }));
    return a;
  }

  /** The jobs running now, for the resource monitor. */
  runningJobs(): Array<{
    experimentId: number;
    jobId: number;
    backend: string;
    handle: RunningJob['handle'];
  }> {
    return [...this.active.values()].flatMap((a) =>
      [...a.jobs.values()].map((j) => ({
        experimentId: a.experimentId,
        jobId: j.jobId,
        backend: a.backend,
        handle: j.job.handle,
      })),
    );
  }

  private async track(experimentId: number, backend: string, row: JobRow, job: RunningJob): Promise<void> {
    const follower = this.follower(experimentId, row.id, row.log_path, job.confirmedLogSize?.bind(job));
    const a = this.entry(experimentId, backend);
    a.jobs.set(row.id, { jobId: row.id, name: `${row.role}-${row.replica_index}`, job, follower });
    await follower.start();
    // One status at a time per job, in the order the backend saw them; the ending waits for those before it.
    let chain = Promise.resolve();
    job.onStatus?.((s) => {
      chain = chain.then(() => this.inflight(() => this.jobStatus(experimentId, row.id, s)));
    });
    void job.done.then((outcome) =>
      this.closed
        ? undefined
        : this.inflight(async () => {
            await chain;
            await follower.finish();
            a.jobs.delete(row.id);
            await this.jobEnded(experimentId, row, outcome, a, job.handle);
          }),
    );
  }

  /** A status a backend reported for a running job (a pod pending, unschedulable, running, unreachable): the
   *  job's row, then the experiment's status from its jobs (SPEC §2.1), with the job's reason. */
  private async jobStatus(experimentId: number, jobId: number, s: BackendStatus): Promise<void> {
    if (s.status === 'scheduled' || this.closed) return;
    const row = await this.store.jobs.get(jobId);
    if (!row || isDone(row.status)) return;
    if (row.status === s.status) {
      // The same status for a new reason (a resume's pod getting its outputs): shown while it lasts. (A pod's
      // every watch event repeats its status: only one with a reason costs a read.)
      if (s.reason && (await this.store.experiments.row(experimentId)).status === s.status)
        await this.lifecycle.waiting(experimentId, s.reason, s.status);
      return;
    }
    if (!canTransition(row.status, s.status)) return;
    const node =
      s.status === 'running'
        ? this.active.get(experimentId)?.jobs.get(jobId)?.job.placement?.().node
        : undefined;
    if (node)
      await this.store.db.transaction(() => this.store.jobs.setHandle(jobId, { ...jobHandle(row), node }));
    await this.lifecycle.job(jobId, s.status, s.reason, null, null, s.startedAt ?? null);
    const jobs = await this.store.jobs.forExperiment(experimentId);
    const want = experimentStatusFromJobs(jobs.map((j) => (j.id === jobId ? s.status : j.status)));
    const x = await this.store.experiments.row(experimentId);
    if (!want || isDone(want) || want === x.status || !canTransition(x.status, want)) return;
    const from = jobs.find((j) => j.status === want || (j.id === jobId && s.status === want));
    const reason =
      want === 'running' || !from
        ? null
        : jobs.length > 1
          ? `${from.role}-${from.replica_index}: ${from.id === jobId ? s.reason : from.status_reason}`
          : s.reason;
    await this.lifecycle.experiment(
      experimentId,
      want,
      reason,
      s.message ?? null,
      want === 'running' ? (s.startedAt ?? null) : null,
    );
  }

  /** One job ended: record it; a failed replica stops the others; the last one ends the experiment. */
  private async jobEnded(
    experimentId: number,
    row: JobRow,
    o: JobOutcome,
    a: ActiveExperiment,
    handle: JobHandle,
    /** It ended while no engine watched: by itself, never because Axon stopped it. */
    unwatched = false,
  ): Promise<void> {
    const ok = succeeded(o);
    const name = `${row.role}-${row.replica_index}`;
    let status: JobStatus = ok ? 'succeeded' : 'failed';
    let why = ok ? null : describeOutcome(o);
    if (a.chiefDone && row.role === 'ps')
      [status, why] = ['succeeded', 'stopped after the master and workers ended'];
    else if (a.stopRequested && !endedBefore(o, a.stopRequestedAt))
      [status, why] = [
        'stopped',
        (a.stopReason ?? 'stopped by user') +
          // Not a clean stop: whatever it was writing when the grace period ran out was cut short. (A local
          // job's wrapper dies with it, so its ending is only "lost", past the grace period.)
          (o.signal === 'SIGKILL' ||
          o.exitCode === 137 ||
          (o.lost && Date.now() - (a.stopRequestedAt ?? Date.now()) >= this.opts.stopGraceMs)
            ? `; killed (SIGKILL) ${this.opts.stopGraceMs / 1000} s after its SIGTERM`
            : ''),
      ];
    else if (a.failure && !unwatched) [status, why] = ['stopped', `stopped after ${a.failure.name} failed`];
    else if (status === 'failed' && a.jobs.size) {
      // One replica failed: the experiment has failed; the others are stopped rather than waited for. (Another
      // that had failed by itself while no engine watched keeps its own failure; the first one is the reason.)
      if (!a.failure) {
        a.failure = { name, reason: why! };
        await this.stopJobs([...a.jobs.values()]);
      }
    } else if (status === 'succeeded' && !a.chiefDone && a.jobs.size) {
      // A parameter server never exits by itself: once the master and every worker ended, the rest are stopped.
      const left = [...a.jobs.values()];
      if (left.every((j) => j.name.startsWith('ps-'))) {
        a.chiefDone = true;
        await this.stopJobs(left);
      }
    }
    if (o.outputsKept) {
      // The outputs stayed where the job ran: the run has not succeeded until they are home (kept-outputs.ts).
      if (status === 'succeeded') [status, why] = ['failed', o.outputsKept];
      else why = why ? `${why}; ${o.outputsKept}` : o.outputsKept;
    }
    await this.settle(experimentId, {
      id: row.id,
      status,
      why,
      exitCode: o.exitCode,
      finishedAt: o.finishedAt ?? null,
      startedAt: o.startedAt ?? null,
    });
    // Recorded: only now may the backend remove what the job left (its container).
    const backend = this.opts.backends[a.backend];
    if (backend?.release)
      await backend
        .release({ handle, jobId: row.id })
        .catch((e) => log.warn(`job ${row.id}: ${(e as Error).message}`));
  }

  /**
   * When every job has ended: the experiment's status from its jobs (SPEC §2.1), outputs, cleanup. `ended` is
   * a job's own ending, not recorded yet: for a one-job experiment it is committed with the experiment's (one
   * transaction); with replicas it is committed first, so that two replicas ending at once both see it.
   */
  private async settle(
    experimentId: number,
    ended?: {
      id: number;
      status: JobStatus;
      why: string | null;
      exitCode: number | null;
      finishedAt: string | null;
      startedAt?: string | null;
    },
  ): Promise<void> {
    let jobs = await this.store.jobs.forExperiment(experimentId);
    let lastEnd: string | null = null;
    let lastStart: string | null = null;
    const record = (e: NonNullable<typeof ended>) =>
      this.lifecycle.job(e.id, e.status, e.why, e.exitCode, e.finishedAt, e.startedAt);
    if (ended && jobs.length > 1) {
      await record(ended);
      lastEnd = ended.finishedAt;
      lastStart = ended.startedAt ?? null;
      jobs = await this.store.jobs.forExperiment(experimentId);
      ended = undefined;
    } else if (ended)
      jobs = jobs.map((j) =>
        j.id === ended!.id && canTransition(j.status, ended!.status)
          ? {
              ...j,
              status: ended!.status,
              status_reason: ended!.why,
              exit_code: ended!.exitCode ?? j.exit_code,
            }
          : j,
      );
    const endJob = async () => {
      if (ended) await record(ended);
    };
    if (jobs.some((j) => !isDone(j.status))) return endJob();
    const a = this.active.get(experimentId);
    this.active.delete(experimentId);
    const x = await this.store.experiments.row(experimentId);
    if (isDone(x.status)) return endJob();
    const master = jobs[0];
    const failed = jobs.find((j) => j.status === 'failed');
    const stopped = a?.stopRequested && jobs.some((j) => j.status === 'stopped');
    let status = stopped
      ? 'stopped'
      : a?.failure
        ? 'failed'
        : (experimentStatusFromJobs(jobs.map((j) => j.status)) ?? 'failed');
    if (!isDone(status as JobStatus)) status = 'failed';
    // A stopped run whose outputs stayed in a pod says so, as a failed one does: it is what is still to fetch.
    const kept = jobs
      .map((j) => j.status_reason?.slice(Math.max(0, j.status_reason.indexOf(OUTPUTS_KEPT))))
      .filter((r) => r?.startsWith(OUTPUTS_KEPT));
    // Which replicas the grace period ran out on (their reason says they were killed).
    const killed = jobs.filter(
      (j) => j.status === 'stopped' && /; killed \(SIGKILL\)/.test(j.status_reason ?? ''),
    );
    const killedNote = !killed.length
      ? []
      : jobs.length === 1
        ? [`killed (SIGKILL) ${this.opts.stopGraceMs / 1000} s after its SIGTERM`]
        : [
            `${killed.map((j) => `${j.role}-${j.replica_index}`).join(', ')} killed (SIGKILL) ${this.opts.stopGraceMs / 1000} s after SIGTERM`,
          ];
    const reason = stopped
      ? [a!.stopReason ?? 'stopped by user', ...killedNote, ...kept].join('; ')
      : status === 'succeeded'
        ? null
        : a?.failure
          ? `${a.failure.name}: ${a.failure.reason}`
          : failed
            ? jobs.length > 1
              ? `${failed.role}-${failed.replica_index}: ${failed.status_reason}`
              : failed.status_reason
            : (master.status_reason ?? status);
    const files = x.outputs_dir ? await listFiles(x.outputs_dir) : [];
    const backend = this.opts.backends[x.backend];
    const run = runSpec(x);
    if (jobs.length > 1) await backend?.removeNetwork?.(experimentId, run).catch(() => undefined);
    await this.lifecycle.transaction(async (tx) => {
      if (ended)
        await tx.job(ended.id, ended.status, ended.why, ended.exitCode, ended.finishedAt, ended.startedAt);
      // The exit code shown is the master's, or that of the replica whose failure ended the experiment.
      const culprit = a?.failure && jobs.find((j) => `${j.role}-${j.replica_index}` === a.failure!.name);
      const shown = status === 'failed' ? culprit || failed || master : master;
      await this.store.experiments.update(experimentId, { exit_code: shown.exit_code });
      if (files.length) await this.store.outputs.recordIn(experimentId, files);
      // The end time the backend recorded (a pod's container state), not when this engine noticed.
      const finishedAt = ended?.finishedAt ?? lastEnd;
      // A run never seen running (it ran while no engine watched) still gets when it started, if known.
      const startedAt = ended?.startedAt ?? lastStart;
      await tx.experiment(
        experimentId,
        status as JobStatus,
        reason,
        a?.stopMessage ?? null,
        finishedAt,
        startedAt,
      );
    });
    this.opts.onFinished(experimentId, x.group_id);
  }

  /**
   * A run that waited for its turn (a sweep's later trials, a queue) runs the folder as it is when it starts,
   * not as it was when it was created: its git version is read again then (a commit, an edit meanwhile). Not
   * for uploaded code (it cannot change), and not for a run started within seconds of its creation. A folder
   * that is not a git repository is hashed again only where an image is built from it (`builds`: the build
   * walks it anyway, and the image holds the folder as it is now); a local run skips it (the hash can take
   * seconds on a large folder).
   */
  private async codeAtStart(x: ExperimentRow, builds: boolean): Promise<void> {
    if (uploadOf(x.code_path) || Date.now() - Date.parse(x.created_at) < CODE_REREAD_AFTER_MS) return;
    const had = await this.store.codeRefs.get(x.id);
    if (had?.kind !== 'git' && !(builds && had?.kind === 'hash')) return;
    const now = await this.codeNow(x.code_path);
    if (now?.kind !== had.kind || JSON.stringify(now) === JSON.stringify(had)) return;
    await this.store.codeRefs.replace(x.id, now);
  }

  /** A folder's code version read at most once a second: a sweep's trials that start together share it. */
  private codeNow(dir: string): Promise<CodeRef | null> {
    const t = Date.now();
    for (const [d, r] of this.codeReads) if (t - r.at >= CODE_READ_SHARED_MS) this.codeReads.delete(d);
    let r = this.codeReads.get(dir);
    if (!r) this.codeReads.set(dir, (r = { at: t, ref: snapshotCode(dir).catch(() => null) }));
    return r.ref;
  }

  /** A held stop that came before any job of the run was launched. */
  private stoppedBeforeStart(id: number, jobs: JobRow[], asked: { reason?: string; message?: string }) {
    return this.endBeforeStart(
      id,
      jobs,
      'stopped',
      asked.reason ?? 'stopped by user',
      asked.message ?? 'stopped before it started',
    );
  }

  /** Ends an experiment whose jobs never started (build failed, stopped while scheduled, no command). */
  private async endBeforeStart(
    experimentId: number,
    jobs: JobRow[],
    status: 'failed' | 'stopped',
    reason: string,
    message: string | null,
  ): Promise<void> {
    // Read again: rows given their own ending meanwhile (a replica skipped by a stop) keep it.
    const rows = await this.store.jobs.forExperiment(experimentId).catch(() => jobs);
    for (const j of rows) if (!isDone(j.status)) await this.lifecycle.job(j.id, status, reason);
    if (await this.lifecycle.experiment(experimentId, status, reason, message))
      this.opts.onFinished(experimentId);
  }

  /** Of experiments about to launch, those their backend cannot take now (capacity), with the reason. */
  async admit(xs: ExperimentRow[]): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    for (const [name, backend] of Object.entries(this.opts.backends)) {
      const mine = xs.filter((x) => x.backend === name);
      if (!backend.admit || !mine.length) continue;
      const asRun = (x: ExperimentRow) => ({
        experimentId: x.id,
        run: runSpec(x),
      });
      const active = (await this.store.experiments.rowsWithStatus([...ACTIVE])).filter(
        (x) => x.backend === name,
      );
      const held = await backend.admit(mine.map(asRun), active.map(asRun)).catch((e) => {
        log.warn(`${name}: capacity check failed (${e instanceof Error ? e.message : e}); launching`);
        return new Map<number, string>();
      });
      for (const [id, why] of held) out.set(id, why);
    }
    return out;
  }

  /** Graceful stop (SIGTERM, or docker stop), forced after the grace period; a build is cancelled. */
  async stop(experimentId: number, reason?: string, message?: string): Promise<boolean> {
    const build = this.building.get(experimentId);
    if (build) {
      build.abort();
      return true;
    }
    // Being launched: applied once every job of it is followed (applyingStops).
    if (this.launching.has(experimentId)) {
      // The first stop's reason stands (a later one, e.g. the launch's own clean-up, says less).
      const l = this.launching.get(experimentId)!;
      l.asked ??= { reason, message };
      if (!this.stopDeadlines.has(experimentId)) {
        const t = setTimeout(
          () => void this.inflight(() => this.stopDeadline(experimentId)),
          this.opts.stopWaitMs,
        );
        t.unref?.();
        this.stopDeadlines.set(experimentId, t);
      }
      return true;
    }
    const a = this.active.get(experimentId);
    if (!a || !a.jobs.size) return false;
    a.stopRequested = true;
    a.stopRequestedAt ??= Date.now();
    a.stopReason = reason;
    a.stopMessage = message;
    await this.stopJobs([...a.jobs.values()]);
    return true;
  }

  /** Every replica at once: one after another, a backend whose stop waits out the grace period (Docker's) sent
   *  the last replica its SIGTERM n × 10 s late, while it went on training (a new-user trial). */
  private async stopJobs(jobs: Array<{ job: RunningJob }>): Promise<void> {
    await Promise.all(jobs.map((j) => j.job.stop(this.opts.stopGraceMs)));
  }

  /** After a restart: every experiment the store thinks is active is re-attached or given its real ending. */
  async reattachAll(): Promise<void> {
    for (const x of await this.store.experiments.rowsWithStatus([...ACTIVE])) await this.reattachOne(x);
  }

  /** One experiment the store calls active: each of its jobs not followed yet is re-attached, given its
   *  ending, or (never started) launched. Also the recovery when a launch was interrupted by an error. */
  private async reattachOne(x: ExperimentRow): Promise<void> {
    const backend = this.opts.backends[x.backend];
    const followed = this.active.get(x.id)?.jobs;
    const jobs = (await this.store.jobs.forExperiment(x.id)).filter(
      (j) => !isDone(j.status) && !followed?.has(j.id),
    );
    let launchNeeded = (!jobs.length && !followed?.size) || !backend;
    const reattached: Array<{ row: JobRow; job: RunningJob }> = [];
    const ended: Array<{ row: JobRow; outcome: JobOutcome }> = [];
    for (const j of backend ? jobs : []) {
      let r: Awaited<ReturnType<Backend['reattach']>>;
      try {
        r = await backend!.reattach(recordedJob(x, j));
      } catch (e) {
        // Where the job lives cannot tell now: it stays as it is (never failed for that), and the rest of the
        // engine starts.
        const why = e instanceof Error ? e.message : String(e);
        log.warn(`experiment ${x.id}: ${j.role}-${j.replica_index} cannot be re-attached now: ${why}`);
        if (canTransition(j.status, 'unknown')) await this.lifecycle.job(j.id, 'unknown', why);
        if (canTransition(x.status, 'unknown')) await this.lifecycle.experiment(x.id, 'unknown', why);
        return;
      }
      if (r === null) launchNeeded = true;
      else if ('handle' in r) {
        log.debug(`re-attached ${j.role}-${j.replica_index} of experiment ${x.id}`);
        if (!j.pid && !j.external_id)
          await this.store.db.transaction(() => this.store.jobs.setHandle(j.id, r.handle));
        if (!r.onStatus && j.status !== 'running') await this.lifecycle.job(j.id, 'running');
        reattached.push({ row: j, job: r });
      } else ended.push({ row: j, outcome: r });
    }
    if (reattached.some(({ job }) => !job.onStatus) && x.status !== 'running')
      await this.lifecycle.experiment(x.id, 'running');
    for (const { row, job } of reattached) await this.track(x.id, x.backend, row, job);
    // The replicas that ended while no engine watched, once the live ones are followed: one that failed then
    // stops the others, as it would have with an engine (they were left running, waiting on a dead peer).
    // In the order they ended, so the first failure is the one the others are stopped for.
    const at = (o: JobOutcome) => (o.finishedAt ? Date.parse(o.finishedAt) : Infinity);
    ended.sort((p, q) => at(p.outcome) - at(q.outcome));
    for (const { row, outcome } of ended) {
      // Read the rest of its log, then record the real exit code.
      const follower = this.follower(x.id, row.id, row.log_path);
      await follower.start();
      await follower.finish();
      await this.jobEnded(x.id, row, outcome, this.entry(x.id, x.backend), jobHandle(row), true);
    }
    if (launchNeeded) {
      // The engine stopped between scheduling and spawning: nothing ran, so the launch is finished now.
      log.debug(`experiment ${x.id}: launch not finished; finishing it`);
      await this.inflight(() => this.applyingStops(x.id, () => this.start(x)));
    } else if (!reattached.length && !followed?.size) await this.settle(x.id);
  }

  private follower(experimentId: number, jobId: number, logPath: string, limit?: () => number): LogFollower {
    return new LogFollower(this.store, experimentId, jobId, logPath, {
      limit,
      onLog: (offset, nextOffset, text) =>
        this.events.emit('logs.appended', { experimentId, jobId, offset, nextOffset, text }),
      onMetrics: (points) => this.events.emit('metrics.appended', { experimentId, points }),
    });
  }

  /** Lets launches in flight finish, then stops following logs; the jobs keep running for the next engine. */
  async detachAll(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.pending]);
    const jobs = [...this.active.values()].flatMap((a) => [...a.jobs.values()]);
    for (const j of jobs) j.job.detach?.();
    await Promise.all(jobs.map((j) => j.follower.stop()));
    this.active.clear();
  }

  /** Waits for launches and endings in flight (tests, the CLI's in-process engine). */
  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}

/** Whether the job ended, by the backend's clock, at least a second before the stop was asked for (a pod's end
 *  time is to the second): then the stop came too late to matter, and the job keeps its own ending. */
function endedBefore(o: JobOutcome, stopAt: number | undefined): boolean {
  const end = o.finishedAt ? Date.parse(o.finishedAt) : NaN;
  return stopAt !== undefined && !Number.isNaN(end) && end + 1000 <= stopAt;
}
