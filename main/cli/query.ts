// Polyaxon's query and sort syntax for experiment lists (`-q`, `-s`; SPEC §3.1), applied to the list the engine
// gives: `metric.loss:<0.2, status:succeeded|stopped, declarations.lr:~0.1, created_at:2026-12-01 .. 2026-12-07`
// and `-metric.loss, created_at`. Conditions are ANDed; `a|b` is any of, `~` negates, `>`/`>=`/`<`/`<=`
// compare numbers and dates, `a .. b` is a closed range. A bare date stands for its whole day (UTC), as
// Polyaxon compares the date part then: `created_at:<=2026-12-07` includes the 7th. A run without the param or
// metric a condition names matches none of its conditions, negated ones included, except `:null`.
import type { Command } from 'commander';
import type { Experiment } from '../../shared/domain';
import { EXPERIMENT_STATUSES } from '../../shared/statuses';
import { UsageError } from './format';

/** A value as conditions see it; `json` for a param that is a list or a mapping; undefined: the run lacks it. */
type Value = number | string | boolean | { json: string } | string[] | null | undefined;

const DATE_FIELDS = new Set(['created_at', 'started_at', 'finished_at']);
const FIELDS =
  'id, name, status, tags, group (group.id), project (project.name), created_at, started_at, finished_at, ' +
  'declarations.NAME (params.NAME), metric.NAME (metrics.NAME)';

const PLAIN = new Set([
  'id',
  'name',
  'status',
  'tags',
  'group',
  'group.id',
  'project',
  'project.name',
  ...DATE_FIELDS,
]);
const known = (name: string) => PLAIN.has(name) || /^(declarations|params|metric|metrics)\.[^.]/.test(name);

function field(x: Experiment, name: string): Value {
  const dot = name.indexOf('.');
  const head = dot < 0 ? name : name.slice(0, dot);
  const rest = name.slice(dot + 1);
  if (dot > 0 && (head === 'declarations' || head === 'params')) {
    const v = x.params[rest];
    if (v === undefined) return undefined;
    if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
    return { json: JSON.stringify(v) };
  }
  if (dot > 0 && (head === 'metric' || head === 'metrics')) return x.lastMetrics[rest];
  switch (name) {
    case 'id':
      return x.id;
    case 'name':
      return x.name;
    case 'status':
      return x.status;
    case 'tags':
      return x.tags;
    case 'group':
    case 'group.id':
      return x.groupId;
    case 'project':
    case 'project.name':
      return x.projectName;
    case 'created_at':
      return x.createdAt;
    case 'started_at':
      return x.startedAt;
    case 'finished_at':
      return x.finishedAt;
  }
  return undefined;
}

const BARE_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)Z?$/;

/** A date condition's value: a whole day (compared by the date part) or a moment (ms), checked. */
function dateArg(s: string, where: string): { day: string } | { ms: number; text: string } {
  const t = s.trim();
  if (BARE_DATE.test(t) && !Number.isNaN(Date.parse(`${t}T00:00:00Z`))) return { day: t };
  const m = DATE_TIME.exec(t);
  const ms = m ? Date.parse(`${m[1]}T${m[2]}${m[2].length === 5 ? ':00' : ''}Z`) : NaN;
  if (Number.isNaN(ms))
    throw new UsageError(`${where}: expected a date YYYY-MM-DD[ HH:MM[:SS]], found '${s}'`);
  return { ms, text: `${m![1]}T${m![2]}` };
}

type Test = (v: Value) => boolean;

/** v compared with the argument: negative, 0 or positive; null when v cannot be compared. */
function comparer(name: string, raw: string, where: string): (v: Value) => number | null {
  if (DATE_FIELDS.has(name)) {
    const a = dateArg(raw, where);
    return (v) =>
      typeof v !== 'string' ? null : 'day' in a ? v.slice(0, 10).localeCompare(a.day) : Date.parse(v) - a.ms;
  }
  const n = Number(raw);
  if (raw.trim() === '' || Number.isNaN(n))
    throw new UsageError(`${where}: expected a number, found '${raw}'`);
  return (v) => (typeof v === 'number' ? v - n : null);
}

