// A long-lived bash process that starts the local backend's jobs, so that the engine's own thread never forks
// itself: Node's spawn() forks the whole engine (2-4 ms of blocked thread at ~150 MiB, growing with its memory),
// while this bash is a few MiB. The engine writes one request per job to the launcher's stdin; the launcher
// forks a wrapper subshell per job (the same wrapper as the direct path: pid record, `trap :`, the command in
// its own `bash -c`, exit record) in its own process group (`set -m`) and answers on stdout:
//
//   S <job> <pid>   forked (the wrapper's pid, which is also its process group)
//   E <job>         not started: the working directory is missing
//   X <job> <rc>    the command ended with exit status rc (written by the wrapper after its exit record)
//
// The launcher itself runs in its own session, so jobs have no controlling terminal, as with `detached`. Jobs
// do not depend on it: they outlive it and the engine. Each wrapper keeps the launcher's stdout pipe, so an
// X line still arrives after the launcher died (the engine keeps reading that pipe); a wrapper killed before
// it could write one (SIGKILL to its group) is noticed by the caller's liveness poll.
//
// A request is its length in bytes on a line of its own, then its fields separated by the byte 0x1f (US):
// job, cwd, log path, exit record, pid record, command, then the environment entries (`NAME=value` exports,
// a bare `NAME` unsets), then `.`. The launcher starts with the engine's environment, so a request carries
// only what differs. Bash reads a pipe one byte (and one read(2)) at a time for `read -d`; with the length
// known, `read -N` takes the request in one read, which is most of what a job costs the launcher (~1 ms of
// CPU for a sweep job's kilobyte of environment). The launcher sets LC_ALL=C for itself so that -N counts
// bytes, unexported unless the engine had exported one, which each job's subshell then puts back (setting
// the locale again costs a job ~0.3 ms, so it is done only then).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { log } from '../../log';

const SCRIPT = `set -m
exec 8>&1
__lc=\${LC_ALL-} __lc_set=\${LC_ALL+1}
LC_ALL=C
__split() {
  local IFS=$'\\x1f'
  set -f
  __f=($1)
  set +f
}
while IFS= read -r __n; do
  IFS= read -r -N "$__n" __req
  __split "$__req"
  if [ "\${__f[-1]}" != . ]; then printf 'E %s\\n' "\${__f[0]}"; continue; fi
  __id=\${__f[0]} __cwd=\${__f[1]} __log=\${__f[2]} __xf=\${__f[3]} __pf=\${__f[4]} __cmd=\${__f[5]}
  __env=("\${__f[@]:6:\${#__f[@]}-7}")
  if [ ! -d "$__cwd" ]; then printf 'E %s\\n' "$__id"; continue; fi
  (
    printf '%s\\n' "$BASHPID" > "$__pf"
    exec 9>&8 8>&- </dev/null >>"$__log" 2>/dev/null
    if cd -P "$__cwd" 2>&1; then
      if [ -n "$__lc_set" ]; then LC_ALL=$__lc; fi
      for __kv in "\${__env[@]}"; do
        case $__kv in *=*) export "$__kv" ;; *) unset -v "$__kv" ;; esac
      done
      trap : TERM INT HUP
      /bin/bash -c "$__cmd" 9>&- 2>&1
      __rc=$?
    else
      __rc=126
    fi
    printf '%s\\n' "$__rc" > "$__xf"
    printf 'X %s %s\\n' "$__id" "$__rc" >&9
  ) &
  printf 'S %s %s\\n' "$__id" "$!"
  disown -a
done`;

/** Separates a request's fields; a field that contains it cannot go through the launcher. */
const US = '\x1f';

/** Variables a request may set or unset: valid shell names that bash does not treat specially. */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED = new Set([
  'BASHOPTS',
  'BASHPID',
  'BASH_ARGV0',
  'BASH_ENV',
  'BASH_VERSINFO',
  'EUID',
  'IFS',
  'OLDPWD',
  'PPID',
  'PWD',
  'SHELLOPTS',
  'SHLVL',
  'UID',
  '_',
]);

export interface LaunchRequest {
  jobId: number;
  cwd: string;
  cmd: string;
  env: Record<string, string>;
  logPath: string;
  exitFile: string;
  pidFile: string;
}

interface Pending {
  started: { resolve(pid: number): void; reject(e: Error): void } | null;
  exited: (rc: number) => void;
  request: LaunchRequest;
}

export class LauncherUnavailable extends Error {}

export class Launcher {
  private proc: ChildProcess | null = null;
  private baseEnv: Record<string, string> = {};
  private jobs = new Map<number, Pending>();
  private failures = 0;
  private awaiting = 0;
  private out: { ref(): void; unref(): void } | null = null;

  private refOut(on: boolean): void {
    if (on) this.out?.ref();
    else this.out?.unref();
  }

  /** Linux with bash ≥ 4 ($BASHPID); AXON_LOCAL_LAUNCHER=0 turns it off (then each job is spawned directly). */
  static supported(): boolean {
    return process.platform === 'linux' && process.env.AXON_LOCAL_LAUNCHER !== '0';
  }

  get pid(): number | null {
    return this.proc?.pid ?? null;
  }

  /** False after repeated failures: the caller spawns jobs itself. */
  get usable(): boolean {
    return this.failures < 3;
  }

