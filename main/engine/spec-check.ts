// What `axon check` and `runs.create` find beyond the parser: template names nothing defines (an error: Jinja
// would render them empty), `-P` names the file neither declares nor uses (an error: a typo), what `runs.create`
// would refuse to run (a kind or run kind Axon does not run, no command), `-P` fixing a matrix param (a warning:
// every experiment then runs with that value), a template that renders NaN (a warning), and what would run (the
// planned number of experiments and the first experiment's command, from the suggestion the engine makes first).
import type { ParsedSpec, SpecError } from '../../shared/polyaxonfile';
import { formatError, parsePolyaxonfiles, renderExperiment } from '../../shared/polyaxonfile';
import { COMMAND_LINE, dotted, show, type Path } from '../../shared/polyaxonfile/errors';
import { locateFromMap } from '../../shared/polyaxonfile/positions';
import { templateContext } from '../../shared/polyaxonfile/io';
import { nanExpressions } from '../../shared/polyaxonfile/template';
import { namesIn, undefinedTemplateNames } from '../../shared/polyaxonfile/template-names';
import type { BuildSpec, EnvironmentSpec, PodEnvironment } from '../../shared/polyaxonfile';
import { environmentProblems, problemText } from './backends/kubernetes/pod-spec';
import { replicaPlan } from './scheduler/replicas';
import { plannedExperiments } from './sweeps/planned';
import { firstSuggestion } from './sweeps/suggest';

/** How a v1 operation names a component kept elsewhere. */
const REFERENCES = ['pathRef', 'hubRef', 'urlRef', 'dagRef'];

/** The kinds `runs.create` runs; the others are read and checked only. */
const RUNNABLE = ['experiment', 'job', 'group'];

/** The v1 run kinds `runs.create` runs: a job, and the distributed ones whose replicas all run the main task's
 *  command (each told its role by TF_CONFIG, RANK…): the master/chief's. An mpijob's launcher runs `mpirun`
 *  over ssh to workers that only wait: not Axon's model, so it is checked but not run. */
export const RUNNABLE_RUN_KINDS = ['job', 'tfjob', 'pytorchjob'];
const MAIN_REPLICA: Record<string, { main: string; others: string[] }> = {
  tfjob: { main: 'chief', others: ['worker', 'ps'] },
  pytorchjob: { main: 'master', others: ['worker'] },
};

export interface SpecFindings {
  errors: SpecError[];
  warnings: string[];
  /** The planned number of experiments (1 for an experiment). */
  experiments?: number | string;
  /** The first experiment's command, rendered. */
  command?: string;
}

