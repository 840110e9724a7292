// Paths that come from outside the engine (an API input, a polyaxonfile, a file name inside a tar) and must
// stay inside a root folder: a run's outputs, a build context, a project's folder. Checked twice: on the text
// (`..`, an absolute path) before the file system is asked anything, so a path outside the root is refused
// the same whether or not it exists; then on the real path (symlinks resolved), so a link that points out is
// refused too. Files are then opened with O_NOFOLLOW, so a link swapped in after the check is not followed.
import fs from 'node:fs';
import path from 'node:path';

export type Inside = { ok: true; real: string } | { ok: false; why: 'outside' | 'missing' };

/** Whether `child` is `parent` or below it (both absolute, normalised). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

/** `rel` under the real root, or null when its text alone leads out (an absolute path may name the root by
 *  its real path or by the path it was given as). */
function candidate(root: string, realRoot: string, rel: string): string | null {
  if (!path.isAbsolute(rel)) {
    const c = path.resolve(realRoot, rel);
    return isInside(realRoot, c) ? c : null;
  }
  const c = path.resolve(rel);
  if (isInside(realRoot, c)) return c;
  const given = path.resolve(root);
  return isInside(given, c) ? path.join(realRoot, path.relative(given, c)) : null;
}

/**
 * `rel` (relative to `root`, or absolute) resolved inside `root`. `root` itself is resolved first, so a root
 * reached through a symlink (macOS's /tmp) still works.
 */
export async function resolveInside(root: string, rel: string): Promise<Inside> {
  if (rel.includes('\0')) return { ok: false, why: 'missing' };
  const realRoot = await fs.promises.realpath(root).catch(() => null);
  if (!realRoot) return { ok: false, why: 'missing' };
  const c = candidate(root, realRoot, rel);
  if (!c) return { ok: false, why: 'outside' };
  const real = await fs.promises.realpath(c).catch(() => null);
  if (!real) return { ok: false, why: 'missing' };
  return isInside(realRoot, real) ? { ok: true, real } : { ok: false, why: 'outside' };
}

/** The synchronous form, for code that is synchronous already. */
export function resolveInsideSync(root: string, rel: string): Inside {
  if (rel.includes('\0')) return { ok: false, why: 'missing' };
  let realRoot: string;
  try {
    realRoot = fs.realpathSync(root);
  } catch {
    return { ok: false, why: 'missing' };
  }
  const c = candidate(root, realRoot, rel);
  if (!c) return { ok: false, why: 'outside' };
  let real: string;
  try {
    real = fs.realpathSync(c);
  } catch {
    return { ok: false, why: 'missing' };
  }
  return isInside(realRoot, real) ? { ok: true, real } : { ok: false, why: 'outside' };
}

/** Flags that open a file for reading without following a symlink in its last component. */
export const READ_NOFOLLOW = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0);
