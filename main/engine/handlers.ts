// The API methods, one function each, over the store, the runner and the queue.
import fs from 'node:fs';
import path from 'node:path';
import { ApiError, type ParsedInput, type MethodName, type Results, type RunCreated } from '../../shared/api';
import { ACTIVE, EXPERIMENT_STATUSES, canBeBest, isDone, isGroupDone } from '../../shared/statuses';
import { KEPT_POD_GONE } from './scheduler/kept-outputs';
import {
  parsePolyaxonfiles,
  renderExperiment,
  formatError,
  type ParsedSpec,
  type SpecError,
} from '../../shared/polyaxonfile';
import type { Engine } from './engine';
import type { Lifecycle } from './scheduler/lifecycle';
import { snapshotCode } from './code/snapshot';
import { uploadOf } from '../../shared/uploads';
import { eagerSuggestions, sampleSuggestion, searchErrors } from './sweeps/suggest';
import { ITERATIVE } from './sweeps/group-runner';
import { groupSweep } from './sweeps/view';
import { randomInt } from 'node:crypto';
import { groupMetric } from './store/groups';
import { jobHandle, type JobRow } from './store/jobs';
import type { JobInfo } from '../../shared/domain';
import { VERSION_INFO } from './version';
import { outputFiles, previewOutput } from './outputs-reader';
import { codeChangeNote, codeDiff } from './code/compare';
import { inspectFolder, projectSpecFiles } from './folders';
import { machineResources } from './monitor/proc';
import { sampleGpus } from './monitor/nvidia-smi';
import { makeClusterHandlers, resolveKubeTarget } from './handlers-clusters';
import { runSpec, type ExperimentRow } from './store/experiments';
import { removeRunFolders } from './run-files';
import type { KubernetesBackend } from './backends/kubernetes/kubernetes-backend';
import { checkSpec, imageProblems, kubernetesProblems, RUNNABLE_RUN_KINDS } from './spec-check';
import { changedRun, hasChanges, type RunChange } from './clone-changes';
import { makeTrackingHandlers } from './handlers-tracking';
import { makeDashboardHandlers } from './handlers-dashboard';
import { groupImportance, groupMetricCurves } from './sweeps/insights';
import type { AuthMethodName } from '../../shared/auth';

/** The auth methods are answered by `auth/handlers.ts`, which needs the caller, and `code.upload` by the
 *  engine (the caller's uploads folder, code/uploads.ts). */
export type Handlers = {
  [M in Exclude<MethodName, AuthMethodName | 'code.upload'>]: (input: ParsedInput<M>) => Promise<Results[M]>;
};

const LOG_TAIL_DEFAULT = 1024 * 1024;

async function jobInfo(j: JobRow): Promise<JobInfo> {
  const logBytes = await fs.promises.stat(j.log_path).then(
    (s) => s.size,
    () => 0,
  );
  return {
    id: j.id,
    role: j.role,
    index: j.replica_index,
    status: j.status,
    statusReason: j.status_reason,
    pid: j.pid,
    container: j.external_id && !j.external_id.startsWith('{') ? j.external_id : null,
    pod: podOf(j),
    exitCode: j.exit_code,
    startedAt: j.started_at,
    finishedAt: j.finished_at,
    logPath: j.log_path,
    logBytes,
  };
}

function podOf(j: JobRow): JobInfo['pod'] {
  const h = jobHandle(j);
  return h.pod ? { context: h.context!, namespace: h.namespace!, name: h.pod, node: h.node ?? null } : null;
}

function specError(errors: SpecError[]): ApiError {
  return new ApiError('invalid_spec', errors.map(formatError).join('\n'), errors);
}

function parse(files: Array<{ name: string; text: string }>, params: Record<string, string>): ParsedSpec {
  const r = parsePolyaxonfiles(files, { params });
  if (!r.ok) throw specError(r.errors);
  return r.value;
}

