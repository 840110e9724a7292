// Reads YAML texts with positions and answers "where was this field written?" for the merged document:
// the last file that holds the whole path wrote the value that won the merge.
import {
  LineCounter,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  visit,
  type Document,
  type Node,
} from 'yaml';
import type { SpecError } from './types';
import { formatError, type Locate, type Path, type Place } from './errors';
import { isPlainObject } from './pyrepr';
import { YAML_LIMITS, aliasLimitHit, checkYamlText, countValuesOver, type LimitHit } from './limits';

export interface LoadedFile {
  name: string;
  doc: Document.Parsed;
  lines: LineCounter;
  value: unknown;
}

function yamlError(file: string, line: number, column: number, found: string): SpecError {
  const partial = { file, line, column, path: '', expected: 'valid YAML', found };
  return { ...partial, message: formatError(partial) };
}

/** Parses one file; YAML problems come back as SpecErrors at the yaml package's position. */
export function loadFile(name: string, text: string): { file?: LoadedFile; errors: SpecError[] } {
  const hit = checkYamlText(text);
  if (hit) return { errors: [limitError(name, text, hit)] };
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: true,
    merge: true,
    logLevel: 'error',
  });
  const errors = doc.errors.map((e) => {
    // An error found at the very end (an unclosed `[`) is placed on the last line, past its last character,
    // rather than on a line after the file's final newline that no editor shows.
    const at = e.pos[0] >= text.length && text.endsWith('\n') ? text.length - 1 : e.pos[0];
    const pos = lines.linePos(at);
    const atEnd = e.pos[0] >= text.length;
    return yamlError(
      name,
      pos.line,
      pos.col,
      `${e.message.split('\n')[0]}${atEnd ? ' (at the end of the file)' : ''}`,
    );
  });
  if (errors.length) return { errors };
  const loop = recursiveAlias(doc, lines);
  if (loop)
    return {
      errors: [
        yamlError(name, loop.line, loop.col, 'an alias inside the node it refers to (a recursive document)'),
      ],
    };
  try {
    const value = doc.toJS({ maxAliasCount: YAML_LIMITS.maxAliasCount });
    const tooMany = countValuesOver(value);
    if (tooMany) return { errors: [limitError(name, text, tooMany)] };
    return { file: { name, doc, lines, value }, errors };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const alias = aliasLimitHit(message);
    if (alias) return { errors: [limitError(name, text, alias)] };
    return { errors: [yamlError(name, 1, 1, message)] };
  }
}

/** A limit of limits.ts that the file passed, at the place it was passed. */
function limitError(file: string, text: string, hit: LimitHit): SpecError {
  const before = text.slice(0, hit.offset);
  const line = before.split('\n').length;
  const column = hit.offset - (before.lastIndexOf('\n') + 1) + 1;
  const partial = { file, line, column, path: '', expected: hit.expected, found: hit.found };
  return { ...partial, message: formatError(partial) };
}

/** An alias used inside its own anchor makes an infinite document; JS gets a cyclic object from it. */
function recursiveAlias(doc: Document.Parsed, lines: LineCounter): { line: number; col: number } | undefined {
  let found: { line: number; col: number } | undefined;
  visit(doc, {
    Alias(_, alias) {
      const target = alias.resolve(doc);
      const [a, b] = alias.range ?? [0, 0];
      const range = target?.range;
      if (range && a >= range[0] && b <= range[1]) {
        found = lines.linePos(a);
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}

function placeOf(file: LoadedFile, node: unknown): Place | undefined {
  const range = (node as Node | null)?.range;
  if (!range) return undefined;
  const pos = file.lines.linePos(range[0]);
  return { file: file.name, line: pos.line, column: pos.col };
}

/** Follows `path` into one file; returns how deep it got and where the deepest match was written
 *  (the key for a mapping entry, the item itself for a list entry). */
function walk(file: LoadedFile, path: Path): { depth: number; place: Place } {
  let node: unknown = file.doc.contents;
  let place: Place = placeOf(file, node) ?? { file: file.name, line: 1, column: 1 };
  let depth = 0;
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(file.doc);
    let next: unknown;
    let at: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(seg));
      if (!pair) break;
      next = pair.value;
      at = pair.key ?? pair.value;
    } else if (isSeq(node) && Number.isInteger(Number(seg))) {
      next = node.items[Number(seg)];
      if (next === undefined) break;
      at = next;
    } else {
      break;
    }
    place = placeOf(file, at) ?? place;
    node = next;
    depth++;
  }
  return { depth, place };
}

export function makeLocate(files: LoadedFile[]): Locate {
  return (path: Path) => {
    let best: { depth: number; place: Place } | undefined;
    for (let i = files.length - 1; i >= 0; i--) {
      const found = walk(files[i], path);
      if (!best || found.depth > best.depth) best = found;
      if (found.depth === path.length) break;
    }
    return best?.place ?? { file: files[files.length - 1]?.name ?? '', line: 1, column: 1 };
  };
}

const MAX_POSITIONS = 20000;

/** Where every field of the merged document was written, keyed by JSON of its path. Serialisable, so a
 *  ParsedSpec can still point into its files when it is rendered later. */
export function positionMap(value: unknown, locate: Locate): Record<string, Place> {
  const out: Record<string, Place> = {};
  let count = 0;
  const visit = (v: unknown, path: Path, depth: number): void => {
    if (count >= MAX_POSITIONS || depth > 40) return;
    out[JSON.stringify(path)] = locate(path);
    count++;
    if (Array.isArray(v)) v.forEach((x, i) => visit(x, [...path, i], depth + 1));
    else if (isPlainObject(v)) for (const k of Object.keys(v)) visit(v[k], [...path, k], depth + 1);
  };
  visit(value, [], 0);
  return out;
}

/** A Locate backed by a position map: the longest known prefix of the path wins. */
export function locateFromMap(map: Record<string, Place> | undefined, fallbackFile: string): Locate {
  return (path: Path) => {
    for (let n = path.length; n >= 0; n--) {
      const hit = map?.[JSON.stringify(path.slice(0, n))];
      if (hit) return hit;
    }
    return { file: fallbackFile, line: 0, column: 0 };
  };
}
