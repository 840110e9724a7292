// The Docker backend: the experiment's image is built from its polyaxonfile's `build` section (builder/),
// each job is a container with Axon's labels, environment, outputs mount and resource limits, its log is
// copied into the run's log file (so metrics work as for local runs), and after an engine restart the
// containers are found again by label.
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import type {
  Backend,
  JobHandle,
  JobOutcome,
  JobResources,
  LaunchSpec,
  PrepareSpec,
  RunningJob,
} from '../backend';
import { containerResources as statsOf, type DockerStatsJson } from '../../monitor/docker-stats';
import { buildImage, defaultRepo } from '../../builder';
import { containerEnv, containerPythonPath, SDK_PYTHON } from '../../scheduler/job-env';
import { DockerConnection, withTimeout } from './connection';
import { wrappedCommand } from '../container-wrapper';
import { LogCopier } from '../log-copier';
import { copyAttachedLog, copyContainerLog } from './container-log';
import { containerResources } from './resources';

export const CONTAINER_OUTPUTS = '/axon/outputs';
export const CONTAINER_SDK = '/axon/sdk/python';

export interface DockerBackendOptions {
  home: string;
  /** Remove a finished container once its log is copied (its log file is kept either way). */
  removeFinished?: boolean;
  /** Who the files a run writes in its outputs belong to once it ends (`uid:gid`); default
   *  AXON_DOCKER_OUTPUTS_OWNER, else `folder`: the outputs folder's owner as the container sees it (the
   *  desktop user on a rootful Docker, root on a rootless one, where root is that user). */
  outputsOwner?: string;
}

/** A short stable id of an AXON_HOME, so two homes on one Docker engine never take each other's containers. */
export function homeId(home: string): string {
  return createHash('sha256').update(home).digest('hex').slice(0, 12);
}

export class DockerBackend implements Backend {
  readonly name = 'docker';
  readonly conn: DockerConnection;
  private readonly home: string;
  private readonly removeFinished: boolean;
  private readonly outputsOwner: string;
  private listing: { at: number; p: Promise<Docker.ContainerInfo[] | null> } | null = null;

  constructor(opts: DockerBackendOptions, conn = new DockerConnection()) {
    this.conn = conn;
    this.home = opts.home;
    this.outputsOwner = opts.outputsOwner ?? (process.env.AXON_DOCKER_OUTPUTS_OWNER || 'folder');
    this.removeFinished = opts.removeFinished ?? process.env.AXON_DOCKER_KEEP_CONTAINERS !== '1';
  }

  private get docker(): Docker {
    return this.conn.docker;
  }

  async availability() {
    const s = await this.conn.status();
    return { available: s.reachable, detail: s.detail };
  }

  private async reachable(): Promise<void> {
    const s = await this.conn.status(0);
    if (!s.reachable) throw new Error(`${s.detail}. Start Docker, or run with --backend local.`);
  }

  async prepare(spec: PrepareSpec): Promise<{ image: string }> {
    await this.reachable();
    const build = spec.run.build;
    if (!build || (!build.image && !build.dockerfile))
      throw new Error(
        'the docker backend needs a `build` section with an `image` or a `dockerfile` (SPEC §1.5)',
      );
    const repo = defaultRepo(spec.projectName);
    const r = await buildImage(this.docker, {
      build,
      codeDir: spec.codePath,
      repo,
      onOutput: spec.onOutput,
      signal: spec.signal,
      nocache: build.nocache,
    });
    spec.onOutput(`[axon] image ${r.tag}${r.cached ? ' (unchanged project: reused)' : ''}\n`);
    return { image: r.tag };
  }

