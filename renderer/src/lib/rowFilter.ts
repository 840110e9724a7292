// The experiments table's filter: space-separated conditions `field op value`, all of which must hold.
// A field is a param (`lr`), a metric's last value (`loss`), its smallest or largest value (`loss.min`,
// `loss.max`), or one of status, name, backend, group, id. Operators: = != < <= > >= and ~ (contains).
// Numbers compare as numbers; anything else as text. Axon's own small language, so it is written here.
import type { Experiment } from '../../../shared/domain';

export interface RowFilter {
  test(x: Experiment): boolean;
  /** What could not be understood, one message per condition; the others still apply. */
  errors: string[];
  /** How many conditions apply. */
  count: number;
}

const OPS = ['<=', '>=', '!=', '=', '<', '>', '~'] as const;
type Op = (typeof OPS)[number];
const BUILTIN: Record<string, (x: Experiment) => unknown> = {
  status: (x) => x.status,
  name: (x) => x.name,
  backend: (x) => x.backend,
  group: (x) => x.groupId,
  id: (x) => x.id,
};

function compare(a: unknown, op: Op, raw: string): boolean {
  if (a === undefined || a === null) return op === '!=';
  const n = Number(raw);
  if (typeof a === 'number' && raw.trim() !== '' && Number.isFinite(n)) {
    switch (op) {
      case '=':
        return a === n;
      case '!=':
        return a !== n;
      case '<':
        return a < n;
      case '<=':
        return a <= n;
      case '>':
        return a > n;
      case '>=':
        return a >= n;
      case '~':
        return String(a).includes(raw);
    }
  }
  const s = typeof a === 'string' ? a : JSON.stringify(a);
  switch (op) {
    case '=':
      return s === raw;
    case '!=':
      return s !== raw;
    case '~':
      return s.toLowerCase().includes(raw.toLowerCase());
    default:
      return op === '<' ? s < raw : op === '<=' ? s <= raw : op === '>' ? s > raw : s >= raw;
  }
}

/** `keys`: the params and metrics the rows have, so that an unknown field is reported, not silently empty. */
export function parseRowFilter(text: string, keys: { params: string[]; metrics: string[] }): RowFilter {
  const errors: string[] = [];
  const conditions: Array<(x: Experiment) => boolean> = [];
  for (const term of text.trim().split(/\s+/).filter(Boolean)) {
    const at = term.search(/[<>=!~]/);
    const op = at > 0 ? OPS.find((o) => term.startsWith(o, at)) : undefined;
    if (!op) {
      errors.push(`“${term}”: expected field, operator and value, e.g. lr<0.01 or status=running`);
      continue;
    }
    const field = term.slice(0, at);
    const value = term.slice(at + op.length).replace(/^(["'])(.*)\1$/, '$2');
    const metric = /^(.+)\.(min|max)$/.exec(field);
    let get: ((x: Experiment) => unknown) | undefined;
    if (field in BUILTIN) get = BUILTIN[field];
    else if (keys.params.includes(field)) get = (x) => x.params[field];
    else if (keys.metrics.includes(field)) get = (x) => x.lastMetrics[field];
    else if (metric && keys.metrics.includes(metric[1]))
      get = metric[2] === 'min' ? (x) => x.minMetrics?.[metric[1]] : (x) => x.maxMetrics?.[metric[1]];
    if (!get) {
      const known = [...keys.params, ...keys.metrics].slice(0, 8).join(', ');
      errors.push(
        `“${field}” is not a param, a metric or one of ${Object.keys(BUILTIN).join(', ')}${known ? ` (this project has: ${known}…)` : ''}`,
      );
      continue;
    }
    const read = get;
    conditions.push((x) => compare(read(x), op, value));
  }
  return { test: (x) => conditions.every((c) => c(x)), errors, count: conditions.length };
}
