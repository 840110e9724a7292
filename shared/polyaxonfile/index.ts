// Public API of the polyaxonfile reader. Takes file texts (no file system: this also runs in the renderer).
import type { ParsedSpec, Result, SpecError, SpecKind } from './types';
import { Issues, formatError, internalError, show } from './errors';
import { loadFile, makeLocate, positionMap, type LoadedFile } from './positions';
import { deepMerge, setKey } from './merge';
import { isPlainObject } from './pyrepr';
import { V0_KINDS, parseV0, type ParseContext } from './v0';
import { parseV1 } from './v1';
import { overrideIssue } from './io';

export * from './types';
export * from './matrix';
export { formatError } from './errors';
export { renderExperiment, type RenderOptions } from './render';

export interface ParseOptions {
  /** `-P name=value` overrides, values as typed on the command line. */
  params?: Record<string, string>;
}

const V1_KINDS = ['component', 'operation'] as const;
const ALL_KINDS = [...V0_KINDS, ...V1_KINDS];

function fileError(file: string, expected: string, found: string): SpecError {
  const partial = { file, line: 1, column: 1, path: '', expected, found };
  return { ...partial, message: formatError(partial) };
}

function load(files: Array<{ name: string; text: string }>): { loaded: LoadedFile[]; errors: SpecError[] } {
  const loaded: LoadedFile[] = [];
  const errors: SpecError[] = [];
  for (const f of files) {
    const name = typeof f?.name === 'string' ? f.name : String(f?.name);
    if (typeof f?.text !== 'string') {
      errors.push({ ...fileError(name, 'the text of the file', show(f?.text)), line: 0, column: 0 });
      continue;
    }
    const r = loadFile(name, f.text);
    errors.push(...r.errors);
    if (!r.file) continue;
    if (!isPlainObject(r.file.value)) {
      const found =
        r.file.value === null || r.file.value === undefined ? 'an empty document' : show(r.file.value);
      errors.push(fileError(name, 'a mapping of sections (version, kind, …)', found));
      continue;
    }
    loaded.push(r.file);
  }
  return { loaded, errors };
}

function checkVersion(doc: Record<string, unknown>, v1: boolean, issues: Issues): void {
  const version = doc.version;
  const ok = v1 ? version === 1.1 || version === '1.1' : version === 1;
  if (ok) return;
  const expected = v1
    ? '`version: 1.1` (the only version of the v1 format)'
    : '`version: 1` (the only version of the v0 format)';
  issues.add(['version'], expected, show(version));
}

function parseInner(files: Array<{ name: string; text: string }>, opts: ParseOptions): Result<ParsedSpec> {
  if (!Array.isArray(files) || files.length === 0) {
    return {
      ok: false,
      errors: [{ ...fileError('', 'at least one polyaxonfile', 'none'), line: 0, column: 0 }],
    };
  }
  const { loaded, errors } = load(files);
  if (errors.length) return { ok: false, errors };
  // Later files win: mappings merge recursively, lists and scalars are replaced (SPEC §1.1).
  const merged = loaded.reduce<unknown>((acc, f) => deepMerge(acc, f.value), {}) as Record<string, unknown>;
  const locate = makeLocate(loaded);
  const issues = new Issues(locate);

  const overrides: Record<string, string> = {};
  for (const [name, value] of Object.entries(opts.params ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name))
      overrideIssue(issues, name, 'a param name (letters, digits, _ . -)', show(name));
    else setKey(overrides, name, typeof value === 'string' ? value : JSON.stringify(value));
  }

  const kind = merged.kind;
  const v1 =
    kind === 'component' ||
    kind === 'operation' ||
    (kind == null && (merged.version === 1.1 || merged.version === '1.1'));
  checkVersion(merged, v1, issues);
  if (kind === undefined || kind === null) {
    issues.add(['kind'], `a \`kind\` (${(v1 ? V1_KINDS : V0_KINDS).join(', ')})`, 'nothing');
    return { ok: false, errors: issues.errors };
  }
  if (typeof kind !== 'string' || !(ALL_KINDS as readonly string[]).includes(kind)) {
    issues.add(['kind'], `one of ${ALL_KINDS.join(', ')}`, show(kind));
    return { ok: false, errors: issues.errors };
  }
  const ctx: ParseContext = { issues, files: loaded.map((f) => f.name), overrides };
  const spec = v1
    ? parseV1(merged, kind as 'component' | 'operation', ctx)
    : parseV0(merged, kind as SpecKind, ctx);
  if (!spec || issues.errors.length) {
    return {
      ok: false,
      errors: issues.errors.length
        ? issues.errors
        : [internalError(ctx.files[0], 'rejected without a reason')],
    };
  }
  spec.positions = positionMap(merged, locate);
  return { ok: true, value: spec };
}

/** Reads, merges (later files win) and validates polyaxonfiles. Never throws. */
export function parsePolyaxonfiles(
  files: Array<{ name: string; text: string }>,
  opts: ParseOptions = {},
): Result<ParsedSpec> {
  try {
    return parseInner(files, opts ?? {});
  } catch (e) {
    const first = Array.isArray(files) && typeof files[0]?.name === 'string' ? files[0].name : '';
    return { ok: false, errors: [internalError(first, e)] };
  }
}