  async launch(spec: LaunchSpec): Promise<RunningJob> {
    // `prepare` asked Docker moments ago; a Docker that went away since fails the create below, saying so.
    const s = await this.conn.status(10_000);
    if (!s.reachable) throw new Error(`${s.detail}. Start Docker, or run with --backend local.`);
    if (!spec.image) throw new Error('no image: prepare() did not run');
    // The host's own environment stays on the host; only the job's variables cross into the container.
    const wrapped = wrappedCommand(spec.cmd);
    const env = Object.entries({
      ...containerEnv(spec.env, spec.extraEnv),
      ...wrapped.env,
      AXON_OUTPUTS_PATH: CONTAINER_OUTPUTS,
      POLYAXON_RUN_OUTPUTS_PATH: CONTAINER_OUTPUTS,
      PYTHONPATH: containerPythonPath(CONTAINER_SDK, spec.run.build, spec.extraEnv),
      AXON_OUTPUTS_OWNER: this.outputsOwner,
    }).map(([k, v]) => `${k}=${v}`);
    // An image whose USER is not root writes its outputs too (the folder is the desktop user's, 0755); no other
    // user of this machine reaches it: the engine keeps AXON_HOME/runs at 0700 (a bind mount needs no access
    // to the folders above it).
    await fs.promises.chmod(spec.outputsDir, 0o777).catch(() => undefined);
    const container = await this.docker.createContainer({
      name: `axon-${homeId(this.home)}-${spec.experimentId}-${spec.role}-${spec.index}-${spec.jobId}`,
      Image: spec.image,
      // PID 1 is a wrapper that passes `docker stop`'s SIGTERM to the command's whole process group.
      Cmd: wrapped.command,
      WorkingDir: '/code',
      Env: env,
      Labels: {
        'axon.home': homeId(this.home),
        'axon.run': String(spec.experimentId),
        'axon.job': String(spec.jobId),
        'axon.group': spec.groupId === null ? '' : String(spec.groupId),
        'axon.role': spec.role,
        'axon.index': String(spec.index),
      },
      Hostname: spec.hostname,
      HostConfig: {
        Binds: [`${spec.outputsDir}:${CONTAINER_OUTPUTS}`, `${SDK_PYTHON}:${CONTAINER_SDK}:ro`],
        NetworkMode: spec.network,
        ...containerResources(spec.run.environment),
      },
      ...(spec.network
        ? { NetworkingConfig: { EndpointsConfig: { [spec.network]: { Aliases: [spec.hostname ?? ''] } } } }
        : {}),
    });
    // Attached before the start, as `docker run` is: the output is read as it is printed, where a log request
    // for a container that has just exited waits until Docker has finished the exit.
    const copier = new LogCopier(spec.logPath);
    const attach = copier.isFresh
      ? ((await container.attach({ stream: true, stdout: true, stderr: true })) as NodeJS.ReadableStream)
      : null;
    try {
      await container.start();
    } catch (e) {
      (attach as unknown as { destroy?(): void } | null)?.destroy?.();
      // A container that never started (a GPU request Docker cannot meet) would stay behind as `Created`.
      if (this.removeFinished) await container.remove({ force: true }).catch(() => undefined);
      if (/could not select device driver/.test((e as Error).message))
        throw new Error(
          `this Docker cannot give containers GPUs (${(e as Error).message.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim()}): ` +
            'the run asks for them (environment.resources.gpu). Install the NVIDIA Container Toolkit for ' +
            'Docker, or run it without GPUs',
          { cause: e },
        );
      throw e;
    }
    return this.follow(container, copier, attach);
  }

  async reattach(job: { handle: JobHandle; runDir: string; jobId: number; logPath: string }) {
    let container: Docker.Container;
    if (job.handle.container) container = this.docker.getContainer(job.handle.container);
    else {
      const found = await this.docker.listContainers({
        all: true,
        filters: { label: [`axon.home=${homeId(this.home)}`, `axon.job=${job.jobId}`] },
      });
      if (!found.length) return null; // never created: launching it now is safe
      container = this.docker.getContainer(found[0].Id);
    }
    let info: Docker.ContainerInspectInfo;
    try {
      info = await container.inspect();
    } catch {
      return {
        exitCode: null,
        signal: null,
        lost: true,
        reason: 'lost: the container is gone',
      } satisfies JobOutcome;
    }
    if (info.State.Running) return this.follow(container, new LogCopier(job.logPath), null);
    const copier = new LogCopier(job.logPath);
    await copyContainerLog(copier, container, false);
    return outcomeOf(await endedState(this.docker, container));
  }

  /** Removes a finished job's container once the runner has recorded its ending (Backend.release). */
  async release(job: { handle: JobHandle; jobId: number }): Promise<void> {
    if (!this.removeFinished) return;
    const ids = job.handle.container
      ? [job.handle.container]
      : (
          await this.docker.listContainers({
            all: true,
            filters: { label: [`axon.home=${homeId(this.home)}`, `axon.job=${job.jobId}`] },
          })
        ).map((c) => c.Id);
    for (const id of ids)
      await this.docker
        .getContainer(id)
        .remove({ force: true })
        .catch(() => undefined);
  }

