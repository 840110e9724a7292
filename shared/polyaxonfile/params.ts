// v0 `declarations` / 0.5 `params` with typed `inputs`/`outputs` and `-P` overrides (SPEC §1.4, §1.13).
import type { IOSpec, SpecKind } from './types';
import { show, type Issues, type Path } from './errors';
import { isPlainObject } from './pyrepr';
import { clone, setKey } from './merge';
import { renderTree } from './operators';
import { coerceOverride, ioValueProblem, overrideIssue, parseIOList } from './io';
import { coerceString } from './literal';

export interface ResolvedParams {
  params: Record<string, unknown>;
  rawParams: Record<string, unknown>;
  /** Params whose value is only an input's default: a matrix value for them wins (see `staticParams`). */
  paramDefaults?: string[];
  inputs?: IOSpec[];
  outputs?: IOSpec[];
}

export interface ParamsContext {
  issues: Issues;
  overrides: Record<string, string>;
}

/**
 * The params that stand over a matrix suggestion (SPEC §1.4: static declarations override matrix values): all
 * of them except an input's default, which is only a fallback, so a matrix value for that input wins.
 */
export function staticParams(
  spec: { rawParams?: Record<string, unknown>; params: Record<string, unknown>; paramDefaults?: string[] },
  suggestion: Record<string, unknown>,
): Record<string, unknown> {
  const raw = spec.rawParams ?? spec.params;
  if (!spec.paramDefaults?.length) return raw;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw))
    if (!(spec.paramDefaults.includes(k) && Object.prototype.hasOwnProperty.call(suggestion, k)))
      setKey(out, k, v);
  return out;
}

/** Typed IO rules shared by v0.5 and v1: params must be declared, `-P` names must be declared, required
 *  inputs need a value. Returns the raw params: defaults, then params, then `-P`. */
export function applyTypedParams(
  io: { inputs: IOSpec[]; outputs: IOSpec[] },
  given: Record<string, { value: unknown; path: Path }>,
  overrides: Record<string, string>,
  issues: Issues,
  opts: { basePath: Path; provided?: Set<string>; requiredAt?: Path; defaultsOnly?: Set<string> },
): Record<string, unknown> {
  const ios = [...io.inputs, ...io.outputs];
  const declaredAt = (x: IOSpec): Path =>
    io.inputs.includes(x)
      ? [...opts.basePath, 'inputs', io.inputs.indexOf(x)]
      : [...opts.basePath, 'outputs', io.outputs.indexOf(x)];
  const byName = new Map(ios.map((x) => [x.name, x]));
  const names = ios.map((io) => io.name).join(', ') || 'none declared';
  const raw: Record<string, unknown> = {};
  const origin = new Map<string, Path>();
  for (const x of ios) {
    if (x.value !== undefined) {
      setKey(raw, x.name, clone(x.value));
      origin.set(x.name, [...declaredAt(x), 'value']);
      opts.defaultsOnly?.add(x.name);
    }
  }
  for (const [name, { value, path }] of Object.entries(given)) {
    if (!byName.has(name)) {
      issues.add(path, `a declared input or output (${names}); untyped params are not allowed`, show(name));
      continue;
    }
    setKey(raw, name, value);
    origin.set(name, path);
    opts.defaultsOnly?.delete(name);
  }
  for (const [name, text] of Object.entries(overrides)) {
    const declared = byName.get(name);
    if (!declared) {
      overrideIssue(issues, name, `a declared input or output (${names})`, show(`${name}=${text}`));
      continue;
    }
    setKey(raw, name, coerceOverride(text, declared));
    origin.set(name, ['-P', name]);
    opts.defaultsOnly?.delete(name);
  }
  for (const x of ios) {
    const v = raw[x.name];
    const has = Object.prototype.hasOwnProperty.call(raw, x.name) && v !== null && v !== undefined;
    if (!has) {
      if (io.inputs.includes(x) && !x.isOptional && !opts.provided?.has(x.name)) {
        issues.add(
          opts.requiredAt ?? declaredAt(x),
          `a value for the required input \`${x.name}\` (in params or with -P ${x.name}=…)`,
          'nothing',
        );
      }
      continue;
    }
    // Templated values (refs like `{{ jobs.1.outputs.x }}`) are checked once rendered.
    if (typeof v === 'string' && v.includes('{{')) continue;
    const problem = ioValueProblem(x, v);
    if (!problem) continue;
    const path = origin.get(x.name) ?? declaredAt(x);
    if (path[0] === '-P') overrideIssue(issues, x.name, problem, show(overrides[x.name]));
    else issues.add(path, problem, show(v));
  }
  return raw;
}

