// A desktop app started from the Dock, Finder or a desktop launcher gets a minimal PATH, so a run's
// `python3 train.py` would find the system Python instead of the user's pyenv or conda one (and kubectl exec
// credential plugins would not be found). As VS Code does, ask the login shell for its PATH once at start-up,
// with a time limit, and put its entries first. A broken shell profile costs at most the limit, never a hang.
import { execFile } from 'node:child_process';
import path from 'node:path';

const MARK = '__AXON_LOGIN_PATH__';

/** The PATH between the markers (shell profiles may print anything around it). */
export function parseShellPath(output: string): string | null {
  const start = output.indexOf(MARK);
  const end = output.indexOf(MARK, start + MARK.length);
  if (start < 0 || end < 0) return null;
  const p = output.slice(start + MARK.length, end).trim();
  return p || null;
}

/** The login shell's entries first, then the current ones it lacks; no duplicates, no empty entries. */
export function mergePath(
  current: string | undefined,
  fromShell: string | null,
  delimiter = path.delimiter,
): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const e of [...(fromShell ?? '').split(delimiter), ...(current ?? '').split(delimiter)])
    if (e && !seen.has(e)) {
      seen.add(e);
      out.push(e);
    }
  return out.join(delimiter);
}

/** The login shell's PATH, or null (Windows, no shell, a timeout, an error). */
export function loginShellPath(
  opts: { shell?: string; platform?: string; timeoutMs?: number } = {},
): Promise<string | null> {
  const platform = opts.platform ?? process.platform;
  const shell = opts.shell ?? process.env.SHELL;
  if (platform === 'win32' || !shell) return Promise.resolve(null);
  return new Promise((resolve) => {
    execFile(
      shell,
      ['-i', '-l', '-c', `printf '%s%s%s' '${MARK}' "$PATH" '${MARK}'`],
      {
        timeout: opts.timeoutMs ?? 3000,
        killSignal: 'SIGKILL',
        maxBuffer: 1024 * 1024,
        env: { ...process.env, AXON_RESOLVING_ENVIRONMENT: '1' },
      },
      // Interactive shells without a terminal may exit non-zero after printing the PATH: read it anyway.
      (_err, stdout) => resolve(parseShellPath(String(stdout ?? ''))),
    );
  });
}
