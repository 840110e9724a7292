// The code difference between two experiments, for Compare: the diff between their commits (read from the
// project's repository now), and each one's uncommitted changes as recorded when it ran. Without git only
// the content hashes are known, so the answer is "same" or "different", never a guessed diff.
import fs from 'node:fs';
import type { CodeDiff, CodeRef } from '../../../shared/domain';
import type { Store } from '../store';
import { DIFF_LIMIT_BYTES, git } from './snapshot';

export async function codeDiff(store: Store, base: number, other: number): Promise<CodeDiff> {
  const [xa, xb] = await Promise.all([store.experiments.row(base), store.experiments.row(other)]);
  const [a, b] = await Promise.all([store.codeRefs.get(base), store.codeRefs.get(other)]);
  const out: CodeDiff = {
    base,
    other,
    same: false,
    commitDiff: null,
    truncated: false,
    note: null,
    baseUncommitted: a?.diff ?? null,
    otherUncommitted: b?.diff ?? null,
  };
  if (!a || !b) {
    out.note = `experiment ${!a ? base : other} has no recorded code version`;
    return out;
  }
  if (a.kind !== 'git' || b.kind !== 'git') {
    out.same = a.kind === b.kind && a.contentHash === b.contentHash;
    out.note = out.same
      ? 'same content hash (the folder is not a git repository)'
      : 'different content hashes; the folder is not a git repository, so no diff was recorded';
    return out;
  }
  out.same = a.commit === b.commit && (a.diff ?? '') === (b.diff ?? '');
  if (a.commit === b.commit) {
    out.commitDiff = '';
    out.note = `same commit ${a.commit?.slice(0, 12) ?? '(none)'}`;
    return out;
  }
  // Either folder can answer for both commits when they are the same repository.
  const dirs = [...new Set([xa.code_path, xb.code_path])].filter((d) => fs.existsSync(d));
  for (const dir of dirs) {
    const text = await git(dir, ['diff', '--no-color', '--no-ext-diff', `${a.commit}`, `${b.commit}`, '--']);
    if (text === null) continue;
    const bytes = Buffer.from(text, 'utf8');
    out.truncated = bytes.length > DIFF_LIMIT_BYTES;
    out.commitDiff = out.truncated ? bytes.subarray(0, DIFF_LIMIT_BYTES).toString('utf8') : text;
    return out;
  }
  out.note = dirs.length
    ? `git could not diff ${a.commit?.slice(0, 12)}..${b.commit?.slice(0, 12)} in ${dirs.join(' or ')} (a commit is no longer in the repository?)`
    : `the code folder ${xa.code_path} no longer exists`;
  return out;
}

/** What changed between a run's recorded code and the folder now, said for a restart or resume (which runs the
 *  folder as it is now); null when nothing did. */
export function codeChangeNote(id: number, had: CodeRef, now: CodeRef): string | null {
  // The code, not where it came from: a branch renamed or a remote added is the same code.
  const code = (c: CodeRef) => [c.kind, c.commit, c.dirty, c.diff, c.contentHash].join('\0');
  if (code(had) === code(now)) return null;
  const short = (c: string | null) => (c ? c.slice(0, 10) : 'none');
  const what =
    had.kind === 'git' && now.kind === 'git'
      ? had.commit !== now.commit
        ? `commit ${short(had.commit)} → ${short(now.commit)}${now.dirty ? ', with uncommitted changes' : ''}`
        : 'its uncommitted changes'
      : had.kind === 'hash' && now.kind === 'hash'
        ? `content hash ${short(had.contentHash)} → ${short(now.contentHash)}`
        : `it is ${now.kind === 'git' ? 'a git repository' : 'no longer a git repository'} now`;
  return `the code changed since experiment ${id} ran (${what}): this run uses the folder as it is now, and records that version`;
}
