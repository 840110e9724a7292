// The `axon` command line. Mirrors Polyaxon's CLI where it fits (SPEC §3).
import { Command, CommanderError, Option } from 'commander';
import pc from 'picocolors';
import type { AxonApi } from '../../shared/api';
import { ApiError, toApiError } from '../../shared/api-errors';
import { formatError } from '../../shared/polyaxonfile/errors';
import type { SpecError } from '../../shared/polyaxonfile';
import { drawsFromSeed } from '../../shared/polyaxonfile/search';
import { EXPERIMENT_STATUSES } from '../../shared/statuses';
import { connect, type Connection } from './connect';
import { engineLogPath } from './background';
import { codeFolder, linkedProject, readSpecFiles } from './files';
import { runCode } from './code-upload';
import { defaultProjectName } from '../engine/auth/authorize';
import { remoteServer } from './remote';
import { fmtStatus, fmtValue, parseParams, printJson, printTable, UsageError, waitingNotes } from './format';
import { announce, finishRun } from './commands/run';
import { registerExperiment } from './commands/experiment';
import { registerGroup } from './commands/group';
import { registerProject } from './commands/project';
import { registerContext } from './commands/context';
import { serveCommand } from './commands/serve';
import { registerLogin } from './commands/login';
import { registerUser } from './commands/user';
import { registerOrg } from './commands/org';
import { LockedError } from '../engine/home';
import { VERSION_INFO } from '../engine/version';
import type { Runner } from './commands/types';

export const EXIT = { ok: 0, runFailed: 1, usage: 2, engine: 3, interrupted: 130 } as const;

const EXIT_HELP = `
Exit codes:
  0    success (for run and logs -f: the run succeeded)
  1    the run failed or was stopped, or the engine refused the request
  2    usage error or an invalid polyaxonfile
  3    the engine could not start or be reached (AXON_HOME locked, database unreadable)
  130  interrupted (Ctrl-C); runs keep going and the next engine re-attaches them

Environment:
  AXON_HOME  where Axon keeps its database, logs and outputs (default ~/.axon)
  KUBECONFIG kubeconfig files that axon context reads (':'-separated; default ~/.kube/config); never written`;

function fail(e: unknown): number {
  if (e instanceof UsageError || e instanceof CommanderError) {
    process.stderr.write(`axon: ${e.message}\n`);
    return EXIT.usage;
  }
  if (e instanceof LockedError || (e as Error)?.name === 'StoreError') {
    process.stderr.write(`axon: ${(e as Error).message}\n`);
    return EXIT.engine;
  }
  const err = toApiError(e);
  if (err.code === 'invalid_spec') {
    const details = err.details as SpecError[] | undefined;
    const lines =
      Array.isArray(details) && details.length && typeof details[0] === 'object' && 'line' in details[0]
        ? details.map(formatError)
        : [err.message];
    process.stderr.write(lines.map((l) => `axon: ${l}`).join('\n') + '\n');
    return EXIT.usage;
  }
  if (err.code === 'invalid_input') {
    process.stderr.write(`axon: ${err.message}\n`);
    return EXIT.usage;
  }
  if (err.code === 'unavailable') {
    process.stderr.write(`axon: ${err.message}\n`);
    return EXIT.engine;
  }
  if (err.code === 'unauthorized') {
    // The session ended (12 h, a logout elsewhere) or the token was revoked: say how to go on.
    let server: string | null = null;
    try {
      server = remoteServer()?.url ?? null;
    } catch {
      /* not signed in anywhere: the message says so already */
    }
    process.stderr.write(`axon: ${err.message}${server ? `; sign in again: axon login ${server}` : ''}\n`);
    return EXIT.runFailed;
  }
  process.stderr.write(`axon: ${err.message}\n`);
  if (err.code === 'internal' && process.env.AXON_DEBUG && e instanceof Error)
    process.stderr.write(`${e.stack}\n`);
  return EXIT.runFailed;
}

/** A whole number ≥ 1 given to an option, or a usage error naming the option. */
function positiveInt(text: string, option: string): number {
  if (!/^\d+$/.test(String(text)) || Number(text) < 1)
    throw new UsageError(`${option} takes a whole number ≥ 1, got "${text}"`);
  return Number(text);
}

// `axon ps | head`: the reader went away; that ends the command quietly, without a stack trace.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });

let active: Connection | null = null;

const run: Runner = async (body, opts = {}) => {
  let code: number = EXIT.ok;
  const reconnect = async () => {
    const old = active;
    active = null;
    await old?.close().catch(() => undefined);
    active = await connect({ work: true });
    return active.api;
  };
  try {
    active = await connect({ work: opts.work, serve: opts.work, kube: opts.kube || opts.work });
    const r = await body(active.api, {
      reconnect: active.client ? reconnect : undefined,
      url: active.url ?? undefined,
    });
    if (typeof r === 'number') code = r;
  } catch (e) {
    code = fail(e);
  } finally {
    await active?.close().catch(() => undefined);
    active = null;
  }
  process.exitCode = code;
};

