// Polyaxon's query and sort syntax for experiment lists (`-q`, `-s`; SPEC §3.1), applied to the list the engine
// gives: `metric.loss:<0.2, status:succeeded|stopped, declarations.lr:~0.1, created_at:2026-12-01 .. 2026-12-07`
// and `-metric.loss, created_at`. Conditions are ANDed; `a|b` is any of, `~` negates, `>`/`>=`/`<`/`<=`
// compare numbers and dates, `a .. b` is a closed range.
import type { Experiment } from '../../shared/domain';
import { UsageError } from './format';

type Value = number | string | string[] | null;

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

function field(x: Experiment, name: string): Value | undefined {
  const dot = name.indexOf('.');
  const head = dot < 0 ? name : name.slice(0, dot);
  const rest = name.slice(dot + 1);
  if (dot > 0 && (head === 'declarations' || head === 'params')) {
    const v = x.params[rest];
    return v === undefined || v === null ? null : typeof v === 'number' ? v : String(v);
  }
  if (dot > 0 && (head === 'metric' || head === 'metrics')) return x.lastMetrics[rest] ?? null;
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

/** A date as Polyaxon writes it (`2026-12-07`, `2026-12-07 13:05[:09]`, UTC) or ISO, in ms. */
function dateMs(s: string, where: string): number {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?Z?$/.exec(s.trim());
  const ms = m ? Date.parse(`${m[1]}T${m[2] ?? '00:00'}${m[2]?.length === 5 ? ':00' : ''}Z`) : NaN;
  if (Number.isNaN(ms))
    throw new UsageError(`${where}: expected a date YYYY-MM-DD[ HH:MM[:SS]], found '${s}'`);
  return ms;
}

type Test = (v: Value) => boolean;

function comparer(name: string, raw: string, where: string): (v: Value) => number | null {
  if (DATE_FIELDS.has(name)) {
    const t = dateMs(raw, where);
    return (v) => (typeof v === 'string' ? Date.parse(v) - t : null);
  }
  const n = Number(raw);
  if (raw.trim() === '' || Number.isNaN(n))
    throw new UsageError(`${where}: expected a number, found '${raw}'`);
  return (v) => (typeof v === 'number' ? v - n : null);
}

function condition(name: string, cond: string, where: string): Test {
  if (cond.startsWith('~')) {
    const t = condition(name, cond.slice(1), where);
    return (v) => !t(v);
  }
  const range = cond.split('..');
  if (range.length === 2) {
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
  const options = cond.split('|').map((s) => s.trim());
  const equal = (v: Value, o: string) =>
    v === null
      ? o === 'null' || o === ''
      : typeof v === 'number'
        ? o !== '' && Number(o) === v
        : Array.isArray(v)
          ? v.includes(o)
          : DATE_FIELDS.has(name)
            ? v.startsWith(o.replace(' ', 'T'))
            : v === o;
  return (v) => options.some((o) => equal(v, o));
}

/** A filter for `-q QUERY`; throws a UsageError that names the condition and what was expected. */
export function parseQuery(q: string): (x: Experiment) => boolean {
  const tests: Array<{ name: string; test: Test }> = [];
  for (const part of q
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const where = `-q '${part}'`;
    const colon = part.indexOf(':');
    if (colon <= 0) throw new UsageError(`${where}: expected field:condition (fields: ${FIELDS})`);
    const name = part.slice(0, colon).trim();
    if (!known(name)) throw new UsageError(`${where}: no field '${name}'; one of ${FIELDS}`);
    tests.push({ name, test: condition(name, part.slice(colon + 1).trim(), where) });
  }
  return (x) => tests.every(({ name, test }) => test(field(x, name) ?? null));
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
      const va = field(a, name) ?? null;
      const vb = field(b, name) ?? null;
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

/** `-q` then `-s` over a list (unchanged order without `-s`). */
export function queryExperiments(xs: Experiment[], o: { query?: string; sort?: string }): Experiment[] {
  const keep = o.query ? parseQuery(o.query) : () => true;
  const out = xs.filter(keep);
  return o.sort ? out.sort(parseSort(o.sort)) : out;
}
