// Getting an image built on this machine onto a cluster's nodes, by one of three paths (the run's log says
// which was taken):
//   containerd  a node whose containerd socket is on this machine (settings: `{kind: "containerd", socket}`):
//               `docker save` piped to `ctr -n k8s.io images import -` there.
//   kind-load   a kind cluster (settings `{kind: "kind-load"}`, or detected from its nodes' providerID): the
//               same import inside each node container, as `kind load docker-image` does.
//   registry    a registry configured for the context: tagged into it and pushed with dockerode, with the
//               credentials of the Docker config (~/.docker/config.json `auths`).
// An image `docker save`d into containerd is known by its fully qualified name (axon/p:1 becomes
// docker.io/axon/p:1): the pod names it so, with imagePullPolicy IfNotPresent.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type { RegistrySetting } from '../../../../shared/clusters';

export type ImagePath =
  | { kind: 'containerd'; socket: string }
  | { kind: 'kind-load'; nodes: string[] }
  | { kind: 'registry'; url: string };

/** Docker's normalised reference: a name without a registry host is on docker.io (library/ for one part). */
export function qualified(ref: string): string {
  const first = ref.split('/')[0];
  const hasHost = ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasHost) return ref;
  return ref.includes('/') ? `docker.io/${ref}` : `docker.io/library/${ref}`;
}

/** kind names its node containers after the nodes and sets providerID kind://docker/<cluster>/<node>. */
export function kindNodes(nodes: Array<{ name: string; providerID?: string | null }>): string[] | null {
  const kind = nodes.filter((n) => n.providerID?.startsWith('kind://'));
  return kind.length && kind.length === nodes.length ? kind.map((n) => n.name) : null;
}

export function choosePath(
  setting: RegistrySetting | undefined,
  nodes: Array<{ name: string; providerID?: string | null }>,
  context: string,
): ImagePath {
  if (setting?.kind === 'containerd') return setting;
  if (setting?.kind === 'registry') return { kind: 'registry', url: setting.url };
  const kind = kindNodes(nodes);
  if (kind) return { kind: 'kind-load', nodes: kind };
  if (setting?.kind === 'kind-load')
    throw new Error(`context "${context}" is set to load images into kind, but its nodes are not kind nodes`);
  throw new Error(
    `the image built here cannot reach the nodes of context "${context}": it is not a kind cluster and no registry is set for it. ` +
      `Set one: axon context use ${context} --registry HOST[/PATH] (or in Settings)`,
  );
}

