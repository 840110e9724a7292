// Names a polyaxonfile's templates use that nothing defines. Jinja prints an undefined `{{ lrr }}` as nothing,
// so a typo runs with an empty value; `axon check` and `axon run` refuse it instead, at the field where it was
// written. A name is defined by the params (declarations, `-P`), the matrix, the inputs, a `{% for %}` or
// `{% set %}` of the same text, or is one of the names Polyaxon provides when a run starts (DEFERRED).
import type { ParsedSpec, SpecError } from './types';
import { Issues, type Path } from './errors';
import { locateFromMap } from './positions';
import { isPlainObject } from './pyrepr';

/** Provided at run time (pipelines' refs, v1 globals and contexts) or by Jinja itself. */
const DEFERRED = new Set([
  'jobs',
  'ops',
  'dags',
  'runs',
  'globals',
  'inputs',
  'outputs',
  'connections',
  'params',
  'loop',
  'range',
  'dict',
  'cycler',
  'joiner',
  'lipsum',
  'caller',
  'varargs',
  'kwargs',
]);
const KEYWORDS = new Set([
  'and',
  'or',
  'not',
  'in',
  'is',
  'if',
  'else',
  'elif',
  'for',
  'True',
  'False',
  'None',
  'true',
  'false',
  'none',
  'defined',
  'undefined',
]);

const EXPR = /\{\{-?([\s\S]*?)-?\}\}/g;
const STMT = /\{%-?\s*(?:for\s+([\w\s,]+?)\s+in\b|set\s+(\w+))/g;

/** The variables an expression reads: identifiers not after a dot, not filters, not keywords. */
export function namesIn(expr: string): string[] {
  const code = expr.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, '""');
  const out: string[] = [];
  const re = /(\.|\|\s*)?\b([A-Za-z_][A-Za-z0-9_]*)\b/g;
  for (let m = re.exec(code); m; m = re.exec(code)) {
    if (m[1] || KEYWORDS.has(m[2]) || /^\d/.test(m[2])) continue;
    // `x is defined` / `x is none`: tests, not reads of the test's name.
    if (/\bis\s+(not\s+)?$/.test(code.slice(0, m.index))) continue;
    out.push(m[2]);
  }
  return out;
}

/** Names bound inside one template text by `{% for a, b in … %}` or `{% set x = … %}`. */
function boundIn(text: string): string[] {
  const out: string[] = [];
  for (let m = STMT.exec(text); m; m = STMT.exec(text))
    out.push(...(m[1] ? m[1].split(',').map((s) => s.trim()) : [m[2]]));
  STMT.lastIndex = 0;
  return out;
}

/** Errors for every template name nothing defines (sections that are not templated are left alone). */
export function undefinedTemplateNames(spec: ParsedSpec): SpecError[] {
  const issues = new Issues(locateFromMap(spec.positions, spec.files[0] ?? ''));
  addUndefinedTemplateNames(spec, issues);
  return issues.errors;
}

/** The same, added to `issues`. `also`: names defined beyond what the spec holds (when the parser refused the
 *  matrix, the keys it was written with, so that a refused matrix entry does not hide these errors). */
export function addUndefinedTemplateNames(
  spec: ParsedSpec,
  issues: Issues,
  also: Iterable<string> = [],
): void {
  const known = new Set<string>([
    ...also,
    ...Object.keys(spec.params ?? {}),
    ...Object.keys(spec.rawParams ?? {}),
    ...Object.keys(spec.hptuning?.matrix ?? {}),
    ...(spec.inputs ?? []).map((i) => i.name),
    ...(spec.hptuning?.mapping ?? []).flatMap((m) => Object.keys(m)),
  ]);
  // The resource a hyperband or ASHA round injects as a param (epochs, steps…).
  const resource =
    spec.hptuning?.hyperband?.resource.name ??
    (spec.hptuning?.options?.resource as { name?: unknown } | undefined)?.name;
  if (typeof resource === 'string') known.add(resource);
  const visit = (value: unknown, path: Path): void => {
    if (typeof value === 'string') {
      if (!value.includes('{{')) return;
      const bound = new Set(boundIn(value));
      for (const m of value.matchAll(EXPR))
        for (const name of namesIn(m[1]))
          if (!known.has(name) && !bound.has(name) && !DEFERRED.has(name))
            issues.add(
              path,
              `a defined name in {{ ${m[1].trim()} }} (defined here: ${[...known].sort().join(', ') || 'none'})`,
              `"${name}", which nothing defines`,
            );
    } else if (Array.isArray(value)) value.forEach((v, i) => visit(v, [...path, i]));
    else if (isPlainObject(value))
      for (const [k, v] of Object.entries(value))
        if (k !== 'hptuning' && k !== 'matrix') visit(v, [...path, k]);
  };
  visit(spec.raw, []);
}