process.on('SIGINT', () => {
  process.stderr.write(
    `\n${pc.dim('[axon] interrupted; the runs go on, a sweep included (see `axon ps`; `axon experiment -xp ID stop` or `axon group -g ID stop` ends them).')}\n`,
  );
  const conn = active;
  active = null;
  void (conn?.close() ?? Promise.resolve()).finally(() => process.exit(EXIT.interrupted));
});

const program = new Command('axon')
  .description(
    'Run machine-learning experiments from your desk: projects, experiments, sweeps, logs and metrics.',
  )
  .version(VERSION_INFO)
  .addHelpText('after', EXIT_HELP)
  .showSuggestionAfterError()
  .exitOverride();

const collect = (v: string, prev: string[] = []) => [...prev, v];

const BACKENDS = ['local', 'docker', 'kubernetes'];
/** `--backend`, its value checked by commander ("Allowed choices are local, docker, kubernetes"). */
const backendOption = (description: string, byDefault?: string) => {
  const o = new Option('--backend <name>', description).choices(BACKENDS);
  return byDefault ? o.default(byDefault) : o;
};

/** What `axon check` calls the rendered command: a group's first experiment's, which is only an example when
 *  its suggestions are drawn and no seed fixes them (each run then draws its own seed). */
function commandLabel(kind: string, summary: Record<string, unknown>): string {
  if (kind !== 'group') return 'command';
  return typeof summary.algorithm === 'string' && drawsFromSeed(summary.algorithm) && !summary.seed
    ? 'first command (an example: no seed is set, each run draws its own)'
    : 'first command';
}

program
  .command('check')
  .description('validate polyaxonfiles without running them')
  .option('-f, --file <file>', 'polyaxonfile (repeat to deep-merge, later wins)', collect)
  .option('-P, --param <name=value>', 'override a param (repeatable)', collect)
  .addOption(backendOption('also check what that backend refuses (a container backend needs an image)'))
  .option('--json', 'JSON output')
  .action((o) =>
    run(async (api: AxonApi) => {
      const r = await api.call('runs.check', {
        files: readSpecFiles(o.file),
        params: parseParams(o.param),
        ...(o.backend ? { backend: o.backend as 'local' | 'docker' | 'kubernetes' } : {}),
      });
      if (o.json) printJson(r);
      else if (r.ok) {
        process.stdout.write(`valid: ${r.kind}\n`);
        const { warnings, command, ...summary } = r.summary as Record<string, unknown> & {
          warnings?: string[];
          command?: string;
        };
        const rows = Object.entries(summary).map(([k, v]) => [k, fmtValue(v)]);
        if (command !== undefined) rows.push([commandLabel(r.kind, summary), command]);
        printTable(['field', 'value'], rows);
        for (const w of warnings ?? []) process.stderr.write(`axon: warning: ${w}\n`);
      } else process.stderr.write(r.errors.map((e) => formatError(e)).join('\n') + '\n');
      return r.ok ? EXIT.ok : EXIT.usage;
    }),
  );

program
  .command('run')
  .description('run an experiment or a group (sweep) from polyaxonfiles; attached by default')
  .option('-f, --file <file>', 'polyaxonfile (repeat to deep-merge, later wins)', collect)
  .option('-P, --param <name=value>', 'override a param (repeatable)', collect)
  .option('-p, --project <name>', 'project (default: the one `axon init` linked, else the folder name)')
  .addOption(
    backendOption('where to run: local (processes), docker (containers) or kubernetes (pods)', 'local'),
  )
  .option('--context <name>', 'kubernetes: the kube context (default: the one Axon uses, `axon context use`)')
  .option('-n, --namespace <ns>', "kubernetes: the namespace (default: the context's)")
  .option('--name <name>', 'a name for the run')
  .option(
    '--upload',
    'send the code folder with the run (the default when talking to a server, `axon login`; see .axonignore)',
  )
  .option('--no-upload', 'run in the code folder at the same path on the server (a shared file system)')
  .option('--detach', 'return once the run is created')
  .option('--json', 'JSON output')
  .action((o) =>
    run(
      async (api: AxonApi, { reconnect }) => {
        const files = readSpecFiles(o.file);
        const codePath = codeFolder(o.file);
        const upload = (o.upload as boolean | undefined) ?? remoteServer() !== null;
        const project =
          o.project ?? linkedProject(codePath) ?? (upload ? defaultProjectName(codePath) : undefined);
        // Before the code goes up: a file the engine would refuse, or a project the caller may only view, ends
        // here (the upload would be for nothing).
        if (upload) {
          const pre = await api.call('runs.check', {
            files,
            params: parseParams(o.param),
            project,
            ...(o.backend ? { backend: o.backend as 'local' | 'docker' | 'kubernetes' } : {}),
          });
          if (!pre.ok) {
            process.stderr.write(pre.errors.map((e) => formatError(e)).join('\n') + '\n');
            return EXIT.usage;
          }
        }
        const code = await runCode(api, codePath, { upload, quiet: !!o.json });
        const created = await api.call('runs.create', {
          files,
          params: parseParams(o.param),
          project,
          ...('upload' in code ? { upload: code.upload, code: code.code } : { codePath }),
          backend: o.backend,
          ...(o.context ? { context: o.context as string } : {}),
          ...(o.namespace ? { namespace: o.namespace as string } : {}),
          name: o.name,
        });
        if (!o.json) for (const w of created.warnings ?? []) process.stderr.write(`axon: warning: ${w}\n`);
        announce(created, !!o.json);
        if (active?.started && !o.json)
          process.stderr.write(
            pc.dim(
              `[axon] started a background engine (pid ${active.started}) for this AXON_HOME; it follows the run and exits when idle (log: ${engineLogPath(active.home)})`,
            ) + '\n',
          );
        if (o.detach) {
          if (o.json) printJson(created);
          if (active?.engine && !o.json)
            process.stderr.write(
              '[axon] no engine is serving this AXON_HOME (AXON_NO_BACKGROUND=1): run `axon serve` to keep scheduling and tracking in the background.\n',
            );
          return EXIT.ok;
        }
        return finishRun(api, created, !!o.json, reconnect);
      },
      { work: true },
    ),
  );