function run(cmd: string, args: string[], input: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', (e) => reject(new Error(`${cmd}: ${e.message}`)));
    p.on('close', (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${out.trim().slice(-500)}`)),
    );
    input.on('error', (e) => p.stdin.destroy(e));
    // ctr dying mid-import must not take the engine with it (EPIPE): its exit code says what happened.
    p.stdin.on('error', () => undefined);
    input.pipe(p.stdin);
  });
}

function ctrHas(socket: string, name: string): Promise<boolean> {
  return new Promise((resolve) => {
    const p = spawn('ctr', ['--address', socket, '-n', 'k8s.io', 'images', 'ls', '-q', `name==${name}`]);
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', () => resolve(false));
    p.on('close', (code) => resolve(code === 0 && out.trim().split('\n').includes(name)));
  });
}

async function dockerExec(docker: Docker, container: string, cmd: string[], input?: NodeJS.ReadableStream) {
  const exec = await docker.getContainer(container).exec({
    Cmd: cmd,
    AttachStdin: !!input,
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: !!input, stdin: !!input });
  let out = '';
  const text = new PassThrough();
  text.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-8000)));
  // The exec's output comes multiplexed (8-byte frame headers): demultiplexed, as the docker CLI shows it.
  docker.modem.demuxStream(stream, text, text);
  // A command that stops reading (ctr failing), or a node going away, must not end the engine with EPIPE.
  stream.on('error', () => undefined);
  input?.on('error', () => undefined);
  if (input) input.pipe(stream);
  await new Promise<void>((r) => {
    stream.on('end', r);
    stream.on('close', r);
  });
  if (input) {
    input.unpipe(stream);
    (input as unknown as { destroy?(): void }).destroy?.();
  }
  const info = await exec.inspect();
  return { code: info.ExitCode ?? 0, out };
}

/** Credentials for `host` from the Docker config, as dockerode's authconfig. */
export function dockerAuth(
  host: string,
  configDir = process.env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker'),
) {
  try {
    const cfg = JSON.parse(fs.readFileSync(path.join(configDir, 'config.json'), 'utf8')) as {
      auths?: Record<string, { auth?: string; username?: string; password?: string }>;
    };
    const a = cfg.auths?.[host] ?? cfg.auths?.[`https://${host}`];
    if (!a) return undefined;
    if (a.auth) {
      const [username, ...rest] = Buffer.from(a.auth, 'base64').toString().split(':');
      return { username, password: rest.join(':'), serveraddress: host };
    }
    return { username: a.username, password: a.password, serveraddress: host };
  } catch {
    return undefined;
  }
}

/** Puts `tag` where the nodes find it; returns the reference the pod must use and a line for the log. */
export async function shipImage(
  docker: Docker,
  tag: string,
  via: ImagePath,
  out: (text: string) => void,
): Promise<string> {
  const t0 = Date.now();
  const took = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
  const name = qualified(tag);
  if (via.kind === 'containerd') {
    if (await ctrHas(via.socket, name)) {
      out(`[axon] image ${name} already in the node's containerd (${via.socket})\n`);
      return name;
    }
    out(`[axon] importing image ${tag} into the node's containerd at ${via.socket}\n`);
    await run(
      'ctr',
      ['--address', via.socket, '-n', 'k8s.io', 'images', 'import', '-'],
      await docker.getImage(tag).get(),
    );
    out(`[axon] image ${name} imported (${took()})\n`);
    return name;
  }
  if (via.kind === 'kind-load') {
    for (const node of via.nodes) {
      const has = await dockerExec(docker, node, [
        'ctr',
        '-n',
        'k8s.io',
        'images',
        'ls',
        '-q',
        `name==${name}`,
      ]);
      if (has.out.includes(name)) continue;
      out(`[axon] loading image ${tag} into kind node ${node}\n`);
      const r = await dockerExec(
        docker,
        node,
        [
          'ctr',
          '-n',
          'k8s.io',
          'images',
          'import',
          '--all-platforms',
          '--digests',
          '--snapshotter=overlayfs',
          '-',
        ],
        await docker.getImage(tag).get(),
      );
      if (r.code !== 0)
        throw new Error(`loading the image into kind node ${node} failed: ${r.out.slice(-500)}`);
    }
    out(`[axon] image ${name} is on the kind nodes ${via.nodes.join(', ')} (${took()})\n`);
    return name;
  }
  const [repo, version] = [tag.slice(0, tag.lastIndexOf(':')), tag.slice(tag.lastIndexOf(':') + 1)];
  const target = `${via.url}/${repo.replace(/^.*\//, '')}`;
  await docker.getImage(tag).tag({ repo: target, tag: version });
  const host = via.url.split('/')[0];
  out(`[axon] pushing ${target}:${version} to ${host}\n`);
  const stream = (await docker
    .getImage(`${target}:${version}`)
    .push({ authconfig: dockerAuth(host) ?? {} } as never)) as unknown as NodeJS.ReadableStream;
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, res: Array<{ error?: string }>) => {
      const failed = res?.find((r) => r.error);
      if (err || failed) reject(new Error(`push to ${host} failed: ${err?.message ?? failed?.error}`));
      else resolve();
    }),
  );
  out(`[axon] pushed ${target}:${version} (${took()})\n`);
  return `${target}:${version}`;
}
