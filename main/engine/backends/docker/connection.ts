// Finds the Docker engine the way the docker CLI does: an explicit setting (AXON_DOCKER_HOST), DOCKER_HOST,
// the current docker context, then the usual sockets (Docker Engine, Docker Desktop, colima, rootless).
// The connection reports "reachable (version)" or "not reachable: <why>" and is re-checked on use, so Axon
// reconnects when the engine comes back. Nothing here may break local or Kubernetes runs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import Docker from 'dockerode';

export interface DockerTarget {
  /** Where the target came from, for the status line. */
  source: string;
  options: Docker.DockerOptions;
  describe: string;
}

function fromHost(host: string, source: string): DockerTarget | null {
  if (host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length);
    return { source, options: { socketPath }, describe: host };
  }
  if (host.startsWith('npipe://'))
    return { source, options: { socketPath: host.slice('npipe://'.length) }, describe: host };
  const m = /^(tcp|http|https|ssh):\/\/(?:([^@]+)@)?([^:/]+)(?::(\d+))?/.exec(host);
  if (!m) return null;
  const [, scheme, user, hostname, port] = m;
  if (scheme === 'ssh')
    return {
      source,
      options: { protocol: 'ssh', host: hostname, port: port ? Number(port) : 22, username: user },
      describe: host,
    };
  const tls = scheme === 'https' || process.env.DOCKER_TLS_VERIFY === '1';
  const certs = process.env.DOCKER_CERT_PATH;
  const options: Docker.DockerOptions = {
    protocol: tls ? 'https' : 'http',
    host: hostname,
    port: port ? Number(port) : tls ? 2376 : 2375,
  };
  if (tls && certs) {
    options.ca = fs.readFileSync(path.join(certs, 'ca.pem'));
    options.cert = fs.readFileSync(path.join(certs, 'cert.pem'));
    options.key = fs.readFileSync(path.join(certs, 'key.pem'));
  }
  return { source, options, describe: host };
}

/** The docker CLI's current context's endpoint (~/.docker/config.json → contexts/meta/<sha256>/meta.json). */
function contextHost(env: NodeJS.ProcessEnv): string | null {
  try {
    const dir = env.DOCKER_CONFIG || path.join(os.homedir(), '.docker');
    const name =
      env.DOCKER_CONTEXT ||
      (JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as { currentContext?: string })
        .currentContext;
    if (!name || name === 'default') return null;
    const id = createHash('sha256').update(name).digest('hex');
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'contexts', 'meta', id, 'meta.json'), 'utf8')) as {
      Endpoints?: { docker?: { Host?: string } };
    };
    return meta.Endpoints?.docker?.Host ?? null;
  } catch {
    return null;
  }
}

const USUAL_SOCKETS = (env: NodeJS.ProcessEnv) => [
  '/var/run/docker.sock',
  path.join(os.homedir(), '.docker', 'run', 'docker.sock'), // Docker Desktop
  path.join(os.homedir(), '.colima', 'default', 'docker.sock'),
  ...(env.XDG_RUNTIME_DIR ? [path.join(env.XDG_RUNTIME_DIR, 'docker.sock')] : []), // rootless
  ...(typeof process.getuid === 'function' ? [`/run/user/${process.getuid()}/docker.sock`] : []),
];

export function resolveDocker(env: NodeJS.ProcessEnv = process.env): DockerTarget {
  if (env.AXON_DOCKER_HOST) {
    const t = fromHost(env.AXON_DOCKER_HOST, 'AXON_DOCKER_HOST');
    if (t) return t;
  }
  if (env.DOCKER_HOST) {
    const t = fromHost(env.DOCKER_HOST, 'DOCKER_HOST');
    if (t) return t;
  }
  const ctx = contextHost(env);
  if (ctx) {
    const t = fromHost(ctx, 'docker context');
    if (t) return t;
  }
  const sock = USUAL_SOCKETS(env).find((s) => fs.existsSync(s)) ?? '/var/run/docker.sock';
  return { source: 'default socket', options: { socketPath: sock }, describe: `unix://${sock}` };
}

export interface DockerStatus {
  reachable: boolean;
  detail: string;
  version?: string;
}

/** One Docker client, pinged with a time limit; a failed ping is retried on the next use. */
export class DockerConnection {
  readonly target: DockerTarget;
  readonly docker: Docker;
  private last: { at: number; status: DockerStatus } | null = null;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.target = resolveDocker(env);
    this.docker = new Docker({ ...this.target.options, timeout: 0 });
  }

  /** Cached for a few seconds when reachable; always re-checked after a failure. */
  async status(maxAgeMs = 5000): Promise<DockerStatus> {
    if (this.last && this.last.status.reachable && Date.now() - this.last.at < maxAgeMs)
      return this.last.status;
    let status: DockerStatus;
    try {
      const v = await withTimeout(this.docker.version(), 3000, 'no answer within 3 s');
      status = {
        reachable: true,
        version: v.Version,
        detail: `Docker: reachable (${v.Version}, API ${v.ApiVersion}) at ${this.target.describe}`,
      };
    } catch (e) {
      status = {
        reachable: false,
        detail: `Docker: not reachable at ${this.target.describe} (${this.target.source}): ${reason(e)}`,
      };
    }
    this.last = { at: Date.now(), status };
    return status;
  }

  markDown(): void {
    this.last = null;
  }
}

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOENT') return 'no socket there (is Docker installed and started?)';
  if (err?.code === 'ECONNREFUSED') return 'connection refused (is the Docker engine running?)';
  if (err?.code === 'EACCES') return 'permission denied on the socket (add yourself to the docker group)';
  return err?.message ?? String(e);
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(what)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e) => (clearTimeout(t), reject(e)),
    );
  });
}