/** One option of `a|b`, as a test of equality; checked where the field allows only some values. */
function equalTo(name: string, o: string, where: string): Test {
  if (o === 'null') return (v) => v === null || v === undefined;
  if (name === 'status' && !(EXPERIMENT_STATUSES as readonly string[]).includes(o))
    throw new UsageError(`${where}: no status '${o}'; one of ${EXPERIMENT_STATUSES.join(', ')}`);
  if (DATE_FIELDS.has(name)) {
    const a = dateArg(o, where);
    return (v) => typeof v === 'string' && ('day' in a ? v.startsWith(a.day) : v.startsWith(a.text));
  }
  const n = o !== '' && !Number.isNaN(Number(o)) ? Number(o) : null;
  const bool = /^(true|false)$/i.test(o) ? o.toLowerCase() === 'true' : null;
  // A list or mapping as JSON or Python writes it (`[1, 2]`, `['a', 'b']`).
  let json: string | null = null;
  if (/^[[{]/.test(o))
    try {
      json = JSON.stringify(JSON.parse(o.replace(/'/g, '"')));
    } catch {
      throw new UsageError(`${where}: '${o}' is not a list or mapping (write it as JSON: [1, 2])`);
    }
  return (v) => {
    if (v === null || v === undefined) return false;
    if (typeof v === 'number') return n === v;
    if (typeof v === 'boolean') return bool === v;
    if (Array.isArray(v)) return v.includes(o);
    if (typeof v === 'object') return json !== null && v.json === json;
    return v === o;
  };
}

function condition(name: string, cond: string, where: string): Test {
  if (cond.startsWith('~')) {
    const t = condition(name, cond.slice(1), where);
    const aboutNull = cond.slice(1).split('|').includes('null');
    // A run without the param or metric matches no condition on it, a negated one neither (as SQL's NULL).
    return (v) => (v === undefined && !aboutNull ? false : !t(v));
  }
  const range = cond.split('..');
  // A range of numbers or dates; `..` inside another value (`declarations.path:../data`) is that value.
  const bound = (s: string) =>
    s.trim() !== '' &&
    (DATE_FIELDS.has(name) ? /^\d{4}-\d{2}-\d{2}/.test(s.trim()) : !Number.isNaN(Number(s)));
  if (range.length === 2 && bound(range[0]) && bound(range[1])) {
    const lo = comparer(name, range[0].trim(), where);
    const hi = comparer(name, range[1].trim(), where);
    return (v) => {
      const a = lo(v);
      const b = hi(v);
      return a !== null && b !== null && a >= 0 && b <= 0;
    };
  }
  const op = /^(>=|<=|>|<)/.exec(cond)?.[1];
  if (op) {
    const cmp = comparer(name, cond.slice(op.length), where);
    return (v) => {
      const d = cmp(v);
      if (d === null) return false;
      return op === '>' ? d > 0 : op === '>=' ? d >= 0 : op === '<' ? d < 0 : d <= 0;
    };
  }
  const options = cond.split('|').map((s) => equalTo(name, s.trim(), where));
  return (v) => options.some((t) => t(v));
}

/** Splits on the commas that are not inside brackets (`declarations.layers:[1, 2], status:succeeded`). */
function conditions(q: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of q) {
    if (ch === '[' || ch === '{') depth++;
    else if ((ch === ']' || ch === '}') && depth > 0) depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter(Boolean);
}

/** A filter for `-q QUERY`; throws a UsageError that names the condition and what was expected. */
export function parseQuery(q: string): (x: Experiment) => boolean {
  const tests: Array<{ name: string; test: Test }> = [];
  for (const part of conditions(q)) {
    const where = `-q '${part}'`;
    const colon = part.indexOf(':');
    if (colon <= 0) throw new UsageError(`${where}: expected field:condition (fields: ${FIELDS})`);
    const name = part.slice(0, colon).trim();
    if (!known(name)) throw new UsageError(`${where}: no field '${name}'; one of ${FIELDS}`);
    tests.push({ name, test: condition(name, part.slice(colon + 1).trim(), where) });
  }
  return (x) => tests.every(({ name, test }) => test(field(x, name)));
}

/** A value to sort by: missing ones (and a run without tags) as null. */
function sortValue(x: Experiment, name: string): number | string | null {
  const v = field(x, name);
  if (v === undefined || v === null || (Array.isArray(v) && !v.length)) return null;
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  return Array.isArray(v) ? [...v].sort().join(', ') : v.json;
}

/** An order for `-s SORT` (`-metric.loss, created_at`: `-` for descending); missing values go last. */
export function parseSort(s: string): (a: Experiment, b: Experiment) => number {
  const keys = s
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)
    .map((k) => {
      const desc = k.startsWith('-');
      const name = desc ? k.slice(1) : k;
      if (!known(name)) throw new UsageError(`-s '${k}': no field '${name}'; one of ${FIELDS}`);
      return { name, desc };
    });
  return (a, b) => {
    for (const { name, desc } of keys) {
      const va = sortValue(a, name);
      const vb = sortValue(b, name);
      if (va === null || vb === null) {
        if (va !== vb) return va === null ? 1 : -1;
        continue;
      }
      const d =
        typeof va === 'number' && typeof vb === 'number'
          ? va - vb
          : String(va).localeCompare(String(vb), undefined, { numeric: true });
      if (d) return desc ? -d : d;
    }
    return 0;
  };
}

/** The options of the commands that list experiments (`project experiments`, `group experiments`). */
export function withListOptions(c: Command): Command {
  return c
    .option('-m, --metrics', 'their metrics only (not their params)')
    .option('-d, --declarations', 'their params only (not their metrics)')
    .option(
      '-q, --query <query>',
      "only those that match: Polyaxon's syntax, e.g. 'metric.loss:<0.2, status:succeeded'",
    )
    .option('-s, --sort <fields>', "their order, e.g. '-metric.accuracy' (- for descending)");
}

/** `-q` then `-s` over a list (unchanged order without `-s`). */
export function queryExperiments(xs: Experiment[], o: { query?: string; sort?: string }): Experiment[] {
  const keep = o.query ? parseQuery(o.query) : () => true;
  const out = xs.filter(keep);
  return o.sort ? out.sort(parseSort(o.sort)) : out;
}
