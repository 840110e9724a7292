// v1.1 polyaxonfiles (SPEC §5): `kind: component` and `kind: operation`, camelCase keys.
import { z } from 'zod';
import type { IOSpec, ParsedSpec, SearchSpec } from './types';
import { Issues, show, type Path } from './errors';
import { anyMap, anyMapList, checkObject, int, looseEnum, num, str, strList } from './zod-check';
import { isPlainObject } from './pyrepr';
import { parseIOList, templateContext } from './io';
import { applyTypedParams, staticParams } from './params';
import { coerceString } from './literal';
import { renderTree } from './operators';
import { clone, deepMerge, setKey } from './merge';
import { parseRunV1, type RunInfo } from './v1-run';
import { parseMatrixV1 } from './v1-matrix';
import { checkDag } from './dag';
import { probeSuggestion } from './probe';
import { renderV1Command } from './render-v1';
import type { ParseContext } from './v0';

const base = {
  version: z.union([z.number(), z.string()]).nullish(),
  kind: str.nullish(),
  name: str.nullish(),
  description: str.nullish(),
  tags: strList.nullish(),
  presets: strList.nullish(),
  queue: str.nullish(),
  cache: z
    .object({
      disable: z.boolean().nullish(),
      ttl: int.nullish(),
      io: strList.nullish(),
      sections: strList.nullish(),
    })
    .strict()
    .nullish(),
  termination: z
    .object({ maxRetries: int.min(0).nullish(), ttl: int.min(0).nullish(), timeout: int.min(0).nullish() })
    .strict()
    .nullish(),
  plugins: z
    .object({
      auth: z.boolean().nullish(),
      docker: z.boolean().nullish(),
      shm: z.boolean().nullish(),
      mountArtifactsStore: z.boolean().nullish(),
      collectArtifacts: z.boolean().nullish(),
      collectLogs: z.boolean().nullish(),
      collectResources: z.boolean().nullish(),
      syncStatuses: z.boolean().nullish(),
      autoResume: z.boolean().nullish(),
      externalHost: z.boolean().nullish(),
      logLevel: str.nullish(),
      notifications: anyMapList.nullish(),
      sidecar: anyMap.nullish(),
    })
    .strict()
    .nullish(),
  build: anyMap.nullish(),
  hooks: anyMapList.nullish(),
  isApproved: z.boolean().nullish(),
  cost: num.nullish(),
};
const componentSchema = z
  .object({ ...base, inputs: z.unknown(), outputs: z.unknown(), run: z.unknown() })
  .strict();
export const REFS = ['component', 'hubRef', 'dagRef', 'urlRef', 'pathRef'] as const;
const param = z
  .object({
    value: z.unknown(),
    ref: str.nullish(),
    contextOnly: z.boolean().nullish(),
    connection: str.nullish(),
    toInit: z.boolean().nullish(),
    toEnv: str.nullish(),
  })
  .strict()
  .describe('{value: …} (with optional ref, contextOnly, connection, toInit, toEnv)');
const operationSchema = z
  .object({
    ...base,
    params: z.record(param).nullish(),
    component: anyMap.nullish(),
    hubRef: str.nullish(),
    dagRef: str.nullish(),
    urlRef: str.nullish(),
    pathRef: str.nullish(),
    runPatch: anyMap.nullish(),
    patchStrategy: looseEnum(['replace', 'isnull', 'post_merge', 'pre_merge']).nullish(),
    matrix: anyMap.nullish(),
    schedule: anyMap.nullish(),
    events: anyMapList.nullish(),
    joins: anyMapList.nullish(),
    dependencies: strList.nullish(),
    trigger: looseEnum([
      'all_succeeded',
      'all_failed',
      'all_done',
      'one_succeeded',
      'one_failed',
      'one_done',
    ]).nullish(),
    conditions: z.union([z.string(), z.boolean()]).nullish(),
    skipOnUpstreamSkip: z.boolean().nullish(),
  })
  .strict();

export interface ComponentInfo {
  name?: string;
  path: Path;
  inputs: IOSpec[];
  outputs: IOSpec[];
  run?: RunInfo;
}

