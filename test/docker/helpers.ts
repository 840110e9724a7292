// Helpers for the tests that need a Docker engine: whether one answers, and an offline base image.
// No registry is reachable here, so the base image is built `FROM scratch` with a static busybox.
// Without an engine a test skips and says why, except under CI=true, where it fails naming what is missing
// (test/requirements.ts: skipOrFail in the options, need in the body).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import tar from 'tar-stream';
import { resolveDocker } from '../../main/engine/backends/docker/connection';
import { defaultRepo } from '../../main/engine/builder/build';
import type { AxonApi } from '../../shared/api';
import type { Experiment } from '../../shared/domain';
import { experimentEnd, ROOT } from '../helpers';

export const BUSYBOX_IMAGE = 'axon-test/busybox:1';

/**
 * The engine the tests use: DOCKER_SOCKET (a socket path) when set, else the one Axon itself finds
 * (AXON_DOCKER_HOST, DOCKER_HOST, the docker context, then the usual sockets: /var/run/docker.sock first).
 */
export const DOCKER_TARGET: { options: Docker.DockerOptions; describe: string } = process.env.DOCKER_SOCKET
  ? {
      options: { socketPath: process.env.DOCKER_SOCKET },
      describe: `unix://${process.env.DOCKER_SOCKET} (DOCKER_SOCKET)`,
    }
  : (() => {
      const t = resolveDocker();
      return { options: t.options, describe: `${t.describe} (${t.source})` };
    })();

let cached: Promise<string | null> | null = null;

/**
 * Null when a Docker engine answers at DOCKER_TARGET, else why not. Usage (test/requirements.ts):
 * `const noDocker = await dockerAvailable(); test('…', { skip: skipOrFail(noDocker) }, async (t) => {
 * if (!need(t, 'Docker', noDocker)) return; … })`.
 */
export function dockerAvailable(): Promise<string | null> {
  cached ??= (async () => {
    const socket = DOCKER_TARGET.options.socketPath;
    if (socket && !fs.existsSync(socket))
      return `no Docker engine: ${socket} does not exist (start dockerd: bash test/docker/start-dockerd.sh)`;
    try {
      await new Docker({ ...DOCKER_TARGET.options, timeout: 5000 }).ping();
      return null;
    } catch (e) {
      return `no Docker engine answers at ${DOCKER_TARGET.describe}: ${(e as Error).message}`;
    }
  })();
  return cached;
}

export function docker(): Docker {
  return new Docker(DOCKER_TARGET.options);
}

/** A static busybox on this machine (Debian's busybox-static), or null. */
export function staticBusybox(): string | null {
  for (const p of [process.env.AXON_TEST_BUSYBOX, '/bin/busybox', '/usr/bin/busybox']) {
    if (!p || !fs.existsSync(p)) continue;
    try {
      const out = execFileSync('file', ['-L', p], { encoding: 'utf8' });
      if (/statically linked|static-pie/.test(out)) return p;
    } catch {
      // no `file` command: trust `ldd`
      try {
        execFileSync('ldd', [p], { stdio: 'pipe' });
      } catch {
        return p; // "not a dynamic executable"
      }
    }
  }
  return null;
}

function waitFollow(d: Docker, stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) =>
    d.modem.followProgress(
      stream,
      (err: Error | null, out: Array<{ error?: string }>) => {
        const failed = out.find((o) => o.error);
        if (err || failed) reject(err ?? new Error(failed?.error));
        else resolve();
      },
      () => undefined,
    ),
  );
}

/**
 * Builds `axon-test/busybox:1` (FROM scratch + a static busybox, its applets installed in /bin) unless it
 * exists. Returns null when it is there, else why it could not be made.
 */
export async function ensureBusyboxImage(d: Docker = docker(), tag = BUSYBOX_IMAGE): Promise<string | null> {
  try {
    await d.getImage(tag).inspect();
    return null;
  } catch {
    /* absent: build it */
  }
  const bb = staticBusybox();
  if (!bb) return `cannot build ${tag}: no static busybox here (apt-get install busybox-static)`;
  const pack = tar.pack();
  const dockerfile =
    'FROM scratch\nCOPY bin/busybox /bin/busybox\nRUN ["/bin/busybox","--install","-s","/bin"]\nENV PATH=/bin\n';
  pack.entry({ name: 'Dockerfile', mode: 0o644 }, dockerfile);
  const body = fs.readFileSync(bb);
  pack.entry({ name: 'bin/busybox', mode: 0o755 }, body);
  pack.finalize();
  try {
    const stream = await d.buildImage(pack as unknown as NodeJS.ReadableStream, {
      t: tag,
      rm: true,
      forcerm: true,
      networkmode: 'none',
    });
    await waitFollow(d, stream);
    return null;
  } catch (e) {
    return `cannot build ${tag}: ${(e as Error).message}`;
  }
}

