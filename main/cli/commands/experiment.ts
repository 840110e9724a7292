// `axon experiment -xp ID get|logs|statuses|metrics|stop|restart|resume|outputs|fetch-outputs|delete`
import type { Command } from 'commander';
import type { AxonApi } from '../../../shared/api';
import { COPYING_OUTPUTS, isDone, OUTPUTS_KEPT } from '../../../shared/statuses';
import { uploadOf } from '../../../shared/uploads';
import { fmtStatus, fmtValue, parseParams, printJson, printTable, UsageError } from '../format';
import { readSpecFiles } from '../files';
import { attachExperiment, finishRun, logPrinter, survivingEngineLoss } from './run';
import type { Runner } from './types';
import { registerOutputs } from './outputs';
import { formatBytes } from '../../../shared/bytes';
import { experimentIdOf } from '../ids';

/** A point's time as ISO 8601; one no date can hold (written before such were refused) as its number. */
const when = (ts: number) => {
  const d = new Date(ts * 1000);
  return Number.isNaN(d.getTime()) ? String(ts) : d.toISOString();
};

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** `lr 0.1 → 0.2, epochs 10 → 20`: what a changed restart runs with that the run did not. */
export function paramChanges(before: Record<string, unknown>, after: Record<string, unknown>): string {
  const show = (v: unknown) => (v === undefined ? '(none)' : fmtValue(v));
  return [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .map((k) => `${k} ${show(before[k])} → ${show(after[k])}`)
    .join(', ');
}

export function registerExperiment(program: Command, run: Runner): void {
  const exp = program
    .command('experiment')
    .description('inspect and control one experiment')
    .option(
      '-x, --experiment <id>',
      'the experiment id (Polyaxon spelling -xp works too); default: the newest of the linked project',
    );

  exp
    .command('get')
    .description('status, params, metrics and code version')
    .option('--json', 'JSON output')
    .action((o, cmd) =>
      run(async (api: AxonApi) => {
        const x = await api.call('experiments.get', { id: await experimentIdOf(cmd, api) });
        if (o.json) return printJson(x);
        const c = x.code;
        const rows: Array<[string, string]> = [
          ['id', String(x.id)],
          ...(x.name ? [['name', x.name] as [string, string]] : []),
          ['project', x.projectName],
          ['group', x.groupId === null ? '' : String(x.groupId)],
          ['status', fmtStatus(x.status) + (x.statusReason ? ` (${x.statusReason})` : '')],
          ['backend', x.backend],
          ['command', x.cmd ?? ''],
          ['folder', uploadOf(x.codePath) ? `uploaded with the run (kept in ${x.codePath})` : x.codePath],
          ['created', x.createdAt],
          ['started', x.startedAt ?? ''],
          ['finished', x.finishedAt ?? ''],
          ['exit code', x.exitCode === null ? '' : String(x.exitCode)],
        ];
        // A shared engine keeps its folders to itself (empty for all but its owner and superusers).
        if (x.runDir) rows.push(['run folder', x.runDir]);
        if (x.originalId) rows.push([x.cloningStrategy ?? 'clone of', `of experiment ${x.originalId}`]);
        if (c?.kind === 'git')
          rows.push(
            ['git commit', `${c.commit ?? '(no commits)'}${c.dirty ? ' (dirty)' : ''}`],
            ['git branch', c.branch ?? ''],
            ['git remote', c.remote ?? ''],
            [
              'uncommitted diff',
              c.diff
                ? `${Buffer.byteLength(c.diff)} bytes${c.diffTruncated ? ' (truncated at 1 MiB)' : ''}`
                : 'none',
            ],
          );
        else if (c) rows.push(['code hash', `${c.contentHash} (${c.fileCount} files; not a git repository)`]);
        if (x.outputs.length)
          rows.push([
            'outputs',
            `${x.outputs.length} files, ${x.outputs.reduce((n, f) => n + f.size, 0)} bytes`,
          ]);
        if (x.jobs.some((j) => j.statusReason?.includes(OUTPUTS_KEPT)))
          rows.push([
            'kept outputs',
            `still in the run's pod; Axon tries again by itself, or now: axon experiment -xp ${x.id} fetch-outputs`,
          ]);
        if (x.tracking.malformedLines)
          rows.push(['malformed metric lines', `${x.tracking.malformedLines} (kept in the log)`]);
        if (x.jobs.length > 1)
          for (const j of x.jobs)
            rows.push([
              `job ${j.role}-${j.index}`,
              fmtStatus(j.status) +
                (j.statusReason ? ` (${j.statusReason})` : '') +
                (j.exitCode === null ? '' : `, exit ${j.exitCode}`),
            ]);
        for (const j of x.jobs)
          if (j.pod)
            rows.push([
              `pod ${j.role}-${j.index}`,
              `${j.pod.name} in ${j.pod.context}/${j.pod.namespace}${j.pod.node ? ` on node ${j.pod.node}` : ''}`,
            ]);
        for (const [k, v] of Object.entries(x.params)) rows.push([`param ${k}`, fmtValue(v)]);
        for (const [k, v] of Object.entries(x.lastMetrics)) rows.push([`metric ${k}`, fmtValue(v)]);
        if (x.tags.length) rows.push(['tags', x.tags.join(', ')]);
        printTable(['field', 'value'], rows);
      }),
    );

  exp
    .command('logs')
    .description('print the log; -f follows it')
    .option('-f, --follow', 'follow until the run ends')
    .option('--past', "Polyaxon's flag for the log so far: what logs prints without -f")
    .option('--raw', 'keep the metric protocol lines')
    .option(
      '--json',
      'JSON: {experiment, job, replica, lines}; with -f, one JSON object per line, then the status',
    )
    .option(
      '--replica <name>',
      'the log of one replica of a distributed run, e.g. worker-1 (default: master-0)',
    )
    .action((o, cmd) =>
      run(
        async (api: AxonApi, { reconnect }) => {
          const id = await experimentIdOf(cmd, api);
          let job: number | undefined;
          const { jobs } = await api.call('experiments.get', { id });
          const names = jobs.map((j) => `${j.role}-${j.index}`);
          if (o.replica) {
            job = jobs[names.indexOf(o.replica)]?.id;
            if (job === undefined)
              throw new UsageError(
                `experiment ${id} has no replica ${o.replica}; its replicas: ${names.join(', ') || 'none yet'}`,
              );
          }
          if (o.follow) {
            const jsonLines = (lines: string[]) =>
              process.stdout.write(
                lines.map((line) => JSON.stringify({ experiment: id, line })).join('\n') + '\n',
              );
            const state = {
              printer: logPrinter(o.raw, o.json ? jsonLines : undefined),
              printed: 0,
              master: job,
            };
            const x = await survivingEngineLoss(api, reconnect, (a) =>
              attachExperiment(a, id, { json: false, quiet: !!o.json, showProtocol: o.raw, state }),
            );
            if (o.json) printJson({ experiment: id, status: x.status, statusReason: x.statusReason });
            return x.status === 'succeeded' ? 0 : 1;
          }
          const all: string[] = [];
          const printer = logPrinter(o.raw, o.json ? (lines) => all.push(...lines) : undefined);
          let jobId = job;
          for (let offset = 0; ;) {
            const c = await api.call('experiments.logs', { id, job, offset });
            jobId ??= c.jobId || undefined;
            if (c.nextOffset <= offset) break;
            printer.write(c.text);
            offset = c.nextOffset;
          }
          printer.end();
          if (o.json)
            printJson({
              experiment: id,
              job: jobId ?? null,
              replica: jobId === undefined ? null : names[jobs.findIndex((j) => j.id === jobId)],
              lines: all,
            });
        },
        { work: !!o.follow },
      ),
    );

  exp
    .command('statuses')
    .description('every status change with time and reason')
    .option('--json', 'JSON output')
    .action((o, cmd) =>
      run(async (api: AxonApi) => {
        const s = await api.call('experiments.statuses', { id: await experimentIdOf(cmd, api) });
        if (o.json) return printJson(s);
        printTable(
          ['status', 'at', 'reason', 'message'],
          s.map((r) => [fmtStatus(r.status), r.at, r.reason, r.message]),
        );
      }),
    );

  exp
    .command('events')
    .description("Kubernetes: the events of the experiment's pods (scheduling, image pulls, kills)")
    .option('--json', 'JSON output')
    .action((o, cmd) =>
      run(async (api: AxonApi) => {
        const ev = await api.call('experiments.events', { id: await experimentIdOf(cmd, api) });
        if (o.json) return printJson(ev);
        printTable(
          ['replica', 'last seen', 'type', 'reason', 'count', 'message'],
          ev.map((e) => [e.job, e.lastSeen ?? '', e.type, e.reason, String(e.count), e.message]),
        );
      }),
    );

  exp
    .command('metrics')
    .description('the metric series')
    .option('--json', 'JSON output')
    .option('-k, --key <key...>', 'only these metrics')
    .action((o, cmd) =>
      run(async (api: AxonApi) => {
        const pts = await api.call('experiments.metrics', {
          id: await experimentIdOf(cmd, api),
          keys: o.key,
        });
        if (o.json) return printJson(pts);
        printTable(
          ['metric', 'step', 'value', 'time'],
          pts.map((p) => [p.key, p.step, fmtValue(p.value), when(p.ts)]),
        );
      }),
    );

  exp
    .command('resources')
    .description('CPU, memory, network, block I/O and GPU samples of its jobs')
    .option('-g, --gpu', "GPU figures only (Polyaxon's resources -g)")
    .option('--json', 'JSON output')
    .action((o, cmd) =>
      run(async (api: AxonApi) => {
        const id = await experimentIdOf(cmd, api);
        const samples = await api.call('experiments.resources', { id });
        if (o.json)
          return printJson(
            o.gpu ? samples.map((s) => ({ ts: s.ts, jobId: s.jobId, gpus: s.gpus ?? [] })) : samples,
          );
        if (o.gpu) {
          const rows = samples.flatMap((s) =>
            (s.gpus ?? []).map((g) => [
              when(s.ts),
              s.jobId,
              `${g.index} ${g.name}`,
              g.utilizationPercent ?? '',
              g.memoryUsedBytes === null ? '' : formatBytes(g.memoryUsedBytes),
              g.memoryTotalBytes === null ? '' : formatBytes(g.memoryTotalBytes),
            ]),
          );
          if (!rows.length)
            process.stdout.write(`experiment ${id}: no GPU samples (none seen on its jobs)\n`);
          else printTable(['time', 'job', 'gpu', 'utilization %', 'memory used', 'memory'], rows);
          return;
        }
        if (!samples.length) {
          process.stdout.write(`experiment ${id}: no resource samples (none taken while its jobs ran)\n`);
          return;
        }
        // Each job by its replica's name (master-0, worker-1), as logs --replica takes it.
        const replica = new Map(
          (await api.call('experiments.get', { id })).jobs.map((j) => [j.id, `${j.role}-${j.index}`]),
        );
        const mb = (b: number | null) => (b === null ? '' : `${(b / 1024 / 1024).toFixed(1)} MiB`);
        printTable(
          ['time', 'replica', 'cpu %', 'memory', 'memory limit', 'net rx/tx', 'block r/w', 'gpus'],
          samples.map((s) => [
            when(s.ts),
            replica.get(s.jobId) ?? `job ${s.jobId}`,
            s.cpuPercent === null ? '' : s.cpuPercent.toFixed(1),
            mb(s.memoryBytes),
            mb(s.memoryLimitBytes),
            s.netRxBytes === null ? '' : `${mb(s.netRxBytes)} / ${mb(s.netTxBytes)}`,
            s.blockReadBytes === null ? '' : `${mb(s.blockReadBytes)} / ${mb(s.blockWriteBytes)}`,
            s.gpus?.map((g) => `${g.index}:${g.utilizationPercent ?? '?'}%`).join(' ') ?? '',
          ]),
        );
      }),
    );

  exp
    .command('stop')
    .description('stop it (SIGTERM, then SIGKILL after the grace period)')
    .option('-y, --yes', "Polyaxon's no-prompt flag: accepted (Axon does not ask)")
    .option('--json', 'JSON output')
    .action((o, cmd) =>
      run(
        async (api: AxonApi, { reconnect }) => {
          const id = await experimentIdOf(cmd, api, 'stop it');
          let x = await api.call('experiments.stop', { id });
          if (!isDone(x.status)) {
            if (!o.json)
              process.stderr.write(
                x.status === 'unknown'
                  ? `[axon] stopping experiment ${id}: its cluster does not answer now, so the stop is made once it does; waiting (Ctrl-C ends only this wait)…\n`
                  : x.status === 'running' && x.statusReason?.startsWith(COPYING_OUTPUTS)
                    ? `[axon] stopping experiment ${id}: its command has ended and its outputs are being copied home; waiting for that…\n`
                    : x.status === 'running'
                      ? `[axon] stopping experiment ${id}: SIGTERM sent, SIGKILL after the grace period; waiting for it to end…\n`
                      : `[axon] stopping experiment ${id}: it is ${x.status}, not running yet, so it is cancelled; waiting for it to end…\n`,
              );
            x = await survivingEngineLoss(api, reconnect, (a) => attachExperiment(a, id, { json: true }));
          }
          if (o.json) return printJson(x);
          process.stdout.write(`experiment ${id}: ${fmtStatus(x.status)}\n`);
        },
        { work: true },
      ),
    );

  for (const verb of ['restart', 'resume'] as const)
    exp
      .command(verb)
      .description(
        verb === 'restart'
          ? 'run it again as a new experiment with fresh outputs'
          : 'run it again as a new experiment that continues in the same outputs folder',
      )
      .option('-P, --param <name=value>', 'run it with this param changed (repeatable)', collect)
      .option(
        '-f, --file <file>',
        "a polyaxonfile merged over the run's own (later wins; repeatable), as Polyaxon's override file",
        collect,
      )
      .option('--detach', 'do not wait for the new run')
      .option('--json', 'JSON output')
      .addHelpText(
        'after',
        `\nThe run's own params stay (a sweep's values included) except those -P or -f change; a changed run of a
sweep runs on its own. Example: axon experiment -xp 7 ${verb} -P epochs=20`,
      )
      .action((o, cmd) =>
        run(
          async (api: AxonApi, { reconnect }) => {
            const from = await api.call('experiments.get', { id: await experimentIdOf(cmd, api) });
            const params = parseParams(o.param as string[] | undefined);
            const files = o.file ? readSpecFiles(o.file as string[]) : undefined;
            const changed = Object.keys(params).length > 0 || !!files;
            const x = await api.call(`experiments.${verb}`, {
              id: from.id,
              ...(changed ? { params, files } : {}),
            });
            // The engine keeps a restart in its group only while the group runs, and unchanged.
            const alone =
              from.groupId === null || x.groupId !== null
                ? ''
                : changed
                  ? `; changed, it runs on its own, not as one of group ${from.groupId}'s trials`
                  : `; group ${from.groupId} has ended, so it runs on its own`;
            if (!o.json) {
              process.stderr.write(`[axon] experiment ${x.id} created (${verb} of ${from.id}${alone})\n`);
              const diff = paramChanges(from.params, x.params);
              if (diff) process.stderr.write(`[axon] params changed: ${diff}\n`);
              for (const w of x.warnings ?? []) process.stderr.write(`axon: warning: ${w}\n`);
            }
            if (o.detach) return o.json ? printJson(x) : undefined;
            return finishRun(api, { kind: 'experiment', experiment: x }, !!o.json, reconnect);
          },
          { work: true },
        ),
      );

  exp
    .command('jobs')
    .description('its jobs: one, or one per replica of a distributed run (master first)')
    .option('--json', 'JSON output')
    .action((o, cmd) =>
      run(async (api: AxonApi) => {
        const x = await api.call('experiments.get', { id: await experimentIdOf(cmd, api) });
        if (o.json) return printJson(x.jobs);
        printTable(
          ['job', 'replica', 'status', 'where', 'exit code', 'started', 'finished'],
          x.jobs.map((j) => [
            j.id,
            `${j.role}-${j.index}`,
            fmtStatus(j.status) + (j.statusReason ? ` (${j.statusReason})` : ''),
            j.pod
              ? `pod ${j.pod.name}`
              : j.container
                ? `container ${j.container.slice(0, 12)}`
                : j.pid
                  ? `pid ${j.pid}`
                  : '',
            j.exitCode ?? '',
            j.startedAt ?? '',
            j.finishedAt ?? '',
          ]),
        );
      }),
    );

  exp
    .command('update')
    .description("rename it or set its tags (Polyaxon's experiment update)")
    .option('--name <name>', 'its new name ("" for none)')
    .option('--tags <tags>', 'its tags, comma-separated, replacing the ones it has ("" for none)')
    .option('--json', 'JSON output')
    .action((o, cmd) =>
      run(async (api: AxonApi) => {
        if (o.name === undefined && o.tags === undefined) throw new UsageError('give --name and/or --tags');
        const tags =
          o.tags === undefined
            ? undefined
            : String(o.tags)
                .split(',')
                .map((t) => t.trim())
                .filter(Boolean);
        const x = await api.call('experiments.update', {
          id: await experimentIdOf(cmd, api),
          ...(o.name !== undefined ? { name: String(o.name) } : {}),
          ...(tags ? { tags } : {}),
        });
        if (o.json) return printJson(x);
        process.stdout.write(
          `experiment ${x.id}: name ${x.name ? `"${x.name}"` : '(none)'}, tags ${x.tags.length ? x.tags.join(', ') : '(none)'}\n`,
        );
      }),
    );

  registerOutputs(exp, run);

  exp
    .command('fetch-outputs')
    .description('copy home now the outputs kept in its pod (Axon also tries again by itself)')
    .option('--json', 'JSON output')
    .action((o, cmd) =>
      run(async (api: AxonApi) => {
        const id = await experimentIdOf(cmd, api);
        const x = await api.call('experiments.fetchOutputs', { id });
        if (o.json) return printJson(x);
        process.stdout.write(`experiment ${id}: outputs copied home; ${fmtStatus(x.status)}\n`);
      }),
    );

  exp
    .command('delete')
    .description('delete it, with its logs and outputs')
    .action((_o, cmd) =>
      run(async (api: AxonApi) => {
        const id = await experimentIdOf(cmd, api, 'delete it');
        const r = await api.call('experiments.delete', { id });
        process.stdout.write(`experiment ${id} deleted\n`);
        for (const w of r.warnings ?? []) process.stderr.write(`axon: warning: ${w}\n`);
      }),
    );
}
