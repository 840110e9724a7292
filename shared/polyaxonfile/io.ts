// Typed inputs/outputs: v0.5 `inputs:`/`outputs:` (snake_case, `default`) and v1 component IO (camelCase,
// `value`). Params must match them, required inputs need a value, and values must fit their type.
import { z } from 'zod';
import type { IOSpec } from './types';
import { COMMAND_LINE, show, type Issues, type Path } from './errors';
import { check, str } from './zod-check';
import { isPlainObject } from './pyrepr';
import { setKey } from './merge';
import { coerceString } from './literal';

export const V0_IO_TYPES = [
  'int',
  'float',
  'str',
  'bool',
  'dict',
  'uri',
  'auth',
  'list',
  'gcs_path',
  's3_path',
  'azure_path',
  'path',
  'metric',
  'metadata',
] as const;

export const V1_IO_TYPES = [
  'any',
  'int',
  'float',
  'bool',
  'str',
  'dict',
  'dict_of_dicts',
  'uri',
  'auth',
  'list',
  'gcs',
  's3',
  'wasb',
  'dockerfile',
  'file',
  'tensorboard',
  'git',
  'image',
  'event',
  'artifacts',
  'path',
  'metric',
  'metadata',
  'date',
  'datetime',
  'uuid',
] as const;

const v0Entry = z
  .object({
    name: str,
    description: str.nullish(),
    type: z.enum(V0_IO_TYPES).nullish(),
    default: z.unknown(),
    is_optional: z.boolean().nullish(),
    is_list: z.boolean().nullish(),
    is_flag: z.boolean().nullish(),
    options: z.array(z.unknown()).nullish(),
  })
  .strict();

const v1Entry = z
  .object({
    name: str,
    description: str.nullish(),
    type: z.enum(V1_IO_TYPES).nullish(),
    value: z.unknown(),
    isOptional: z.boolean().nullish(),
    isList: z.boolean().nullish(),
    isFlag: z.boolean().nullish(),
    argFormat: str.nullish(),
    delayValidation: z.boolean().nullish(),
    options: z.array(z.unknown()).nullish(),
    connection: str.nullish(),
    toInit: z.boolean().nullish(),
    toEnv: str.nullish(),
  })
  .strict();

export function parseIOList(
  raw: unknown,
  path: Path,
  issues: Issues,
  era: 'v0' | 'v1',
): IOSpec[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  const list = check(z.array(era === 'v0' ? v0Entry : v1Entry), raw, path, issues);
  if (!list) return undefined;
  const out: IOSpec[] = [];
  const seen = new Set<string>();
  list.forEach((e, i) => {
    if (seen.has(e.name)) issues.add([...path, i, 'name'], 'a name used once', show(e.name));
    seen.add(e.name);
    const v0 = era === 'v0' ? (e as z.infer<typeof v0Entry>) : undefined;
    const v1 = era === 'v1' ? (e as z.infer<typeof v1Entry>) : undefined;
    const io: IOSpec = {
      name: e.name,
      isOptional: (v0?.is_optional ?? v1?.isOptional) === true,
      isList: (v0?.is_list ?? v1?.isList) === true,
      isFlag: (v0?.is_flag ?? v1?.isFlag) === true,
    };
    if (e.description != null) io.description = e.description;
    if (e.type != null) io.type = e.type;
    const value = v0 ? v0.default : v1?.value;
    if (value !== undefined && value !== null) io.value = value;
    if (e.options != null) io.options = e.options;
    out.push(io);
  });
  return out;
}

function fitsType(type: string | undefined, v: unknown): boolean {
  switch (type) {
    case undefined:
    case 'any':
      return true;
    case 'int':
      return typeof v === 'number' && Number.isInteger(v);
    case 'float':
    case 'metric':
      return typeof v === 'number';
    case 'bool':
      return typeof v === 'boolean';
    case 'str':
    case 'date':
    case 'datetime':
    case 'uuid':
      return typeof v === 'string';
    case 'dict':
    case 'metadata':
      return isPlainObject(v);
    case 'dict_of_dicts':
      return isPlainObject(v) && Object.values(v).every(isPlainObject);
    case 'list':
      return Array.isArray(v);
    default:
      // paths, URIs, connections, images…: a string, or a mapping for the structured ones.
      return typeof v === 'string' || isPlainObject(v);
  }
}

const TYPE_TEXT: Record<string, string> = {
  int: 'an integer',
  float: 'a number',
  bool: 'true or false',
  str: 'a string',
};

/** What a value must look like for its IO declaration, or undefined when it fits. */
export function ioValueProblem(io: IOSpec, value: unknown): string | undefined {
  const typeText = io.type ? (TYPE_TEXT[io.type] ?? `a value of type ${io.type}`) : 'a value';
  const items = io.isList ? value : [value];
  if (!Array.isArray(items) || !items.every((v) => fitsType(io.type, v))) {
    return `${io.isList ? `a list of ${io.type ?? 'values'}` : typeText} for \`${io.name}\``;
  }
  if (io.options && !io.options.some((o) => JSON.stringify(o) === JSON.stringify(value))) {
    return `one of ${io.options.map((o) => show(o)).join(', ')} for \`${io.name}\``;
  }
  return undefined;
}

const STRING_TYPES = new Set([
  'str',
  'path',
  'uri',
  'gcs',
  's3',
  'wasb',
  'gcs_path',
  's3_path',
  'azure_path',
  'date',
  'datetime',
  'uuid',
  'image',
]);

/** Coerces a `-P name=value` string: literal-eval (numbers, true/false, lists, JSON) unless the declared
 *  type is a string kind, where the text is taken as written. */
export function coerceOverride(value: string, io?: IOSpec): unknown {
  if (io?.type && STRING_TYPES.has(io.type) && !io.isList) return value;
  return coerceString(value, { json: true });
}

export function overridePath(name: string): Path {
  return ['-P', name];
}

/** Reports a `-P` problem: it was written on the command line, not in a file. */
export function overrideIssue(issues: Issues, name: string, expected: string, found: string): void {
  issues.addAt({ file: COMMAND_LINE, line: 0, column: 0 }, overridePath(name), expected, found);
}

/**
 * Builds the render context: flags print `--name` when true and nothing otherwise; Polyaxon v1's `params`
 * context gives each param's `value` and `as_arg` (`--name=value`; a flag `--name` or nothing), unless a param
 * is itself named `params`.
 */
export function templateContext(
  params: Record<string, unknown>,
  ios: IOSpec[] | undefined,
): Record<string, unknown> {
  const ctx: Record<string, unknown> = { ...params };
  const flags = new Set((ios ?? []).filter((io) => io.isFlag).map((io) => io.name));
  for (const name of flags) setKey(ctx, name, params[name] === true ? `--${name}` : '');
  if (!Object.prototype.hasOwnProperty.call(params, 'params')) {
    const context: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(params)) {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      const asArg =
        flags.has(name) || typeof value === 'boolean'
          ? value === true
            ? `--${name}`
            : ''
          : value === null || value === undefined
            ? ''
            : `--${name}=${text}`;
      setKey(context, name, { value, as_arg: asArg });
    }
    setKey(ctx, 'params', context);
  }
  return ctx;
}
