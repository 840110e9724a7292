// Shared test helpers: temporary AXON_HOMEs, the real CLI as a child process, a serving engine.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { createHttpClient, type HttpClient } from '../shared/http-client';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = path.join(ROOT, 'bin', 'axon.mjs');

export function tmpDir(prefix = 'axon-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A project folder with a polyaxonfile running `cmd`. */
export function projectWith(cmd: string, extra = ''): { dir: string; file: string } {
  const dir = tmpDir('axon-proj-');
  const file = path.join(dir, 'polyaxonfile.yml');
  fs.writeFileSync(file, `version: 1\nkind: experiment\n${extra}run:\n  cmd: ${JSON.stringify(cmd)}\n`);
  return { dir, file };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function cli(
  args: string[],
  opts: { home: string; cwd?: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, AXON_HOME: opts.home, AXON_QUIET: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`axon ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface Served {
  proc: ChildProcess;
  client: HttpClient;
  url: string;
  stop(): Promise<void>;
}

/** `axon serve` as a real child process; resolves once its address file is written. */
export async function startServe(home: string): Promise<Served> {
  const proc = spawn(process.execPath, [BIN, 'serve'], {
    env: { ...process.env, AXON_HOME: home, AXON_QUIET: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  const addrFile = path.join(home, 'engine.json');
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`axon serve exited ${proc.exitCode}: ${err}`);
    try {
      const a = JSON.parse(fs.readFileSync(addrFile, 'utf8')) as { pid: number; url: string; token: string };
      if (a.pid === proc.pid) {
        const client = createHttpClient(a.url, a.token, WebSocket as never);
        return {
          proc,
          client,
          url: a.url,
          stop: async () => {
            client.close();
            if (proc.exitCode === null) {
              proc.kill('SIGTERM');
              await new Promise((r) => proc.once('exit', r));
            }
          },
        };
      }
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`axon serve did not start: ${err}`);
    await sleep(100);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