/** The params a v0 group's search gives each experiment, read from the file as written (so also when the
 *  hptuning section is invalid): the matrix keys and the resource a hyperband/ASHA round injects. */
export function searchParamNames(doc: Record<string, unknown>): string[] {
  const h = isPlainObject(doc.hptuning) ? doc.hptuning : {};
  const matrix = isPlainObject(h.matrix) ? Object.keys(h.matrix) : [];
  const resources = [h.hyperband, h.asha]
    .map((a) => (isPlainObject(a) && isPlainObject(a.resource) ? a.resource.name : undefined))
    .filter((n): n is string => typeof n === 'string');
  return [...matrix, ...resources];
}

export function resolveV0Params(
  doc: Record<string, unknown>,
  kind: SpecKind,
  ctx: ParamsContext,
): ResolvedParams {
  const { issues } = ctx;
  const section = doc.params != null ? 'params' : 'declarations';
  if (doc.params != null && doc.declarations != null) {
    issues.add(['declarations'], 'either `params` or the deprecated `declarations`, not both', 'both');
  }
  const inputs = parseIOList(doc.inputs, ['inputs'], issues, 'v0');
  const outputs = parseIOList(doc.outputs, ['outputs'], issues, 'v0');
  const typed = doc.inputs != null || doc.outputs != null;
  if (typed && doc.declarations != null) {
    issues.add(
      ['declarations'],
      '`params` with typed inputs/outputs ("You should only use `params`")',
      'declarations',
    );
  }
  const rawSection = doc[section];
  let given: Record<string, unknown> = {};
  if (rawSection != null) {
    if (isPlainObject(rawSection)) given = rawSection;
    else issues.add([section], 'a mapping of name: value', show(rawSection));
  }

  let rawParams: Record<string, unknown>;
  const defaultsOnly = new Set<string>();
  if (typed) {
    const entries = Object.fromEntries(
      Object.entries(given).map(([k, v]) => [k, { value: v, path: [section, k] }]),
    );
    const io = { inputs: inputs ?? [], outputs: outputs ?? [] };
    const provided = new Set(kind === 'group' ? searchParamNames(doc) : []);
    rawParams = applyTypedParams(io, entries, ctx.overrides, issues, {
      basePath: [],
      provided,
      defaultsOnly,
    });
  } else {
    rawParams = clone(given);
    if (kind !== 'experiment' && kind !== 'group' && kind !== 'job' && Object.keys(ctx.overrides).length) {
      for (const name of Object.keys(ctx.overrides))
        overrideIssue(issues, name, `no -P for a ${kind} (it has no params)`, show(name));
    }
    for (const [name, text] of Object.entries(ctx.overrides))
      setKey(rawParams, name, coerceString(text, { json: true }));
  }
  // Declarations are rendered against themselves, then coerced (SPEC §1.4 step 1).
  const params = renderTree(rawParams, rawParams, [section], issues, { operators: false }) as Record<
    string,
    unknown
  >;
  const result: ResolvedParams = { params, rawParams };
  if (defaultsOnly.size) result.paramDefaults = [...defaultsOnly];
  if (inputs) result.inputs = inputs;
  if (outputs) result.outputs = outputs;
  return result;
}
