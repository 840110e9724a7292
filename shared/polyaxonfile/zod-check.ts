// Structural checks with zod, reported as SpecErrors at the offending field. A schema's `.describe()` text
// is used as the "expected" part of the message.
import { z, type ZodIssue, type ZodTypeAny } from 'zod';
import { show, type Issues, type Path } from './errors';
import { getKey } from './merge';

/** Peels optional/nullable/default/effects/lazy wrappers, collecting the first description met. */
function unwrap(schema: ZodTypeAny): { inner: ZodTypeAny; description?: string } {
  let s: ZodTypeAny = schema;
  let description = s.description;
  for (let i = 0; i < 20; i++) {
    const def = s._def as {
      innerType?: ZodTypeAny;
      schema?: ZodTypeAny;
      getter?: () => ZodTypeAny;
      in?: ZodTypeAny;
    };
    const next = def.innerType ?? def.schema ?? def.getter?.() ?? def.in;
    if (!next) break;
    s = next;
    description ??= s.description;
  }
  return { inner: s, description };
}

/** The schema that validates `path` inside `root`, if it can be followed. */
function schemaAt(root: ZodTypeAny, path: Path): ZodTypeAny | undefined {
  let s: ZodTypeAny | undefined = root;
  for (const seg of path) {
    if (!s) return undefined;
    const { inner } = unwrap(s);
    if (inner instanceof z.ZodObject) s = (inner.shape as Record<string, ZodTypeAny>)[String(seg)];
    else if (inner instanceof z.ZodRecord) s = inner.valueSchema as ZodTypeAny;
    else if (inner instanceof z.ZodArray) s = inner.element as ZodTypeAny;
    else if (inner instanceof z.ZodTuple) s = (inner.items as ZodTypeAny[])[Number(seg)];
    else if (inner instanceof z.ZodUnion) {
      const options = inner.options as ZodTypeAny[];
      s = options.map((o) => schemaAt(o, [seg])).find(Boolean);
    } else return undefined;
  }
  return s;
}

function valueAt(value: unknown, path: Path): unknown {
  let v = value;
  for (const seg of path) v = getKey(v, seg);
  return v;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  null: 'null',
};

function describeAt(root: ZodTypeAny, path: Path): string | undefined {
  const s = schemaAt(root, path);
  return s ? unwrap(s).description : undefined;
}

function allowedKeys(root: ZodTypeAny, path: Path): string[] {
  const s = schemaAt(root, path);
  const inner = s ? unwrap(s).inner : undefined;
  return inner instanceof z.ZodObject ? Object.keys(inner.shape as object) : [];
}

function report(root: ZodTypeAny, value: unknown, base: Path, iss: ZodIssue, issues: Issues): void {
  const path = [...base, ...iss.path];
  const found = show(valueAt(value, iss.path));
  const described = describeAt(root, iss.path);
  switch (iss.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeys(root, iss.path);
      for (const key of iss.keys) {
        issues.add(
          [...path, key],
          allowed.length ? `one of the keys ${allowed.join(', ')}` : 'no such key',
          show(key),
        );
      }
      return;
    }
    case 'invalid_type':
      issues.add(path, described ?? TYPE_WORDS[iss.expected] ?? iss.expected, found);
      return;
    case 'invalid_enum_value':
      issues.add(path, `one of ${iss.options.map(String).join(', ')}`, found);
      return;
    case 'invalid_literal':
      issues.add(path, show(iss.expected), found);
      return;
    case 'too_small':
    case 'too_big': {
      const op = iss.code === 'too_small' ? (iss.inclusive ? '>=' : '>') : iss.inclusive ? '<=' : '<';
      const bound = iss.code === 'too_small' ? iss.minimum : iss.maximum;
      const what =
        iss.type === 'array'
          ? 'a list with length'
          : iss.type === 'string'
            ? 'a string with length'
            : 'a number';
      issues.add(path, described ?? `${what} ${op} ${String(bound)}`, found);
      return;
    }
    case 'custom': {
      const params = iss.params as { expected?: string; found?: string } | undefined;
      issues.add(path, params?.expected ?? iss.message, params?.found ?? found);
      return;
    }
    default:
      issues.add(path, described ?? iss.message, found);
  }
}

/** Validates `value` with `schema`; on failure every issue is added to `issues` and undefined returned. */
export function check<T extends ZodTypeAny>(
  schema: T,
  value: unknown,
  base: Path,
  issues: Issues,
): z.infer<T> | undefined {
  const r = schema.safeParse(value);
  if (r.success) return r.data as z.infer<T>;
  for (const iss of r.error.issues) report(schema, value, base, iss, issues);
  return undefined;
}

/** Like `check`, but unknown top-level keys (reported as errors) do not stop the caller from reading the
 *  known ones, so one pass reports problems in the rest of the object too. */
export function checkObject<T extends z.AnyZodObject>(
  schema: T,
  value: unknown,
  base: Path,
  issues: Issues,
): z.infer<T> | undefined {
  const strict = check(schema, value, base, issues);
  if (strict !== undefined) return strict;
  const r = schema.strip().safeParse(value);
  return r.success ? (r.data as z.infer<T>) : undefined;
}

/** Enum values accept lower, UPPER and Capitalised spellings (polyaxon_schemas/utils.py); they are stored
 *  lower-case. */
export function looseEnum<T extends string>(values: readonly [T, ...T[]]) {
  return z.preprocess((v) => {
    if (typeof v !== 'string') return v;
    const lower = v.toLowerCase();
    const ok = values.includes(lower as T) && (v === lower || v === lower.toUpperCase() || v === cap(lower));
    return ok ? lower : v;
  }, z.enum(values));
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export const num = z.number().finite();
export const int = z.number().int();
export const str = z.string();
export const strList = z.array(z.string());
/** Raw Kubernetes objects (affinity, tolerations, volumes…): checked for shape only, keys are free. */
export const anyMap = z.record(z.unknown()).describe('a mapping');
export const anyMapList = z.array(z.record(z.unknown())).describe('a list of mappings');