  /** Copies the log while the container runs; `done` resolves once it stopped and every line is copied. */
  private follow(
    container: Docker.Container,
    copier: LogCopier,
    attach: NodeJS.ReadableStream | null,
  ): RunningJob {
    const copying = attach ? copyAttachedLog(copier, attach) : copyContainerLog(copier, container, true);
    // Detached (the engine closes), the wait is abandoned: this engine records nothing more, so nothing may
    // remove the container; the next engine reads its ending.
    const waiting = new AbortController();
    let stopAsked = false;
    let exitCode: number | null = null;
    const removed = (code: number | null): JobOutcome => ({
      exitCode: code ?? 137,
      signal: null,
      lost: false,
      reason: REMOVED_OUTSIDE,
    });
    const done = (async (): Promise<JobOutcome> => {
      const waited = (await container.wait({ abortSignal: waiting.signal })) as { StatusCode?: number };
      exitCode = waited?.StatusCode ?? null;
      await copying;
      // Docker ends a follow stream without its last message when that is a line with no newline (and an
      // attach stream may have been cut): read what is left from the cursor (lines already copied are
      // skipped). An attach stream that ran to its end held every byte.
      if (!copier.isDetached && !(attach && copier.completed))
        await copyContainerLog(copier, container, false);
      const info = await endedState(this.docker, container);
      const outcome = outcomeOf(info);
      return !stopAsked && (await removedOutside(container, info)) ? removed(outcome.exitCode) : outcome;
    })().catch((e: Error & { statusCode?: number }): JobOutcome =>
      // Gone once it ended, before its state was read: removed by someone else (Axon waits for its ending).
      exitCode !== null && e.statusCode === 404 && !stopAsked
        ? removed(exitCode)
        : { exitCode: null, signal: null, lost: true, reason: `lost: ${e.message}` },
    );
    return {
      handle: { container: container.id },
      done,
      confirmedLogSize: () => copier.confirmedSize(),
      detach: () => {
        copier.detach();
        waiting.abort();
      },
      // Docker's stop answers once the container has stopped (up to the grace period): not waited for, as the
      // interface asks, so the other replicas get their SIGTERM at the same moment.
      stop: async (graceMs) => {
        stopAsked = true;
        void container.stop({ t: Math.max(1, Math.ceil(graceMs / 1000)) }).catch(() => undefined);
      },
    };
  }

  /** `docker stats` of the job's container, one reading (the daemon includes the previous CPU reading). */
  async sample(handle: JobHandle): Promise<JobResources | null> {
    if (!handle.container) return null;
    try {
      const json = (await this.docker
        .getContainer(handle.container)
        .stats({ stream: false })) as DockerStatsJson;
      const r = statsOf(json);
      return {
        cpuPercent: r.cpuPercent,
        memoryBytes: r.memoryBytes,
        memoryLimitBytes: r.memoryLimitBytes,
        netRxBytes: r.netRxBytes,
        netTxBytes: r.netTxBytes,
        blockReadBytes: r.blockReadBytes,
        blockWriteBytes: r.blockWriteBytes,
      };
    } catch {
      return null;
    }
  }

  /** A deleted experiment's containers (kept ones, AXON_DOCKER_KEEP_CONTAINERS, or any an engine left) and
   *  network. Nothing when Docker does not answer (a delete never waits on it for long). */
  async remove(experimentId: number): Promise<void> {
    const all = await this.homeContainers();
    if (!all) return;
    const mine = all.filter((c) => c.Labels?.['axon.run'] === String(experimentId));
    for (const c of mine)
      await withTimeout(this.docker.getContainer(c.Id).remove({ force: true }), 10_000, 'no answer').catch(
        () => undefined,
      );
    await withTimeout(this.removeNetwork(experimentId), 10_000, 'no answer').catch(() => undefined);
  }

  /** This home's containers, one listing shared by the deletes of a project's or group's experiments. */
  private homeContainers(): Promise<Docker.ContainerInfo[] | null> {
    if (this.listing && Date.now() - this.listing.at < 2000) return this.listing.p;
    const p = (async () => {
      if (!(await this.conn.status()).reachable) return null;
      return withTimeout(
        this.docker.listContainers({ all: true, filters: { label: [`axon.home=${homeId(this.home)}`] } }),
        10_000,
        'no answer',
      ).catch(() => null);
    })();
    this.listing = { at: Date.now(), p };
    return p;
  }

