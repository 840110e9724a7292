// Reading polyaxonfiles for the API (the engine takes texts, so the renderer can validate the same way).
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from './format';

const DEFAULT_NAMES = ['polyaxonfile', 'polyaxon', 'axon'].flatMap((n) =>
  ['yml', 'yaml', 'json'].map((e) => `${n}.${e}`),
);

export function readSpecFiles(files: string[] | undefined): Array<{ name: string; text: string }> {
  let list = files ?? [];
  if (!list.length) {
    const found = DEFAULT_NAMES.find((n) => fs.existsSync(n));
    if (!found)
      throw new UsageError(
        `no polyaxonfile: pass -f FILE (looked for ${DEFAULT_NAMES.slice(0, 3).join(', ')}, ...)`,
      );
    list = [found];
  }
  return list.map((f) => {
    try {
      return { name: path.relative(process.cwd(), path.resolve(f)) || f, text: fs.readFileSync(f, 'utf8') };
    } catch (e) {
      throw new UsageError(
        `cannot read ${f}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
      );
    }
  });
}

/** The code folder of a run: the folder of the first polyaxonfile (where its `run.cmd` expects to be). */
export function codeFolder(files: string[] | undefined): string {
  return path.resolve(files?.length ? path.dirname(files[0]) : '.');
}

/** `axon init` links a folder to a project; later commands there use it. */
export function linkedProject(dir = process.cwd()): string | undefined {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      return (JSON.parse(fs.readFileSync(path.join(d, '.axonproject'), 'utf8')) as { name: string }).name;
    } catch {
      /* keep looking upward */
    }
    if (path.dirname(d) === d) return undefined;
  }
}