/** Every name a template of the file reads. */
function templateNames(value: unknown, out = new Set<string>()): Set<string> {
  if (typeof value === 'string') {
    for (const m of value.matchAll(/\{\{-?([\s\S]*?)-?\}\}/g)) for (const n of namesIn(m[1])) out.add(n);
  } else if (Array.isArray(value)) value.forEach((v) => templateNames(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => templateNames(v, out));
  return out;
}

export function checkSpec(
  spec: ParsedSpec,
  files: Array<{ name: string; text: string }>,
  params: Record<string, string>,
  /** The backend it is for (`axon check --backend`, a restart's): what that backend refuses is an error. */
  backend?: string,
): SpecFindings {
  const errors = undefinedTemplateNames(spec);
  const warnings: string[] = [];
  const locate = locateFromMap(spec.positions, spec.files[0] ?? '');
  const error = (path: Path, expected: string, found: string) => {
    const e = { ...locate(path), path: dotted(path), expected, found };
    errors.push({ ...e, message: formatError(e) });
  };
  const overrides = Object.keys(params ?? {});
  if (overrides.length) {
    const plain = parsePolyaxonfiles(files, {});
    const declared = new Set([
      ...Object.keys(plain.ok ? (plain.value.rawParams ?? plain.value.params) : {}),
      ...(spec.inputs ?? []).map((i) => i.name),
    ]);
    const used = templateNames(spec.raw);
    const matrix = new Set(Object.keys(spec.hptuning?.matrix ?? {}));
    for (const name of overrides) {
      if (matrix.has(name))
        warnings.push(
          `-P ${name}=${params[name]} fixes the matrix param ${name}: every experiment of the group runs with ${name}=${params[name]}`,
        );
      else if (!declared.has(name) && !used.has(name)) {
        const e = {
          file: COMMAND_LINE,
          line: 0,
          column: 0,
          path: `-P ${name}`,
          expected: `a param the file declares or uses (${[...new Set([...declared, ...used])].sort().join(', ') || 'none'})`,
          found: `"${name}", which it neither declares nor uses`,
        };
        errors.push({ ...e, message: formatError(e) });
      }
    }
  }
  const out: SpecFindings = { errors, warnings };
  if (spec.hptuning) {
    const p = plannedExperiments(spec.hptuning);
    if (p) out.experiments = p.atMost ? `at most ${p.total}` : p.total;
  } else out.experiments = 1;

  // What runs.create refuses whatever the backend, so that check and run agree on the same file.
  const runBase = runPath(spec);
  if (!RUNNABLE.includes(spec.kind)) {
    error(
      ['kind'],
      `a kind Axon runs (${RUNNABLE.join(', ')}; the others are checked but not run yet)`,
      show(spec.kind),
    );
    return out;
  }
  if (spec.runKind && !RUNNABLE_RUN_KINDS.includes(spec.runKind)) {
    error(
      [...runBase, 'kind'],
      `a run kind Axon runs (${RUNNABLE_RUN_KINDS.join(', ')}; the others are checked but not run yet)`,
      show(spec.runKind),
    );
    return out;
  }
  const replicasOf = spec.runKind ? MAIN_REPLICA[spec.runKind] : undefined;
  if (replicasOf) {
    const run = runBase.reduce<unknown>(
      (o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined),
      spec.raw,
    ) as Record<string, { container?: { command?: unknown; args?: unknown } } | undefined>;
    const main = run?.[replicasOf.main];
    if (!main?.container) {
      error(
        [...runBase, replicasOf.main],
        `a \`${replicasOf.main}\` replica with a container: Axon runs its command on every replica`,
        main ? 'one without a container' : 'none',
      );
      return out;
    }
    const commandOf = (r: { container?: { command?: unknown; args?: unknown } }) =>
      JSON.stringify([r.container?.command ?? null, r.container?.args ?? null]);
    for (const role of replicasOf.others) {
      const r = run[role];
      if (
        r?.container &&
        (r.container.command != null || r.container.args != null) &&
        commandOf(r) !== commandOf(main)
      )
        error(
          [...runBase, role, 'container', 'command'],
          `the ${replicasOf.main}'s command and args, or none (Axon runs one command on every replica, each told its role by its environment)`,
          show(r.container.command ?? r.container.args),
        );
    }
    if (run?.evaluator)
      error([...runBase, 'evaluator'], 'no evaluator (Axon does not run evaluator replicas yet)', 'one');
    if (out.errors.length) return out;
  }
  const commandPath: Path =
    spec.format === 'v1' ? [...(spec.containerPath ?? runBase), 'command'] : ['run', 'cmd'];
  // An operation that names its component elsewhere: what is missing is the component, not a command.
  const ref =
    spec.format === 'v1' && !spec.raw.component ? REFERENCES.find((k) => spec.raw[k] != null) : undefined;
  if (ref) {
    error(
      [ref],
      'the component in this file, under `component:` (Axon does not fetch referenced components: paste the ' +
        `file${ref === 'pathRef' ? ` ${String(spec.raw[ref])}` : ''}'s content there, indented)`,
      `${ref}: ${show(spec.raw[ref])}`,
    );
    return out;
  }
  if (!commandWritten(spec)) {
    error(commandPath, 'the command to run (required to run an experiment)', 'nothing');
    return out;
  }
  if (errors.length) return out;
  const lines = multiLineCommand(spec);
  if (lines) {
    const at = locate(commandPath);
    warnings.push(
      `${at.file}:${at.line} run.cmd has ${lines} lines: as in Polyaxon, they are joined with spaces into one ` +
        'command line, which a multi-line shell script does not survive; give a list (its items run joined ' +
        'with &&), end lines with \\, or put the script in a file and run that',
    );
  }

  let first: ReturnType<typeof firstSuggestion> = { params: {} };
  if (spec.hptuning) {
    try {
      // The seed runs.create uses when the file sets one; without one each run draws its own, and what is
      // shown is an example (the CLI says so).
      first = firstSuggestion(spec.hptuning, spec.hptuning.seed ?? 1);
    } catch {
      return out; // options the searcher refuses: searchErrors says why
    }
  }
  const r = renderExperiment(spec, first.params, { overrides: first.overrides });
  if (!r.ok) errors.push(...r.errors);
  else if (!r.value.cmd) error(commandPath, 'a non-empty command to run', show(r.value.cmd ?? ''));
  else {
    out.command = r.value.cmd;
    warnings.push(...nanWarnings(spec, templateContext(r.value.params, spec.inputs), params, locate));
    warnings.push(...shellWarnings(spec, r.value.params, locate(commandPath)));
    warnings.push(...runTimeContextWarnings(spec, locate));
    warnings.push(...unusedReplicaEntries(r.value.environment, locate));
    // Placement is a cluster's: a run on this machine or its Docker has none.
    if (spec.format !== 'v1' && (!backend || backend === 'kubernetes'))
      warnings.push(...masterOnlyPlacement(r.value.environment, locate));
    if (backend) errors.push(...imageProblems(spec, r.value.build, backend));
    if (backend === 'kubernetes') errors.push(...kubernetesProblems(spec, r.value.environment));
    // Without a backend not an error: the file may be meant for one that ignores these (local, Docker).
    else if (!backend)
      for (const e of kubernetesProblems(spec, r.value.environment))
        warnings.push(`${formatError(e)} (\`axon run --backend kubernetes\` refuses this)`);
  }
  return out;
}

/** An indexed `worker`/`ps` entry at or beyond `n_workers`/`n_ps` configures a replica that never runs: a typo
 *  (an index counted from 1, a count lowered later) Polyaxon also passed over silently. */
function unusedReplicaEntries(
  env: EnvironmentSpec | undefined,
  locate: (path: Path) => { file: string; line: number },
): string[] {
  const r = env?.replicas;
  if (!r) return [];
  const out: string[] = [];
  for (const [role, count] of [
    ['worker', r.nWorkers],
    ['ps', r.nPs],
  ] as const)
    for (const i of Object.keys(r[role]).map(Number))
      if (i >= count) {
        const at = locate(['environment', 'replicas', role]);
        out.push(
          `${at.file}:${at.line} environment.replicas.${role} has an entry for index ${i}, but n_${role === 'worker' ? 'workers' : 'ps'} is ${count} ` +
            `${count ? `(indexes 0 to ${count - 1})` : '(none run)'}: it configures a replica that never runs`,
        );
      }
  return out;
}

/** v0: the experiment's node_selector, affinity and tolerations place the master only (as in Polyaxon); a
 *  replica without its own goes wherever the cluster puts it, which a user pinning a run to a node pool rarely
 *  means. */
function masterOnlyPlacement(
  env: EnvironmentSpec | undefined,
  locate: (path: Path) => { file: string; line: number },
): string[] {
  const r = env?.replicas;
  if (!r) return [];
  const fields = [
    ['nodeSelector', 'node_selector'],
    ['affinity', 'affinity'],
    ['tolerations', 'tolerations'],
  ] as const;
  const given = (p: PodEnvironment | undefined, k: (typeof fields)[number][0]) =>
    !!p?.[k] && Object.keys(p[k]!).length > 0;
  const set = fields.filter(([k]) => given(env, k));
  if (!set.length) return [];
  const bare: string[] = [];
  for (const [role, count, fallback, indexed] of [
    ['worker', r.nWorkers, r.defaultWorker, r.worker],
    ['ps', r.nPs, r.defaultPs, r.ps],
  ] as const)
    for (let i = 0; i < count; i++)
      if (!set.some(([k]) => given(indexed[i] ?? fallback, k))) bare.push(`${role}-${i}`);
  if (!bare.length) return [];
  const at = locate(['environment', set[0][1]]);
  const names = set.map(([, n]) => n).join(', ');
  const where = (['worker', 'ps'] as const)
    .filter((role) => bare.some((b) => b.startsWith(`${role}-`)))
    .map((role) => `environment.replicas.default_${role} (or its indexed ${role} entries)`)
    .join(' and ');
  return [
    `${at.file}:${at.line} environment.${names} place${set.length > 1 ? '' : 's'} the master only, as in Polyaxon: ` +
      `${bare.join(', ')} ${bare.length > 1 ? 'have' : 'has'} none of ${set.length > 1 ? 'these' : 'it'}; give ` +
      `${where} the same if they should run there too`,
  ];
}

/** A container backend starts the run from an image: without `build.image` or `build.dockerfile` (v1: the
 *  container's `image`) there is none. `runs.create` refuses such a run before creating anything; `axon check
 *  --backend` reports it. */
export function imageProblems(spec: ParsedSpec, build: BuildSpec | undefined, backend: string): SpecError[] {
  if (backend === 'local' || build?.image || build?.dockerfile) return [];
  const locate = locateFromMap(spec.positions, spec.files[0] ?? 'polyaxonfile');
  const path: Path = spec.format === 'v1' ? [...(spec.containerPath ?? []), 'image'] : ['build'];
  const e = {
    ...locate(path),
    path: dotted(path),
    expected:
      spec.format === 'v1'
        ? `the container's image (the ${backend} backend runs the command in it), e.g. image: python:3.11`
        : `a build section with an image or a dockerfile (the ${backend} backend runs the command in a container), e.g. build: {image: python:3.11}`,
    found: 'none',
  };
  return [{ ...e, message: formatError(e) }];
}

/** What a cluster would refuse in a rendered experiment's `environment` (each replica's), located in the file:
 *  `runs.create` refuses a Kubernetes run for them, `axon check` warns. */
export function kubernetesProblems(spec: ParsedSpec, environment: EnvironmentSpec | undefined): SpecError[] {
  const locate = locateFromMap(spec.positions, spec.files[0] ?? 'polyaxonfile');
  return replicaPlan(environment).flatMap((rep) =>
    environmentProblems(
      // The experiment's extras, shared by a v0 replica, are checked once, where they are written.
      rep.role !== 'master' && rep.environment?.extra === environment?.extra
        ? { ...rep.environment, extra: {} }
        : rep.environment,
      rep.role === 'master' ? 'environment' : `environment.replicas.${rep.role}.${rep.index}`,
    ).map((p) => {
      const path = p.field.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k));
      // v1 files keep `environment` under run (or a component's run): the one written in the file.
      const base = [[], ['run'], ['component', 'run']].find(
        (pre) => spec.positions?.[JSON.stringify([...pre, 'environment'])],
      );
      const at = locate([...(base ?? []), ...path]);
      return { ...at, path: p.field, found: p.found, expected: p.expected, message: problemText(p) };
    }),
  );
}

