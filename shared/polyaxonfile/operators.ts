// Polyaxon's `parse_expression` (specs/libs/parser.py) with the `for`/`if` operators of ops/operators.py:
// strings are rendered and coerced, mapping keys are rendered too, and in build/run a single-key mapping
// `{for: …}` or `{if: …}` is replaced by what the operator produces.
import type { Issues, Path } from './errors';
import { show } from './errors';
import { setKey } from './merge';
import { isPlainObject, pyStr } from './pyrepr';
import { evaluateString, renderString } from './template';
import { coerceString } from './literal';

export interface RenderOptions {
  operators: boolean;
}

const MAX_FOR = 10000;
const MAX_DEPTH = 60;

export function renderTree(
  value: unknown,
  context: Record<string, unknown>,
  path: Path,
  issues: Issues,
  opts: RenderOptions,
  depth = 0,
): unknown {
  if (depth > MAX_DEPTH) {
    issues.add(path, `at most ${MAX_DEPTH} levels of nesting`, 'deeper nesting');
    return value;
  }
  if (typeof value === 'string') {
    return evaluateString(value, context, (msg) => issues.add(path, 'a valid template', msg));
  }
  if (Array.isArray(value))
    return value.map((v, i) => renderTree(v, context, [...path, i], issues, opts, depth + 1));
  if (!isPlainObject(value)) return value;

  const keys = Object.keys(value);
  if (keys.length === 1 && opts.operators) {
    const key = renderKey(keys[0], context, path, issues);
    if (key === 'for') return renderFor(value[keys[0]], context, [...path, keys[0]], issues, depth);
    if (key === 'if') return renderIf(value[keys[0]], context, [...path, keys[0]], issues, depth);
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const key = renderKey(k, context, path, issues);
    setKey(out, key, renderTree(value[k], context, [...path, k], issues, opts, depth + 1));
  }
  return out;
}

/** Keys are rendered like values ("always parse the keys"); non-string results become their text. */
function renderKey(key: string, context: Record<string, unknown>, path: Path, issues: Issues): string {
  const v = evaluateString(key, context, (msg) =>
    issues.add([...path, key], 'a valid template in the key', msg),
  );
  return typeof v === 'string' ? v : pyStr(v);
}

function operatorArgs(
  raw: unknown,
  path: Path,
  issues: Issues,
  name: string,
  required: string[],
  optional: string[],
): Record<string, unknown> | undefined {
  const all = [...required, ...optional];
  if (!isPlainObject(raw)) {
    issues.add(path, `a mapping with ${all.join(', ')} for the \`${name}\` operator`, show(raw));
    return undefined;
  }
  let ok = true;
  for (const k of Object.keys(raw)) {
    if (!all.includes(k)) {
      issues.add([...path, k], `one of the \`${name}\` operator's keys ${all.join(', ')}`, show(k));
      ok = false;
    }
  }
  for (const k of required) {
    if (!(k in raw)) {
      issues.add([...path, k], `\`${k}\` in the \`${name}\` operator`, 'nothing');
      ok = false;
    }
  }
  return ok ? raw : undefined;
}

/** `{for: {len, do, index='index'}}` → a list; lists produced per iteration are flattened. */
function renderFor(
  raw: unknown,
  context: Record<string, unknown>,
  path: Path,
  issues: Issues,
  depth: number,
): unknown {
  const args = operatorArgs(raw, path, issues, 'for', ['len', 'do'], ['index']);
  if (!args) return [];
  const len = renderTree(args.len, context, [...path, 'len'], issues, { operators: true }, depth + 1);
  const n = toInt(len);
  if (n === undefined || n < 0 || n > MAX_FOR) {
    issues.add([...path, 'len'], `an integer between 0 and ${MAX_FOR}`, show(len));
    return [];
  }
  const index = args.index === undefined ? 'index' : args.index;
  if (typeof index !== 'string') {
    issues.add([...path, 'index'], 'a variable name', show(index));
    return [];
  }
  const items: unknown[] = [];
  for (let i = 0; i < n; i++) {
    // Python does `{index: i}.update(params)`: a param of the same name wins over the loop index.
    const ctx = { [index]: i, ...context };
    items.push(renderTree(args.do, ctx, [...path, 'do'], issues, { operators: true }, depth + 1));
  }
  return items.length > 0 && Array.isArray(items[0])
    ? items.flatMap((x) => (Array.isArray(x) ? x : [x]))
    : items;
}

/** `{if: {cond, do, else_do}}`: cond is rendered, then evaluated as `{% if cond %}1{% else %}0{% endif %}`. */
function renderIf(
  raw: unknown,
  context: Record<string, unknown>,
  path: Path,
  issues: Issues,
  depth: number,
): unknown {
  const args = operatorArgs(raw, path, issues, 'if', ['cond', 'do'], ['else_do']);
  if (!args) return null;
  const cond = renderTree(args.cond, context, [...path, 'cond'], issues, { operators: false }, depth + 1);
  const r = renderString(`{% if ${pyStr(cond)} %}1{% else %}0{% endif %}`, {});
  if (!r.ok) {
    issues.add([...path, 'cond'], 'a condition that evaluates', `${show(cond)} (${r.error})`);
    return null;
  }
  if (coerceString(r.text) === 1) {
    return renderTree(args.do, context, [...path, 'do'], issues, { operators: true }, depth + 1);
  }
  if (args.else_do)
    return renderTree(args.else_do, context, [...path, 'else_do'], issues, { operators: true }, depth + 1);
  return null;
}

/** Python's `int(x)` for the values a `len` can hold. */
function toInt(v: unknown): number | undefined {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) return Number(v);
  return undefined;
}