  /** One user-defined network per distributed experiment: replicas reach each other by name. */
  async ensureNetwork(experimentId: number): Promise<string> {
    const name = `axon-${homeId(this.home)}-${experimentId}`;
    const found = await this.docker.listNetworks({ filters: { name: [name] } });
    if (!found.some((n) => n.Name === name))
      await this.docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        Labels: { 'axon.home': homeId(this.home), 'axon.run': String(experimentId) },
      });
    return name;
  }

  async removeNetwork(experimentId: number): Promise<void> {
    const name = `axon-${homeId(this.home)}-${experimentId}`;
    await this.docker
      .getNetwork(name)
      .remove()
      .catch(() => undefined);
  }
}

/**
 * The ended container's state. Docker records an out-of-memory kill apart from the exit: on cgroup v2 the OOM
 * event can land after `wait` has answered (seen once in CI under load; hashicorp/nomad#13119), and when it is
 * handled before the exit, Docker 20.10 can lose it from the state altogether (seen in CI: exit 137,
 * OOMKilled false). So a container killed by SIGKILL under a memory limit is read again for up to 2 s, then
 * Docker's own event log is asked whether it logged an `oom` for it.
 */
async function endedState(docker: Docker, container: Docker.Container): Promise<Docker.ContainerInspectInfo> {
  let info = await container.inspect();
  for (let i = 0; i < 20 && maybeOom(info); i++) {
    await new Promise((r) => setTimeout(r, 100));
    info = await container.inspect();
  }
  if (maybeOom(info) && (await loggedOom(docker, info))) info.State.OOMKilled = true;
  return info;
}

const REMOVED_OUTSIDE = 'the container was removed outside Axon while it ran (docker rm -f)';

/** A SIGKILLed container that is gone a moment later was removed by someone else (`docker rm -f`): Axon removes
 *  its containers only once their ending is recorded. Asked only of exit 137, for up to a second. */
async function removedOutside(
  container: Docker.Container,
  info: Docker.ContainerInspectInfo,
): Promise<boolean> {
  if (info.State.ExitCode !== 137 || info.State.OOMKilled) return false;
  for (let i = 0; i < 10; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const gone = await container.inspect().then(
      () => false,
      (e: { statusCode?: number }) => e.statusCode === 404,
    );
    if (gone) return true;
  }
  return false;
}

function maybeOom(info: Docker.ContainerInspectInfo): boolean {
  return !info.State.OOMKilled && info.State.ExitCode === 137 && !!info.HostConfig.Memory;
}

/** Whether Docker's event log holds an `oom` for the container since it started (it keeps the last 1,000). */
export async function loggedOom(docker: Docker, info: Docker.ContainerInspectInfo): Promise<boolean> {
  const started = Date.parse(info.State.StartedAt);
  if (Number.isNaN(started)) return false;
  try {
    const events = await docker.getEvents({
      since: Math.floor(started / 1000),
      until: Math.ceil(Date.now() / 1000) + 1,
      filters: { container: [info.Id], event: ['oom'] },
    });
    let text = '';
    events.on('data', (b: Buffer) => (text += b.toString()));
    await new Promise<void>((resolve, reject) => {
      events.on('end', resolve);
      events.on('error', reject);
      setTimeout(() => {
        (events as unknown as { destroy?(): void }).destroy?.();
        resolve();
      }, 5000).unref();
    });
    return text.includes('"oom"');
  } catch {
    return false;
  }
}

/** Exit code from the container state; OOMKilled says so with the limit. */
export function outcomeOf(info: Docker.ContainerInspectInfo): JobOutcome {
  const code = info.State.ExitCode;
  const at =
    info.State.FinishedAt && !info.State.FinishedAt.startsWith('0001')
      ? new Date(info.State.FinishedAt)
      : null;
  const began = Date.parse(info.State.StartedAt ?? '');
  const times = {
    ...(at && !Number.isNaN(at.getTime()) ? { finishedAt: at.toISOString() } : {}),
    ...(!Number.isNaN(began) && !info.State.StartedAt.startsWith('0001')
      ? { startedAt: new Date(began).toISOString() }
      : {}),
  };
  // A process of the container killed for memory while the command itself went on and exited 0 (it handled
  // its child's death) is a success, as on Kubernetes and locally.
  if (info.State.OOMKilled && code !== 0) {
    const limit = info.HostConfig.Memory
      ? ` (limit ${Math.round(info.HostConfig.Memory / 1024 / 1024)} MiB)`
      : '';
    return { exitCode: code, signal: null, lost: false, reason: `out of memory${limit}`, ...times };
  }
  return { exitCode: code, signal: null, lost: false, ...times };
}

export function dockerAvailable(): boolean {
  return fs.existsSync('/var/run/docker.sock') || !!process.env.DOCKER_HOST;
}
