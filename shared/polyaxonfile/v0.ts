// v0.x polyaxonfiles (baseline 0.4.4, with the 0.5 `params`/`inputs`/`outputs`/`name`/`description`).
import { z } from 'zod';
import type { ParsedSpec, SearchSpec, SpecKind } from './types';
import { Issues, show, type Path } from './errors';
import { check, looseEnum, str } from './zod-check';
import { isPlainObject } from './pyrepr';
import { BUILD_KEYS, parseBuild, parseRun } from './build';
import { parseEnvironment } from './environment';
import { parseHptuning } from './hptuning';
import { resolveV0Params, searchParamNames, staticParams } from './params';
import { addUndefinedTemplateNames, namesIn } from './template-names';
import { renderTree } from './operators';
import { probeSuggestion } from './probe';
import { deepMerge } from './merge';
import { templateContext } from './io';

export const V0_KINDS: readonly SpecKind[] = [
  'experiment',
  'group',
  'job',
  'build',
  'notebook',
  'tensorboard',
];

const HEADER = ['version', 'kind', 'name', 'description', 'logging', 'tags'];
const PARAMS = ['declarations', 'params', 'inputs', 'outputs'];
const GRAPH = ['model', 'train', 'eval']; // the deprecated declarative API of polyaxon-lib: accepted as written

/** POSSIBLE_SECTIONS per kind (SPEC §1.2). A build's fields sit at the top level of `kind: build`. */
const SECTIONS: Record<SpecKind, string[]> = {
  experiment: [...HEADER, 'environment', 'backend', 'framework', ...PARAMS, 'build', 'run', ...GRAPH],
  // Axon lets a group carry environment.replicas (distributed groups, Polyaxon issue #652).
  group: [...HEADER, 'environment', 'backend', 'framework', ...PARAMS, 'hptuning', 'build', 'run', ...GRAPH],
  job: [...HEADER, 'environment', 'backend', ...PARAMS, 'build', 'run'],
  build: [...HEADER, 'environment', ...BUILD_KEYS.filter((k) => k !== 'environment')],
  notebook: [...HEADER, 'environment', 'backend', 'build'],
  tensorboard: [...HEADER, 'environment', 'backend', 'build'],
};
const REQUIRED: Record<SpecKind, string[]> = {
  experiment: [],
  group: ['hptuning'],
  job: ['build', 'run'],
  build: [],
  notebook: ['build'],
  tensorboard: ['build'],
};
const ALL_SECTIONS = new Set(Object.values(SECTIONS).flat());

const BACKENDS: Partial<Record<SpecKind, readonly [string, ...string[]]>> = {
  experiment: ['native', 'kubeflow', 'mpi'],
  group: ['native', 'kubeflow', 'mpi'],
  notebook: ['notebook', 'lab'],
  build: ['native', 'kaniko'],
};

const logging = z
  .object({
    level: looseEnum(['info', 'debug', 'warn', 'error', 'fatal']).nullish(),
    formatter: str.nullish(),
  })
  .strict();

export interface ParseContext {
  issues: Issues;
  files: string[];
  overrides: Record<string, string>;
}

function checkSections(doc: Record<string, unknown>, kind: SpecKind, issues: Issues): void {
  const allowed = SECTIONS[kind];
  for (const key of Object.keys(doc)) {
    if (!ALL_SECTIONS.has(key)) {
      issues.add([key], `a polyaxonfile section (${[...ALL_SECTIONS].join(', ')})`, show(key));
    } else if (!allowed.includes(key)) {
      issues.add([key], `a section a ${kind} accepts (${allowed.join(', ')})`, show(key));
    }
  }
  for (const key of REQUIRED[kind]) {
    if (doc[key] === undefined || doc[key] === null)
      issues.add([key], `a \`${key}\` section (required for a ${kind})`, 'nothing');
  }
}

function parseHeader(doc: Record<string, unknown>, kind: SpecKind, spec: ParsedSpec, issues: Issues): void {
  if (doc.logging != null) {
    const l = check(logging, doc.logging, ['logging'], issues);
    if (l)
      spec.logging = {
        level: (l.level ?? 'info').toUpperCase(),
        ...(l.formatter ? { formatter: l.formatter } : {}),
      };
  }
  if (doc.tags != null) {
    const tags = check(z.array(z.string()), doc.tags, ['tags'], issues);
    if (tags) spec.tags = [...new Set(tags)];
  }
  for (const key of ['name', 'description', 'framework'] as const) {
    if (doc[key] == null) continue;
    const v = check(str, doc[key], [key], issues);
    if (v !== undefined) spec[key] = v;
  }
  if (doc.backend != null) {
    const options = BACKENDS[kind];
    const v = check(options ? looseEnum(options) : str, doc.backend, ['backend'], issues);
    if (v !== undefined) spec.backend = v;
  }
}