/** Polyaxon's run-time template contexts, which Axon does not fill: such a template renders as nothing. */
const RUN_TIME_CONTEXTS = new Set(['globals', 'jobs', 'ops', 'dags', 'runs', 'connections']);

/** A `{{ globals.run_outputs_path }}` (or a pipeline's `{{ jobs.1.outputs.x }}`) would become an empty string,
 *  an argument the program does not expect: said where it is written, with what to use instead. */
function runTimeContextWarnings(spec: ParsedSpec, locate: ReturnType<typeof locateFromMap>): string[] {
  const out: string[] = [];
  const walk = (value: unknown, path: Path) => {
    if (typeof value === 'string') {
      for (const m of value.matchAll(/\{\{-?([\s\S]*?)-?\}\}/g)) {
        const root = namesIn(m[1]).find((n) => RUN_TIME_CONTEXTS.has(n));
        if (!root || (spec.params && Object.prototype.hasOwnProperty.call(spec.params, root))) continue;
        const at = locate(path);
        const outputs = /outputs_path|artifacts_path/.test(m[1])
          ? "; the run's outputs folder is $POLYAXON_RUN_OUTPUTS_PATH (AXON_OUTPUTS_PATH) in its environment"
          : '';
        out.push(
          `${at.file}:${at.line} ${dotted(path)}: ${m[0]} renders as nothing: Axon does not fill Polyaxon's ` +
            `run-time \`${root}\` context in templates${outputs}`,
        );
      }
    } else if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]));
    else if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
  };
  walk(spec.raw, []);
  return out;
}