/** Checks a component (top-level, inline in an operation, or inside a DAG). */
export function checkComponent(
  raw: unknown,
  path: Path,
  issues: Issues,
  nested: boolean,
): ComponentInfo | undefined {
  const c = checkObject(componentSchema, raw, path, issues);
  if (!c) return undefined;
  if (nested && c.kind != null && c.kind !== 'component')
    issues.add([...path, 'kind'], "'component'", show(c.kind));
  const info: ComponentInfo = {
    path,
    inputs: parseIOList(c.inputs, [...path, 'inputs'], issues, 'v1') ?? [],
    outputs: parseIOList(c.outputs, [...path, 'outputs'], issues, 'v1') ?? [],
  };
  if (c.name != null) info.name = c.name;
  if (c.run === undefined || c.run === null) {
    issues.add([...path, 'run'], 'a `run` section (required for a component)', 'nothing');
    return info;
  }
  info.run = parseRunV1(c.run, [...path, 'run'], issues);
  if (info.run?.runKind === 'dag') checkDag(info.run.run, [...path, 'run'], issues);
  return info;
}

export interface OperationInfo {
  name?: string;
  dependencies: string[];
  dagRef?: string;
  component?: ComponentInfo;
  params: Record<string, { value: unknown; path: Path }>;
  /** Params given by `ref` rather than `value`. */
  fromRefs: string[];
  matrix?: Record<string, unknown>;
}

/** Checks an operation's own fields; the component it points at is checked by the caller's rules. */
export function checkOperation(
  raw: unknown,
  path: Path,
  issues: Issues,
  nested: boolean,
): OperationInfo | undefined {
  const op = checkObject(operationSchema, raw, path, issues);
  if (!op) return undefined;
  if (nested && op.kind != null && op.kind !== 'operation')
    issues.add([...path, 'kind'], "'operation'", show(op.kind));
  const refs = REFS.filter((r) => op[r] != null);
  if (refs.length !== 1) {
    issues.add(
      refs.length ? [...path, refs[1]] : path,
      `exactly one of ${REFS.join(', ')}`,
      refs.length ? refs.join(', ') : 'none',
    );
  }
  const info: OperationInfo = { dependencies: op.dependencies ?? [], params: {}, fromRefs: [] };
  if (op.name != null) info.name = op.name;
  if (op.dagRef != null) info.dagRef = op.dagRef;
  if (op.matrix != null) info.matrix = op.matrix;
  for (const [name, p] of Object.entries(op.params ?? {})) {
    setKey(info.params, name, { value: p.value, path: [...path, 'params', name] });
    // `ref: ops.upstream.outputs.x` gives the value at run time.
    if (p.value === undefined && p.ref != null) info.fromRefs.push(name);
  }
  if (op.component != null)
    info.component = checkComponent(op.component, [...path, 'component'], issues, true);
  return info;
}

interface Resolved {
  component?: ComponentInfo;
  rawParams: Record<string, unknown>;
  paramDefaults?: Set<string>;
  search?: SearchSpec;
}

/** A component run on its own: `-P` gives its inputs values. */
function resolveComponent(doc: Record<string, unknown>, ctx: ParseContext): Resolved {
  const component = checkComponent(doc, [], ctx.issues, false);
  const io = { inputs: component?.inputs ?? [], outputs: component?.outputs ?? [] };
  const paramDefaults = new Set<string>();
  const rawParams = applyTypedParams(io, {}, ctx.overrides, ctx.issues, {
    basePath: [],
    defaultsOnly: paramDefaults,
  });
  return { component, rawParams, paramDefaults };
}

