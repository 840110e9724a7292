// Every rejection is a SpecError that points at the file, line and column where the offending value was
// written, so users can jump straight to it.
import type { SpecError } from './types';
import { pyRepr } from './pyrepr';

export type Path = Array<string | number>;

export interface Place {
  file: string;
  line: number;
  column: number;
}

/** Maps a field path of the (merged) document to where it was written. */
export type Locate = (path: Path) => Place;

/** The file name used for errors about `-P name=value` overrides, which live in no file. */
export const COMMAND_LINE = '(command line)';

/** `file:line:column path: expected X, found Y`; the position is left out when it is unknown (line 0)
 *  and the path when the error is about the whole document. */
export function formatError(
  e: Pick<SpecError, 'file' | 'line' | 'column' | 'path' | 'expected' | 'found'>,
): string {
  const where = e.line > 0 ? `${e.file}:${e.line}:${e.column}` : e.file;
  const path = e.path ? ` ${e.path}:` : '';
  return `${where}${path} expected ${e.expected}, found ${e.found}`;
}

/** `run.cmd`, `declarations.lr`; a command-line override reads as typed: `-P lr`. */
export function dotted(path: Path): string {
  if (path[0] === '-P') return `-P ${path.slice(1).map(String).join('.')}`;
  return path.map(String).join('.');
}

const MAX_SHOWN = 120;

/** A short, Python-flavoured rendering of a value for the `found` part of a message. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = pyRepr(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
}

/** Collects errors; checks keep going after an error so one run reports as much as possible. */
export class Issues {
  readonly errors: SpecError[] = [];

  constructor(private readonly locate: Locate) {}

  add(path: Path, expected: string, found: string): void {
    this.addAt(this.locate(path), path, expected, found);
  }

  addAt(place: Place, path: Path, expected: string, found: string): void {
    const partial = { ...place, path: dotted(path), expected, found };
    // The same place and reason can be reached twice (e.g. a field checked raw and again rendered).
    if (this.errors.some((e) => e.path === partial.path && e.expected === expected && e.found === found))
      return;
    this.errors.push({ ...partial, message: formatError(partial) });
  }

  /** The error count now; pass it to `since` to learn whether a sub-check failed. */
  mark(): number {
    return this.errors.length;
  }

  since(mark: number): boolean {
    return this.errors.length > mark;
  }
}

export function internalError(file: string, err: unknown): SpecError {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const partial = {
    file,
    line: 0,
    column: 0,
    path: '',
    expected: 'a file Axon can read',
    found: `internal error (${text})`,
  };
  return { ...partial, message: formatError(partial) };
}
