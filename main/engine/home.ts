// AXON_HOME: the database, one folder per run, the engine lock and the address file of a serving engine.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processStartTime, isAlive } from './backends/local/process-probe';

export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.AXON_HOME || path.join(os.homedir(), '.axon'));
}

export const paths = (home: string) => ({
  db: path.join(home, 'axon.db'),
  lock: path.join(home, 'engine.lock'),
  address: path.join(home, 'engine.json'),
  runs: path.join(home, 'runs'),
  runDir: (experimentId: number) => path.join(home, 'runs', String(experimentId)),
});

/** Whether `dir` is an Axon home (its database beside its runs folder). One inside a project is never part of
 *  its code: its database and runs would be built into every image and change the code's hash on every run. */
export async function isAxonHome(dir: string): Promise<boolean> {
  return holdsAxonHome(await fs.promises.readdir(dir, { withFileTypes: true }).catch(() => []));
}

/** isAxonHome from a folder's listing, for a walk that reads it anyway (no stat more per folder). */
export function holdsAxonHome(entries: fs.Dirent[]): boolean {
  return (
    entries.some((e) => e.name === 'axon.db' && e.isFile()) &&
    entries.some((e) => e.name === 'runs' && e.isDirectory())
  );
}

export class LockedError extends Error {
  constructor(
    readonly home: string,
    readonly pid: number,
  ) {
    super(
      `Another Axon engine (pid ${pid}) owns ${home}. Use it (the CLI does so by itself when it serves), stop it, or set AXON_HOME to another folder.`,
    );
    this.name = 'LockedError';
  }
}

interface LockInfo {
  pid: number;
  startTime: string;
}

/** Who holds the lock, if that process still lives. */
export function lockOwner(home: string): LockInfo | null {
  try {
    const info = JSON.parse(fs.readFileSync(paths(home).lock, 'utf8')) as LockInfo;
    return isAlive(info.pid, info.startTime) ? info : null;
  } catch {
    return null;
  }
}

/** Takes the engine lock (O_EXCL); a lock left by a dead engine is taken over. */
export function acquireLock(home: string): () => void {
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  const file = paths(home).lock;
  const me: LockInfo = { pid: process.pid, startTime: processStartTime(process.pid) ?? '' };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      fs.writeSync(fd, JSON.stringify(me));
      fs.closeSync(fd);
      return () => {
        try {
          const cur = JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
          if (cur.pid === me.pid) fs.unlinkSync(file);
        } catch {
          /* gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = lockOwner(home);
      if (owner) throw new LockedError(home, owner.pid);
      fs.rmSync(file, { force: true }); // stale: its engine died
    }
  }
  throw new Error(`could not take the engine lock ${file}`);
}

export interface EngineAddress {
  pid: number;
  url: string;
  token: string;
  /** The KUBECONFIG the engine reads (null: ~/.kube/config); a command run with another one is told. */
  kubeconfig?: string | null;
  /** Its stop's grace period (AXON_STOP_GRACE_S when it started); a command asking for another is told. */
  stopGraceMs?: number;
  /** A background engine (`axon serve --background`): it exits once idle. */
  background?: boolean;
}

/** Written only by a serving engine, readable only by the user (0600). */
export function writeAddress(home: string, a: EngineAddress): void {
  const file = paths(home).address;
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(a), { mode: 0o600 });
  fs.renameSync(tmp, file);
}

export function readAddress(home: string): EngineAddress | null {
  try {
    const a = JSON.parse(fs.readFileSync(paths(home).address, 'utf8')) as EngineAddress;
    const owner = lockOwner(home);
    return owner && owner.pid === a.pid ? a : null;
  } catch {
    return null;
  }
}

export function removeAddress(home: string): void {
  fs.rmSync(paths(home).address, { force: true });
}