/** An operation: its params (and `-P`) must match the component's inputs/outputs; matrix params count as given. */
function resolveOperation(doc: Record<string, unknown>, ctx: ParseContext): Resolved {
  const { issues } = ctx;
  const op = checkOperation(doc, [], issues, false);
  const component = op?.component;
  // A component's fields written at the operation's top level are reported as unknown keys; their inputs
  // still let the params be checked (fixture typing/untyped_params.yml).
  const misplaced = component
    ? []
    : (parseIOList(doc.inputs, ['inputs'], new Issues(() => ({ file: '', line: 0, column: 0 })), 'v1') ?? []);
  const io = component
    ? { inputs: component.inputs, outputs: component.outputs }
    : { inputs: misplaced, outputs: [] };
  const search = op?.matrix
    ? parseMatrixV1(op.matrix, ['matrix'], issues, [...io.inputs, ...io.outputs])
    : undefined;
  const provided = new Set<string>([
    ...(op?.fromRefs ?? []),
    ...(search ? [...Object.keys(search.matrix), ...(search.mapping ?? []).flatMap(Object.keys)] : []),
    // The resource a hyperband/ASHA round injects is an input the search supplies.
    ...(search?.hyperband ? [search.hyperband.resource.name] : []),
    ...(typeof (search?.options?.resource as { name?: unknown } | undefined)?.name === 'string'
      ? [(search!.options!.resource as { name: string }).name]
      : []),
  ]);
  if (component || misplaced.length) {
    const basePath = component ? ['component'] : [];
    const paramDefaults = new Set<string>();
    return {
      component,
      search,
      rawParams: applyTypedParams(io, op?.params ?? {}, ctx.overrides, issues, {
        basePath,
        provided,
        defaultsOnly: paramDefaults,
      }),
      paramDefaults,
    };
  }
  // hubRef/pathRef/urlRef/dagRef: the component is not in the file, so params cannot be checked.
  const rawParams: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(op?.params ?? {})) setKey(rawParams, name, clone(p.value));
  for (const [name, text] of Object.entries(ctx.overrides))
    setKey(rawParams, name, coerceString(text, { json: true }));
  return { component, search, rawParams };
}

export function parseV1(
  doc: Record<string, unknown>,
  kind: 'component' | 'operation',
  ctx: ParseContext,
): ParsedSpec | undefined {
  const { issues } = ctx;
  const mark = issues.mark();
  const { component, rawParams, search, paramDefaults } =
    kind === 'component' ? resolveComponent(doc, ctx) : resolveOperation(doc, ctx);
  const run = component?.run;
  const spec: ParsedSpec = {
    format: 'v1',
    kind: search ? 'group' : 'experiment',
    version: doc.version as number,
    tags: [],
    params: {},
    rawParams,
    raw: doc,
    files: ctx.files,
  };
  if (paramDefaults?.size) spec.paramDefaults = [...paramDefaults];
  spec.params = renderTree(rawParams, rawParams, ['params'], issues, { operators: false }) as Record<
    string,
    unknown
  >;
  if (component?.inputs.length) spec.inputs = component.inputs;
  if (component?.outputs.length) spec.outputs = component.outputs;
  if (search) spec.hptuning = search;
  const header =
    kind === 'component'
      ? doc
      : isPlainObject(doc.component)
        ? deepMerge(doc.component, pick(doc, ['name', 'description', 'tags']))
        : doc;
  if (isPlainObject(header)) {
    if (typeof header.name === 'string') spec.name = header.name;
    if (typeof header.description === 'string') spec.description = header.description;
    if (Array.isArray(header.tags))
      spec.tags = [...new Set(header.tags.filter((t): t is string => typeof t === 'string'))];
  }
  if (run) {
    spec.runKind = run.runKind;
    if (run.framework) spec.framework = run.framework;
    if (run.backend) spec.backend = run.backend;
    if (run.environment) spec.environment = run.environment;
    if (run.container && run.containerPath) {
      spec.containerPath = run.containerPath;
      spec.rawRun = pick(run.container, ['command', 'args']);
      if (run.container.image != null) spec.rawBuild = { image: run.container.image };
      // Check the templates with one probe experiment, as for v0 groups.
      const suggestion = search ? probeSuggestion(search) : {};
      const probe = deepMerge(suggestion, staticParams(spec, suggestion)) as Record<string, unknown>;
      const scratch = new Issues(() => ({ file: '', line: 0, column: 0 }));
      const probeParams = renderTree(probe, probe, ['params'], scratch, { operators: false }) as Record<
        string,
        unknown
      >;
      renderV1Command(spec, templateContext(probeParams, spec.inputs), issues);
    }
  }
  return issues.since(mark) ? undefined : spec;
}

function pick(obj: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (obj[k] !== undefined) setKey(out, k, obj[k]);
  return out;
}