program
  .command('ps')
  .description('list experiments')
  .option('-p, --project <name>', 'only this project')
  .option('-g, --group <id>', 'only this group')
  .option('-s, --status <status>', 'only this status')
  .option('-n, --limit <n>', 'at most n (newest first)', '50')
  .option('--json', 'JSON output')
  .action((o) =>
    run(async (api: AxonApi) => {
      const limit = positiveInt(o.limit, '-n/--limit');
      const groupId = o.group === undefined ? undefined : positiveInt(o.group, '-g/--group');
      if (o.status !== undefined && !(EXPERIMENT_STATUSES as readonly string[]).includes(o.status))
        throw new UsageError(
          `-s/--status: no status "${o.status}"; one of ${EXPERIMENT_STATUSES.join(', ')}`,
        );
      // A group or project that does not exist is an error, not an empty table.
      if (groupId !== undefined) await api.call('groups.get', { id: groupId });
      if (o.project !== undefined) await api.call('projects.get', { name: o.project });
      const list = await api.call('experiments.list', {
        project: o.project,
        groupId,
        status: o.status,
        limit,
      });
      if (o.json) return printJson(list);
      printTable(
        ['id', 'name', 'project', 'group', 'status', 'created', 'metrics'],
        list.map((e) => [
          e.id,
          e.name ?? '',
          e.projectName,
          e.groupId,
          fmtStatus(e.status),
          e.createdAt,
          Object.entries(e.lastMetrics)
            .map(([k, v]) => `${k}=${fmtValue(v)}`)
            .join(' '),
        ]),
      );
      waitingNotes(list);
    }),
  );

program
  .command('info')
  .description('the engine: version, AXON_HOME, backends')
  .option('--json', 'JSON output')
  .action((o) =>
    run(async (api: AxonApi) => {
      const i = await api.call('system.info', {});
      if (o.json) return printJson(i);
      printTable(
        ['field', 'value'],
        [
          ['version', i.version],
          ['home', i.home],
          ['engine pid', i.pid],
          ...i.backends.map((b) => [
            `backend ${b.name}`,
            `${b.available ? 'available' : 'not available'}: ${b.detail}`,
          ]),
        ],
      );
    }),
  );

registerProject(program, run);
registerExperiment(program, run);
registerGroup(program, run);
registerContext(program, run);
registerLogin(program, run);
registerUser(program, run);
registerOrg(program, run);
serveCommand(program);

// Polyaxon's CLI spells the experiment option `-xp`; commander takes one-letter short flags only.
const argv = process.argv.map((a) =>
  a === '-xp' ? '--experiment' : a.startsWith('-xp=') ? `--experiment=${a.slice(4)}` : a,
);

try {
  await program.parseAsync(argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // 'commander.help' with a non-zero code is help shown (on stderr) for a command line that names no
    // subcommand (`axon`, `axon group -g 3`): a usage error, not a request for help.
    if (
      e.code === 'commander.helpDisplayed' ||
      e.code === 'commander.version' ||
      (e.code === 'commander.help' && e.exitCode === 0)
    )
      process.exitCode = EXIT.ok;
    else process.exitCode = EXIT.usage;
  } else process.exitCode = fail(e);
}

// The command is done: exit now rather than when the event loop drains (fetch keeps its connection to the
// engine open ~150 ms more). Output is written by then: stdout and stderr are synchronous for files, pipes and
// terminals on Linux and macOS; elsewhere their pending writes are waited for.
await Promise.all(
  [process.stdout, process.stderr].map(
    (s) => new Promise<void>((r) => (s.writableNeedDrain ? s.once('drain', () => r()) : r())),
  ),
);
process.exit();

export { ApiError, fmtStatus };