export function parseV0(
  doc: Record<string, unknown>,
  kind: SpecKind,
  ctx: ParseContext,
): ParsedSpec | undefined {
  const { issues } = ctx;
  const mark = issues.mark();
  checkSections(doc, kind, issues);
  const spec: ParsedSpec = {
    format: 'v0',
    kind,
    version: doc.version as number,
    tags: [],
    params: {},
    raw: doc,
    files: ctx.files,
  };
  parseHeader(doc, kind, spec, issues);

  const beforeParams = issues.mark();
  const resolved = resolveV0Params(doc, kind, ctx);
  const paramsResolved = !issues.since(beforeParams);
  spec.params = resolved.params;
  spec.rawParams = resolved.rawParams;
  if (resolved.paramDefaults) spec.paramDefaults = resolved.paramDefaults;
  if (resolved.inputs) spec.inputs = resolved.inputs;
  if (resolved.outputs) spec.outputs = resolved.outputs;

  let search: SearchSpec | undefined;
  if (kind === 'group' && doc.hptuning != null) {
    search = parseHptuning(doc.hptuning, issues);
    if (search) spec.hptuning = search;
  }

  // Axon deliberately accepts environment.replicas in a group (distributed groups), which Polyaxon 0.4–0.6
  // could not express (it checked group environments against the base schema); users asked for it in #652.
  const envCtx = {
    framework: spec.framework,
    backend: spec.backend,
    allowReplicas: kind === 'experiment' || kind === 'group',
  };
  if (doc.environment != null) {
    // Rendered with the declarations only, as Polyaxon's STD_PARSING_SECTIONS are: a matrix param there renders
    // empty, which read as "expected a number, found ''" (a sweep over n_workers): said for what it is.
    const matrixNames = new Set(kind === 'group' ? searchParamNames(doc) : []);
    const walk = (v: unknown, path: Path) => {
      if (typeof v === 'string') {
        const used = [...v.matchAll(/\{\{-?([\s\S]*?)-?\}\}/g)].flatMap((m) => namesIn(m[1]));
        const m = used.find((n) => matrixNames.has(n));
        if (m)
          issues.add(
            path,
            `a declaration, not the matrix param \`${m}\` (environment is set once for the whole group, ` +
              'as in Polyaxon: it cannot vary per experiment)',
            show(v),
          );
      } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
      else if (isPlainObject(v)) for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
    };
    const before = issues.mark();
    if (matrixNames.size) walk(doc.environment, ['environment']);
    // Its empty renderings would only repeat the problem as "found ''".
    if (!issues.since(before)) {
      const rendered = renderTree(
        doc.environment,
        templateContext(spec.params, spec.inputs),
        ['environment'],
        issues,
        { operators: false },
      );
      const env = parseEnvironment(rendered, ['environment'], issues, envCtx);
      if (env) spec.environment = env;
    }
  }

  // build/run are templates rendered per experiment; check them now with one probe experiment's params.
  const probe = probeParams(spec, search, ctx);
  if (kind === 'build') {
    const raw = Object.fromEntries(
      BUILD_KEYS.filter((k) => k in doc && k !== 'environment').map((k) => [k, doc[k]]),
    );
    spec.rawBuild = raw;
    parseBuild(renderTree(raw, probe, [], issues, { operators: true }), [], issues);
  } else if (doc.build != null) {
    spec.rawBuild = doc.build;
    const rendered = renderTree(doc.build, probe, ['build'], issues, { operators: true });
    if (isPlainObject(rendered) || rendered === null) parseBuild(rendered, ['build'], issues);
    else issues.add(['build'], 'a mapping', show(rendered));
  }
  if (doc.run != null) {
    spec.rawRun = doc.run;
    parseRun(renderTree(doc.run, probe, ['run'], issues, { operators: true }), ['run'], issues);
  }
  if (!issues.since(mark)) return spec;
  // Every problem at once: a refused section (an invalid matrix entry) must not hide a template name nothing
  // defines, which `axon check` otherwise reports only once the file parses. The matrix keys are known from
  // the file as written; with params that did not resolve, what is defined is not known, so nothing is said.
  if (paramsResolved) addUndefinedTemplateNames(spec, issues, searchParamNames(doc));
  return undefined;
}

/** The params of one representative experiment: a first matrix suggestion under the declarations. */
function probeParams(
  spec: ParsedSpec,
  search: SearchSpec | undefined,
  ctx: ParseContext,
): Record<string, unknown> {
  const suggestion = search ? probeSuggestion(search) : {};
  const merged = deepMerge(suggestion, staticParams(spec, suggestion)) as Record<string, unknown>;
  // Problems in the params themselves were reported when they were resolved.
  const scratch = new Issues(() => ({ file: ctx.files[0] ?? '', line: 0, column: 0 }));
  const rendered = renderTree(merged, merged, ['params'], scratch, { operators: false }) as Record<
    string,
    unknown
  >;
  return templateContext(rendered, spec.inputs);
}