export function summarize(spec: ParsedSpec): Record<string, unknown> {
  const s: Record<string, unknown> = { kind: spec.kind, format: spec.format, params: spec.params };
  if (spec.runKind) s.runKind = spec.runKind;
  if (spec.framework) s.framework = spec.framework;
  if (spec.hptuning) {
    const h = spec.hptuning;
    s.algorithm = h.algorithm;
    s.concurrency = h.concurrency;
    s.matrix = Object.keys(h.matrix);
    if (h.nExperiments !== undefined) s.nExperiments = h.nExperiments;
    if (h.seed !== undefined) s.seed = h.seed;
    if (h.earlyStopping.length) s.earlyStopping = h.earlyStopping;
    const m = groupMetric(h);
    if (m) s.metric = m;
    if (h.warnings?.length) s.warnings = h.warnings;
  }
  return s;
}

export function makeHandlers(engine: Engine, lifecycle: Lifecycle): Handlers {
  const { store } = engine;

  async function projectFor(name: string | undefined, codePath: string) {
    const projectName =
      name ??
      (path
        .basename(codePath)
        .replace(/[^A-Za-z0-9_.-]/g, '-')
        .replace(/^[^A-Za-z0-9]+/, '')
        .slice(0, 64) ||
        'default');
    return store.projects.ensure(projectName, codePath);
  }

  async function clone(id: number, strategy: 'restart' | 'resume', change: RunChange = {}) {
    const x = await store.experiments.row(id);
    const original = await store.experiments.get(id);
    // Checked before anything else: a change with a mistake creates nothing and fetches nothing.
    const changedTo = hasChanges(change)
      ? changedRun(id, { raw: JSON.parse(x.spec_json), params: original.params, backend: x.backend }, change)
      : null;
    // Resuming a resume goes back to the original's outputs (SPEC §3.1).
    const outputsOwner =
      strategy === 'resume' && x.cloning_strategy === 'resume' && x.original_id
        ? await store.experiments.row(x.original_id)
        : x;
    // A resume continues in the outputs: never beside another run writing there, or queued to (two would
    // overwrite each other's checkpoints, the later one starting from a stale one).
    if (strategy === 'resume') {
      const active = EXPERIMENT_STATUSES.filter((s) => !isDone(s));
      const writing = await store.db.get<{ id: number; status: string }>(
        `SELECT id, status FROM experiments WHERE (id = ? OR (outputs_dir IS NOT NULL AND outputs_dir = ?))
           AND status IN (${active.map(() => '?').join(',')}) ORDER BY id LIMIT 1`,
        [outputsOwner.id, outputsOwner.outputs_dir ?? '', ...active],
      );
      if (writing)
        throw new ApiError(
          'conflict',
          `experiment ${writing.id} is ${writing.status} in the outputs folder a resume would continue in; ` +
            `stop it first (axon experiment -xp ${writing.id} stop), or restart instead (fresh outputs)`,
        );
    }
    // Those outputs still kept in a pod come home first, or it does not start.
    if (strategy === 'resume' && outputsOwner.outputs_dir)
      for (const kept of await engine.keptOutputs.keptFor(outputsOwner.outputs_dir)) {
        const problems = await engine.keptOutputs.now(kept);
        if (problems?.length)
          throw new ApiError(
            'conflict',
            `the outputs of experiment ${kept} are still kept in its pod (${problems.join('; ')}); a resume ` +
              `would start without them. Fetch them first (axon experiment -xp ${kept} fetch-outputs), or ` +
              'delete that pod to resume without them',
          );
      }
    // The new run uses the folder as it is now (only an upload cannot change): its code is read again, and a
    // change since the original ran is said (the original's version was recorded, though another one ran).
    const had = await store.codeRefs.get(id);
    const now =
      had && !uploadOf(x.code_path) && fs.existsSync(x.code_path)
        ? await snapshotCode(x.code_path).catch(() => null)
        : null;
    const code = now ?? had;
    const codeNote = had && now ? codeChangeNote(id, had, now) : null;
    // A run of a group that has ended runs on its own, as Polyaxon's restarts do: the queue starts a group's
    // experiments only while the group runs, and an ended search takes no new results.
    const group = x.group_id ? await store.groups.row(x.group_id) : null;
    // A run with changed params is not one of its search's suggestions: it runs on its own.
    const groupId =
      group && !changedTo && !isGroupDone(group.status) && group.status !== 'stopping' ? group.id : null;
    const newId = await store.db.transaction(async () => {
      const nid = await store.experiments.insert({
        projectId: x.project_id,
        groupId,
        name: x.name,
        backend: x.backend,
        cmd: changedTo ? changedTo.cmd : x.cmd,
        spec: changedTo ? changedTo.raw : JSON.parse(x.spec_json),
        params: changedTo ? changedTo.params : original.params,
        tags: original.tags,
        codePath: x.code_path,
        originalId: outputsOwner.id,
        cloningStrategy: strategy,
        // The run as it was: its build, resources, replicas and (Kubernetes) context and namespace.
        run: changedTo
          ? {
              ...runSpec(x),
              build: changedTo.build,
              environment: changedTo.environment,
              framework: changedTo.framework,
            }
          : x.run_json
            ? runSpec(x)
            : undefined,
      });
      if (strategy === 'resume' && outputsOwner.outputs_dir)
        await store.experiments.update(nid, { outputs_dir: outputsOwner.outputs_dir });
      if (code) await store.codeRefs.insert(nid, code);
      return nid;
    });
    void engine.queue.tick();
    const created = await store.experiments.get(newId);
    const warnings = [...(codeNote ? [codeNote] : []), ...(changedTo?.warnings ?? [])];
    return warnings.length ? { ...created, warnings } : created;
  }

  /** What deleted experiments' runs left: pods and services on their cluster (normally gone already once logs
   *  and outputs were taken), all at once, so an unreachable cluster costs one time limit, not one per run;
   *  then their folders: what is left of them (files another user owns) comes back as warnings. */
  async function removeExperiments(rows: ExperimentRow[]): Promise<{ deleted: true; warnings?: string[] }> {
    await Promise.all(
      rows.map((x) => engine.backends[x.backend]?.remove?.(x.id, runSpec(x)).catch(() => undefined)),
    );
    const left = await removeRunFolders(store.db, engine.home, rows);
    return left.length ? { deleted: true, warnings: left } : { deleted: true };
  }

  const handlers: Handlers = {
    ...makeClusterHandlers(engine),
    ...makeDashboardHandlers(engine),
    ...makeTrackingHandlers(engine),
    'system.info': async () => ({
      version: VERSION_INFO,
      home: engine.home,
      pid: process.pid,
      startedAt: engine.startedAt,
      backends: await Promise.all(
        Object.values(engine.backends).map(async (b) => ({ name: b.name, ...(await b.availability()) })),
      ),
    }),
    'projects.create': ({ name, description, codePath }) =>
      store.projects.create(name, description, codePath),
    'projects.list': () => store.projects.list(),
    'projects.get': ({ name }) => store.projects.get(name),
    'projects.files': async ({ name }) => projectSpecFiles((await store.projects.get(name)).codePath),
    'system.folder': ({ path: p }) => inspectFolder(p),
    'projects.delete': async ({ name }) => {
      const p = await store.projects.get(name);
      const active = (await store.experiments.list({ projectId: p.id, limit: 1_000_000 })).filter(
        (e) => !isDone(e.status),
      );
      if (active.length)
        throw new ApiError(
          'conflict',
          `project "${name}" has ${active.length} unfinished experiment(s); stop them first`,
        );
      const rows = await store.db.all<ExperimentRow>('SELECT * FROM experiments WHERE project_id = ?', [
        p.id,
      ]);
      await store.projects.delete(p.id);
      return removeExperiments(rows);
    },
    'runs.check': async ({ files, params, backend }) => {
      const r = parsePolyaxonfiles(files, { params });
      if (!r.ok) return { ok: false, errors: r.errors };
      const found = checkSpec(r.value, files, params, backend);
      const errors = [...searchErrors(r.value), ...found.errors];
      if (errors.length) return { ok: false, errors };
      const summary = summarize(r.value);
      if (found.experiments !== undefined) summary.experiments = found.experiments;
      if (found.command !== undefined) summary.command = found.command;
      const warnings = [...((summary.warnings as string[] | undefined) ?? []), ...found.warnings];
      if (warnings.length) summary.warnings = warnings;
      return { ok: true, kind: r.value.kind, summary };
    },
    'runs.create': async (input): Promise<RunCreated> => {
      const spec = parse(input.files, input.params);
      const found = checkSpec(spec, input.files, input.params);
      if (found.errors.length) throw specError(found.errors);
      if (!['experiment', 'job', 'group'].includes(spec.kind))
        throw new ApiError(
          'invalid_spec',
          `kind "${spec.kind}" cannot run on the ${input.backend} backend yet (it needs the Docker backend)`,
        );
      if (spec.runKind && !RUNNABLE_RUN_KINDS.includes(spec.runKind))
        throw new ApiError(
          'invalid_spec',
          `run.kind "${spec.runKind}" cannot run on the ${input.backend} backend yet`,
        );
      const target =
        input.backend === 'kubernetes'
          ? await resolveKubeTarget(engine.home, { context: input.context, namespace: input.namespace })
          : undefined;
      if (input.codePath === undefined)
        throw new ApiError(
          'invalid_input',
          'give codePath (a folder on this machine) or upload (code.upload)',
        );
      const codePath = path.resolve(input.codePath);
      if (!fs.existsSync(codePath))
        throw new ApiError('invalid_input', `code folder ${codePath} does not exist`);
      const search = spec.kind === 'group' ? spec.hptuning! : null;
      const searchErrs = search ? searchErrors(spec) : [];
      if (searchErrs.length) throw specError(searchErrs);
      // The seed the group uses, recorded in its state so the sweep can be replayed.
      const seed = search?.seed || randomInt(1, 2 ** 31 - 1);
      const iterative = !!search && ITERATIVE.has(search.algorithm);
      const suggestions = !search ? [{}] : iterative ? [] : eagerSuggestions(search, seed);
      // An iterative group is checked by rendering one sampled suggestion, as Polyaxon does.
      const toCheck = iterative ? [sampleSuggestion(search!, seed)] : suggestions;
      const rendered = toCheck.map((s) => {
        const r = renderExperiment(spec, s);
        if (!r.ok) throw specError(r.errors);
        if (!r.value.cmd)
          throw new ApiError(
            'invalid_spec',
            `${spec.files.join(', ')}: run.cmd is required to run an experiment`,
          );
        // What the backend would refuse is refused here, before anything is created, with where it was written.
        const errors = [
          ...imageProblems(spec, r.value.build, input.backend),
          ...(target ? kubernetesProblems(spec, r.value.environment) : []),
        ];
        if (errors.length) throw specError(errors);
        return r.value;
      });
      // Only a valid request reaches this point: nothing above created anything.
      const backend = engine.backends[input.backend];
      const availability = backend ? await backend.availability() : null;
      if (!availability?.available)
        throw new ApiError(
          'unavailable',
          `${availability?.detail ?? `no ${input.backend} backend`}: start it, or choose the local backend`,
        );
      const project = await projectFor(input.project, codePath);
      // Uploaded code comes with the version its sender read (the upload has no .git); else it is read here.
      const code = input.code ?? (await snapshotCode(codePath));
      const created = await store.db.transaction(async () => {
        const groupId =
          spec.kind === 'group'
            ? await store.groups.insert({
                projectId: project.id,
                name: input.name ?? spec.name ?? null,
                search: search!,
                spec,
                codePath,
                code,
                state: { seed },
                backend: input.backend,
                target,
              })
            : null;
        const ids: number[] = [];
        for (const r of iterative ? [] : rendered) {
          const id = await store.experiments.insert({
            projectId: project.id,
            groupId,
            name: groupId === null ? (input.name ?? spec.name ?? null) : null,
            backend: input.backend,
            cmd: r.cmd ?? null,
            spec: spec.raw,
            params: r.params,
            tags: spec.tags,
            codePath,
            run: { build: r.build, environment: r.environment, framework: r.framework, target },
          });
          await store.codeRefs.insert(id, code);
          ids.push(id);
        }
        return { groupId, ids };
      });
      if (created.groupId !== null) await lifecycle.group(created.groupId, 'running');
      void engine.queue.tick();
      const warnings = [...(spec.hptuning?.warnings ?? []), ...found.warnings];
      const told = warnings.length ? { warnings } : {};
      if (created.groupId !== null) {
        const group = await store.groups.toGroup(await store.groups.row(created.groupId));
        return {
          kind: 'group',
          group,
          experiments: await store.experiments.list({ groupId: created.groupId, limit: 1_000_000 }),
          ...told,
        };
      }
      return { kind: 'experiment', experiment: await store.experiments.get(created.ids[0]), ...told };
    },
    'experiments.list': async ({ project, groupId, status, limit }) => {
      const projectId = project ? (await store.projects.get(project)).id : undefined;
      return store.experiments.list({ projectId, groupId, status, limit });
    },
    'experiments.page': async ({ project, groupId, status, belowId, sort, offset, limit }) => {
      const projectId = (await store.projects.get(project)).id;
      return store.experiments.page({ projectId, groupId, status, belowId, sort, offset, limit });
    },
    'experiments.get': async ({ id }) => {
      const x = await store.experiments.get(id);
      const tracking = { consumedBytes: 0, malformedLines: 0 };
      const rows = await store.jobs.forExperiment(id);
      for (const j of rows) {
        const o = await store.metrics.offset(j.id);
        tracking.consumedBytes += o.consumed;
        tracking.malformedLines += o.malformed;
      }
      const jobs = await Promise.all(rows.map(jobInfo));
      return {
        ...x,
        code: await store.codeRefs.get(id),
        outputs: await outputFiles(store, await store.experiments.row(id)),
        tracking,
        jobs,
      };
    },
    'experiments.statuses': async ({ id }) => {
      await store.experiments.row(id);
      return store.statuses.history('experiment', id);
    },
    'experiments.metrics': async ({ id, keys }) => {
      await store.experiments.row(id);
      return store.metrics.series(id, keys);
    },
    'experiments.logs': async ({ id, job, offset, limit }) => {
      const x = await store.experiments.row(id);
      const jobs = await store.jobs.forExperiment(id);
      const row = job === undefined ? jobs[0] : jobs.find((j) => j.id === job);
      if (job !== undefined && !row)
        throw new ApiError(
          'not_found',
          `experiment ${id} has no job ${job} (its jobs: ${jobs.map((j) => j.id).join(', ') || 'none'})`,
        );
      const file = row?.log_path;
      const jobId = row?.id ?? 0;
      if (!file || !fs.existsSync(file))
        return { experimentId: id, jobId, offset, nextOffset: offset, text: '' };
      const size = (await fs.promises.stat(file)).size;
      const start = Math.min(offset, size);
      const len = Math.min(limit ?? LOG_TAIL_DEFAULT, size - start);
      const fh = await fs.promises.open(file, 'r');
      try {
        const buf = Buffer.alloc(len);
        await fh.read(buf, 0, len, start);
        return {
          experimentId: x.id,
          jobId,
          offset: start,
          nextOffset: start + len,
          text: buf.toString('utf8'),
        };
      } finally {
        await fh.close();
      }
    },
    'experiments.metricSeries': async ({ id, keys, maxPoints, fromStep, toStep }) => {
      await store.experiments.row(id);
      if (fromStep !== undefined && toStep !== undefined && fromStep > toStep)
        throw new ApiError('invalid_input', `fromStep (${fromStep}) must not be above toStep (${toStep})`);
      return store.metrics.downsampled(id, keys, maxPoints, { fromStep, toStep });
    },
    'system.machine': async () => {
      const m = machineResources();
      const gpus = await sampleGpus().catch(() => null);
      return {
        platform: process.platform,
        cpus: m.cpuCount,
        memoryBytes: m.totalMemoryBytes,
        freeMemoryBytes: m.freeMemoryBytes,
        gpus:
          gpus?.map((g) => ({
            index: g.index,
            name: g.name,
            utilizationPercent: g.utilizationPercent,
            memoryUsedBytes: g.memoryUsedBytes,
            memoryTotalBytes: g.memoryTotalBytes,
          })) ?? null,
      };
    },
    'experiments.resources': async ({ id, since }) => {
      await store.experiments.row(id);
      return store.resources.list(id, since);
    },
    'experiments.stop': async ({ id }) => {
      const x = await store.experiments.row(id);
      if (isDone(x.status)) return store.experiments.get(id);
      if (!(await engine.runner.stop(id))) await lifecycle.experiment(id, 'stopped', 'stopped by user');
      return store.experiments.get(id);
    },
    'experiments.fetchOutputs': async ({ id }) => {
      await store.experiments.row(id);
      const problems = await engine.keptOutputs.now(id);
      if (problems === null) {
        const x = await store.experiments.row(id);
        throw new ApiError(
          'conflict',
          !isDone(x.status)
            ? `experiment ${id} is ${x.status}: its outputs are copied home when it ends`
            : x.status_reason?.includes(KEPT_POD_GONE)
              ? `experiment ${id} has nothing left to fetch: ${KEPT_POD_GONE}, and its outputs were not copied home`
              : `experiment ${id} has no outputs kept anywhere: they are home`,
        );
      }
      // (conflict, not unavailable: the CLI reads unavailable as an engine it cannot reach)
      if (problems.length)
        throw new ApiError(
          'conflict',
          `the outputs of experiment ${id} are still not copied: ${problems.join('; ')}`,
        );
      return store.experiments.get(id);
    },
    'experiments.restart': ({ id, ...change }) => clone(id, 'restart', change),
    'experiments.resume': ({ id, ...change }) => clone(id, 'resume', change),
    'experiments.outputFile': ({ id, path: rel, maxBytes }) => previewOutput(store, id, rel, maxBytes),
    'experiments.codeDiff': ({ base, other }) => codeDiff(store, base, other),
    'experiments.events': async ({ id }) => {
      const x = await store.experiments.row(id);
      const k = engine.backends[x.backend] as Partial<KubernetesBackend> | undefined;
      if (!k?.podEvents) return [];
      const jobs = await store.jobs.forExperiment(id);
      return k.podEvents(jobs.map((j) => ({ job: `${j.role}-${j.replica_index}`, handle: jobHandle(j) })));
    },
    'clusters.axonPods': async ({ name }) => {
      const k = engine.backends.kubernetes as KubernetesBackend | undefined;
      const context = name ?? (await engine.call('clusters.kubeContexts', {})).contextInUse;
      if (!k || !context) throw new ApiError('not_found', 'no kube context is in use: name one');
      const list = await engine.call('clusters.kubeContexts', {});
      const own = list.contexts.find((c) => c.name === context)?.namespace;
      const namespaces = new Set(own ? [own] : []);
      for (const x of await store.experiments.rowsWithStatus([...ACTIVE])) {
        const t = runSpec(x).target;
        if (t?.context === context) namespaces.add(t.namespace);
      }
      return k.axonPods(context, [...namespaces]);
    },
    'experiments.update': async ({ id, name, tags }) => {
      const before = await store.experiments.get(id);
      await store.db.transaction(async () => {
        if (name !== undefined)
          await store.db.write('UPDATE experiments SET name = ? WHERE id = ?', [name.trim() || null, id]);
        if (tags !== undefined) {
          await store.db.write('DELETE FROM experiment_tags WHERE experiment_id = ?', [id]);
          for (const t of new Set(tags))
            await store.db.write('INSERT INTO experiment_tags (experiment_id, tag) VALUES (?, ?)', [id, t]);
        }
      });
      const experiment = await store.experiments.get(id);
      engine.events.emit('experiments.changed', { experiment, previous: before.status });
      return experiment;
    },
    'experiments.delete': async ({ id }) => {
      const x = await store.experiments.row(id);
      if (!isDone(x.status)) throw new ApiError('conflict', `experiment ${id} is ${x.status}; stop it first`);
      await store.experiments.delete(id);
      return removeExperiments([x]);
    },
    'groups.list': async ({ project }) => {
      const projectId = project ? (await store.projects.get(project)).id : undefined;
      return Promise.all((await store.groups.rows({ projectId })).map((r) => store.groups.toGroup(r)));
    },
    'groups.get': async ({ id }) => {
      const group = await store.groups.toGroup(await store.groups.row(id));
      const exps = await store.experiments.list({ groupId: id, limit: 1_000_000 });
      return { ...group, ranked: rank(exps, group.metric) };
    },
    'groups.experiments': async ({ id }) => {
      await store.groups.row(id);
      return (await store.experiments.list({ groupId: id, limit: 1_000_000 })).reverse();
    },
    'groups.stop': async ({ id, pending }) => {
      const g = await store.groups.row(id);
      if (g.status === 'done' || g.status === 'failed' || g.status === 'stopped')
        return store.groups.toGroup(g);
      if (pending) {
        await engine.endSearch(
          id,
          'stopped by user: its pending experiments; the running ones were let finish',
        );
        return store.groups.toGroup(await store.groups.row(id));
      }
      await lifecycle.group(id, 'stopping');
      for (const x of await store.experiments.list({ groupId: id, limit: 1_000_000 })) {
        if (isDone(x.status)) continue;
        if (!(await engine.runner.stop(x.id))) await lifecycle.experiment(x.id, 'stopped', 'group stopped');
      }
      await engine.queue.settleGroup(id);
      return store.groups.toGroup(await store.groups.row(id));
    },
    'groups.statuses': async ({ id }) => {
      await store.groups.row(id);
      return store.statuses.history('group', id);
    },
    'groups.delete': async ({ id }) => {
      const g = await store.groups.row(id);
      if (!isGroupDone(g.status))
        throw new ApiError(
          'conflict',
          `group ${id} is ${g.status}; stop it first (axon group -g ${id} stop)`,
        );
      const rows = await store.db.all<ExperimentRow>('SELECT * FROM experiments WHERE group_id = ?', [id]);
      await store.groups.delete(id);
      return removeExperiments(rows);
    },
    'groups.setConcurrency': async ({ id, concurrency }) => {
      await store.groups.row(id);
      await store.groups.setConcurrency(id, concurrency);
      await lifecycle.announceGroup(id);
      void engine.queue.tick();
      return store.groups.toGroup(await store.groups.row(id));
    },
    'groups.sweep': ({ id }) => groupSweep(store, id),
    'groups.importance': ({ id, metric }) => groupImportance(store, id, metric),
    'groups.metricCurves': ({ id, key, maxPoints }) => groupMetricCurves(store, id, key, maxPoints),
  };
  return handlers;
}

/** Best first by the group's metric (those that can be the best, canBeBest, before the others); experiments
 *  without it follow, by id. */
export function rank<T extends { id: number; status: string; lastMetrics: Record<string, number> }>(
  exps: T[],
  metric: { name: string; optimization: 'maximize' | 'minimize' } | null,
): T[] {
  const sorted = [...exps].sort((a, b) => a.id - b.id);
  if (!metric) return sorted;
  const sign = metric.optimization === 'maximize' ? -1 : 1;
  // Those that succeeded or still run first (the best is one of them, groups.best), then the rest by the metric.
  const counts = (x: T) => (canBeBest(x.status) ? 0 : 1);
  return sorted.sort((a, b) => {
    if (counts(a) !== counts(b)) return counts(a) - counts(b);
    const va = a.lastMetrics[metric.name];
    const vb = b.lastMetrics[metric.name];
    if (va === undefined && vb === undefined) return a.id - b.id;
    if (va === undefined) return 1;
    if (vb === undefined) return -1;
    return sign * (va - vb) || a.id - b.id;
  });
}