/** Why Docker tests cannot run (no engine, no base image), or null: skip or fail with it (test/requirements.ts). */
export async function dockerSkipReason(): Promise<string | null> {
  return (await dockerAvailable()) ?? (await ensureBusyboxImage());
}

/** Runs `cmd` in `image` and returns its exit code and output (stdout and stderr demultiplexed). */
export async function runIn(
  d: Docker,
  image: string,
  cmd: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const c = await d.createContainer({
    Image: image,
    Cmd: cmd,
    Labels: { 'axon.test': '1' },
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    await c.start();
    const { StatusCode } = (await c.wait()) as { StatusCode: number };
    // Container logs come multiplexed (8-byte frame headers): docker-modem demultiplexes them.
    const logs = (await c.logs({
      stdout: true,
      stderr: true,
      follow: true,
    })) as unknown as NodeJS.ReadableStream;
    const out = new PassThrough();
    const err = new PassThrough();
    let stdout = '';
    let stderr = '';
    out.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    err.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    d.modem.demuxStream(logs, out, err);
    await new Promise<void>((resolve, reject) => {
      logs.on('end', () => resolve());
      logs.on('error', reject);
    });
    return { code: StatusCode, stdout, stderr };
  } finally {
    await c.remove({ force: true }).catch(() => undefined);
  }
}

/** Removes every tag of `repo` (test images), ignoring errors. */
export async function removeRepo(d: Docker, repo: string): Promise<void> {
  const images = await d.listImages({ filters: JSON.stringify({ reference: [`${repo}`] }) }).catch(() => []);
  for (const img of images)
    for (const t of img.RepoTags ?? [])
      await d
        .getImage(t)
        .remove({ force: true })
        .catch(() => undefined);
}

export function tmpDir(prefix = 'axon-docker-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** The projects `project()` made in this test file: their images go at its end (removeTestImages). */
const projectsMade: string[] = [];

/** Removes the images built for this file's projects (`axon/<folder name>`, Axon's default repository). */
export async function removeTestImages(): Promise<void> {
  const d = docker();
  for (const name of projectsMade.splice(0)) {
    const repo = defaultRepo(name);
    const images = await d
      .listImages({ filters: JSON.stringify({ reference: [repo] }) })
      .catch(() => [] as Docker.ImageInfo[]);
    // noprune: the untagged parent layers stay. Test files run at the same time and their (empty) projects build
    // the same layers: pruning them under another file's build failed it at COPY (seen once in CI).
    for (const tag of images.flatMap((i) => i.RepoTags ?? []).filter((t) => t.startsWith(`${repo}:`)))
      await d
        .getImage(tag)
        .remove({ noprune: true })
        .catch(() => undefined);
  }
}

/** A project folder (with `files`) and a polyaxonfile text from its lines (after `version: 1`). */
export function project(body: string[], files: Record<string, string> = {}): { dir: string; text: string } {
  const dir = tmpDir('axon-docker-');
  projectsMade.push(path.basename(dir));
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return { dir, text: ['version: 1', ...body].join('\n') };
}

type Api = Pick<AxonApi, 'call'>;

/** Creates an experiment on the docker backend and returns its id. */
export async function startDocker(api: Api, p: { dir: string; text: string }): Promise<number> {
  const c = await api.call('runs.create', {
    files: [{ name: 'polyaxonfile.yml', text: p.text }],
    params: {},
    codePath: p.dir,
    backend: 'docker',
  });
  if (c.kind !== 'experiment') throw new Error('expected an experiment');
  return c.experiment.id;
}

export const endOf = (api: Api, id: number, ms = 120_000): Promise<Experiment> => experimentEnd(api, id, ms);

export const run = async (api: Api, p: { dir: string; text: string }) =>
  endOf(api, await startDocker(api, p));

/** The busybox test image as the Docker backend's tests use it (its /bin/bash is what the wrapper runs), built by
 *  test/docker/build-images.sh unless it is there (.ci/run builds it first). */
export async function ensureTestBusybox(d: Docker = docker()): Promise<void> {
  const there = await d
    .getImage('axon-test/busybox:1')
    .inspect()
    .catch(() => null);
  if (!there)
    execFileSync('bash', [path.join(ROOT, 'test/docker/build-images.sh'), '--only', 'busybox'], {
      stdio: 'inherit',
    });
}