/** What the shell reads as more than one plain word: blanks, quotes, `;`, `&`, `|`, `$`, globs, redirections. */
const SHELL_SYNTAX = /[\s;&|$`'"<>(){}*?[\]!#~\\]/;

/**
 * A param whose value holds shell syntax (`a b`, `it's`, `x; rm -rf`) and that the command pastes in as text
 * (`{{ name }}`, as Polyaxon does): the shell splits it, fails on it or runs it. Said once per param, with how
 * to pass it as one argument (`{{ name | quote }}`). A v1 command or args given as a list is quoted already.
 */
function shellWarnings(
  spec: ParsedSpec,
  params: Record<string, unknown>,
  at: { file: string; line: number; column: number },
): string[] {
  const run = spec.rawRun as { cmd?: unknown; command?: unknown; args?: unknown } | null | undefined;
  const texts = [run?.cmd, run?.command, run?.args]
    .flatMap((v) => (Array.isArray(v) ? (spec.format === 'v1' ? [] : v) : [v]))
    .filter((v): v is string => typeof v === 'string');
  const told = new Set<string>();
  const out: string[] = [];
  for (const text of texts)
    for (const m of text.matchAll(/\{\{-?([\s\S]*?)-?\}\}/g)) {
      if (/\|\s*quote\b/.test(m[1])) continue;
      for (const name of namesIn(m[1])) {
        const v = params[name];
        if (typeof v !== 'string' || !SHELL_SYNTAX.test(v) || told.has(name)) continue;
        told.add(name);
        out.push(
          `${at.file}:${at.line}:${at.column} run.cmd: param ${name} is ${JSON.stringify(v)}, which holds shell syntax; ` +
            `{{ ${name} }} pastes it into the command as text (as Polyaxon does), so the shell splits it or ` +
            `runs it: write {{ ${name} | quote }} to pass it as one argument`,
        );
      }
    }
  return out;
}

/** The number of lines of a v0 `run.cmd` string (or list item) written as a literal block whose lines are not
 *  continued with `\`: they are joined into one line, as Polyaxon joins them; 0 when there is none. */
function multiLineCommand(spec: ParsedSpec): number {
  if (spec.format === 'v1') return 0;
  const cmd = (spec.raw.run as { cmd?: unknown } | undefined)?.cmd;
  for (const c of Array.isArray(cmd) ? cmd : [cmd]) {
    if (typeof c !== 'string') continue;
    const lines = c.split('\n').filter((l) => l.trim());
    if (lines.length > 1 && lines.slice(0, -1).some((l) => !l.trimEnd().endsWith('\\'))) return lines.length;
  }
  return 0;
}

/** Where the run section was written: `run`, or a v1 operation's `component.run`. */
function runPath(spec: ParsedSpec): Path {
  const base = [['component', 'run'], ['run']].find((p) => spec.positions?.[JSON.stringify(p)]);
  return base ?? ['run'];
}

/** Whether the file writes a command at all (v0 `run.cmd`, v1 the container's `command` or `args`). */
function commandWritten(spec: ParsedSpec): boolean {
  const run = spec.rawRun as { cmd?: unknown; command?: unknown; args?: unknown } | null | undefined;
  if (!run) return false;
  return spec.format === 'v1' ? run.command != null || run.args != null : run.cmd != null;
}

/** A `{{ … }}` that renders NaN: nunjucks computes `'abc' * 2` as NaN where Jinja would fail, so say which
 *  param made it, at the field that wrote it. */
function nanWarnings(
  spec: ParsedSpec,
  context: Record<string, unknown>,
  params: Record<string, string>,
  locate: ReturnType<typeof locateFromMap>,
): string[] {
  const out: string[] = [];
  const visit = (value: unknown, path: Path): void => {
    if (typeof value === 'string') {
      for (const expr of nanExpressions(value, context)) {
        const culprits = [...new Set(namesIn(expr))]
          .filter((n) => typeof context[n] !== 'number' && typeof context[n] !== 'boolean')
          .map(
            (n) =>
              `${n} is ${show(context[n])}${n in (params ?? {}) ? ` (from -P ${n}=${params[n]})` : ''}, not a number`,
          );
        const at = locate(path);
        const where = at.line > 0 ? `${at.file}:${at.line}:${at.column}` : at.file;
        out.push(
          `${where} ${dotted(path)}: {{ ${expr} }} renders as nan${culprits.length ? `: ${culprits.join('; ')}` : ''}`,
        );
      }
    } else if (Array.isArray(value)) value.forEach((v, i) => visit(v, [...path, i]));
    else if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value))
        if (k !== 'hptuning' && k !== 'matrix') visit(v, [...path, k]);
  };
  visit(spec.raw, []);
  return out;
}