  /**
   * Starts a job; resolves with the wrapper's pid once forked and gives `exited`, which resolves with the
   * command's exit status. Throws LauncherUnavailable when this request cannot go through the launcher (the
   * caller then spawns it directly); other errors are launch failures.
   */
  async start(req: LaunchRequest): Promise<{ pid: number; exited: Promise<number> }> {
    const proc = this.ensure();
    const entries = this.delta(req.env);
    if (!entries) throw new LauncherUnavailable('environment not expressible');
    const fields = [String(req.jobId), req.cwd, req.logPath, req.exitFile, req.pidFile, req.cmd, ...entries];
    if (fields.some((f) => f.includes(US) || f.includes('\0')))
      throw new LauncherUnavailable('a field holds NUL or 0x1f');
    const payload = [...fields, '.'].join(US);
    let exited!: (rc: number) => void;
    const exit = new Promise<number>((r) => (exited = r));
    const pid = new Promise<number>((resolve, reject) => {
      this.jobs.set(req.jobId, { started: { resolve, reject }, exited, request: req });
    });
    // While an answer is awaited the pipe keeps the process alive; otherwise it must not (a CLI that started
    // jobs exits while they run).
    if (this.awaiting++ === 0) this.refOut(true);
    try {
      proc.stdin!.write(`${Buffer.byteLength(payload)}\n${payload}`);
      return { pid: await pid, exited: exit };
    } finally {
      if (--this.awaiting === 0) this.refOut(false);
    }
  }

  /** NAME=value for what differs from the launcher's environment, NAME for what it lacks; null if impossible. */
  private delta(env: Record<string, string>): string[] | null {
    const out: string[] = [];
    for (const k in env) {
      const v = env[k];
      if (this.baseEnv[k] === v) continue;
      if (!NAME.test(k) || RESERVED.has(k)) return null;
      out.push(`${k}=${v}`);
    }
    for (const k in this.baseEnv) {
      if (k in env) continue;
      if (!NAME.test(k) || RESERVED.has(k)) return null;
      out.push(k);
    }
    return out;
  }

  private ensure(): ChildProcess {
    if (this.proc) return this.proc;
    if (!this.usable) throw new LauncherUnavailable('the launcher failed repeatedly');
    this.baseEnv = { ...(process.env as Record<string, string>) };
    let proc: ChildProcess;
    try {
      proc = spawn('/bin/bash', ['-c', SCRIPT], {
        env: this.baseEnv,
        cwd: '/',
        detached: true,
        stdio: ['pipe', 'pipe', 'ignore'],
      });
    } catch (e) {
      this.failures++;
      throw new LauncherUnavailable(`cannot start the launcher: ${e instanceof Error ? e.message : e}`);
    }
    this.proc = proc;
    proc.unref();
    // The launcher's pipes must not keep the engine's process alive (jobs are awaited through their logs).
    (proc.stdin as unknown as { unref?(): void }).unref?.();
    this.out = proc.stdout as unknown as { ref(): void; unref(): void };
    if (this.awaiting) this.out.ref();
    else this.out.unref();
    proc.stdin!.on('error', () => undefined);
    let buf = '';
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        this.onLine(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
    const gone = (why: string) => {
      if (this.proc !== proc) return;
      this.proc = null;
      // Its pipe stays open while its jobs run (their X lines still come), but never holds the process.
      (proc.stdout as unknown as { unref(): void }).unref();
      this.out = null;
      this.failures++;
      log.warn(`local launcher ${why}; jobs it started go on`);
      void this.recover();
    };
    proc.once('error', (e) => gone(`failed: ${e.message}`));
    proc.once('exit', (code, signal) => gone(`exited (${signal ?? code})`));
    return proc;
  }

  private onLine(line: string): void {
    const [kind, id, value] = line.split(' ');
    const p = this.jobs.get(Number(id));
    if (!p) return;
    if (kind === 'S') {
      p.started?.resolve(Number(value));
      p.started = null;
    } else if (kind === 'E') {
      this.jobs.delete(Number(id));
      p.started?.reject(new Error(`the working directory ${p.request.cwd} does not exist`));
    } else if (kind === 'X') {
      this.jobs.delete(Number(id));
      // An X before its S (a very short job): the pid comes from the wrapper's record.
      if (p.started) this.fromPidFile(p);
      p.exited(Number(value));
    }
  }

  /** The launcher died with requests unanswered: a wrapper that recorded its pid started; the others did not. */
  private async recover(): Promise<void> {
    const open = [...this.jobs.values()].filter((p) => p.started);
    if (!open.length) return;
    await new Promise((r) => setTimeout(r, 500));
    for (const p of open) if (!this.fromPidFile(p)) this.notStarted(p);
  }

  private fromPidFile(p: Pending): boolean {
    try {
      const text = fs.readFileSync(p.request.pidFile, 'utf8');
      const pid = Number.parseInt(text, 10);
      if (!text.endsWith('\n') || !Number.isInteger(pid)) return false;
      p.started?.resolve(pid);
      p.started = null;
      return true;
    } catch {
      return false;
    }
  }

  /** The job's end was learnt otherwise (its process is gone without an X line). */
  forget(jobId: number): void {
    this.jobs.delete(jobId);
  }

  private notStarted(p: Pending): void {
    this.jobs.delete(p.request.jobId);
    p.started?.reject(new LauncherUnavailable('the launcher exited before starting the job'));
    p.started = null;
  }
}
