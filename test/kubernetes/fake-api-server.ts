// A stand-in for a real Kubernetes API server (no cluster can run on these machines: no kind node image, no
// kube-apiserver package): a real node:http(s) server on 127.0.0.1 that answers the few endpoints Axon reads
// the way the API server does — /version, /api/v1/nodes (a NodeList), /api/v1/namespaces/NAME (a Namespace or
// a 404 Status) — and refuses a wrong bearer token with the API server's 401 Status. Also a server that
// accepts connections and never answers (for timeouts), a closed port (for "connection refused"), a
// self-signed certificate (openssl) for the TLS path, and a kubeconfig writer.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { stringify } from 'yaml';

export interface FakeNode {
  name: string;
  cpu: string;
  memory: string;
  gpus?: number;
  ready?: boolean;
  controlPlane?: boolean;
  taints?: Array<{ key: string; value?: string; effect: string }>;
}

export interface FakeApiOptions {
  /** The bearer token it accepts; anything else gets 401 (as the API server answers). */
  token: string;
  /** A token that may read /version and namespaces but gets 403 Forbidden on nodes (RBAC without node access). */
  noNodesToken?: string;
  nodes?: FakeNode[];
  namespaces?: string[];
  gitVersion?: string;
  tls?: { cert: string; key: string };
}

export interface FakeApi {
  url: string;
  /** Paths asked for, in order. */
  requests: string[];
  close(): Promise<void>;
}

const status = (code: number, reason: string, message: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  code,
});

function node(n: FakeNode) {
  const res = {
    cpu: n.cpu,
    memory: n.memory,
    pods: '110',
    'ephemeral-storage': '102626232Ki',
    ...(n.gpus ? { 'nvidia.com/gpu': String(n.gpus) } : {}),
  };
  return {
    kind: 'Node',
    apiVersion: 'v1',
    metadata: {
      name: n.name,
      uid: `uid-${n.name}`,
      labels: {
        'kubernetes.io/hostname': n.name,
        'kubernetes.io/os': 'linux',
        ...(n.controlPlane ? { 'node-role.kubernetes.io/control-plane': '' } : {}),
      },
    },
    spec: { podCIDR: '10.244.0.0/24', ...(n.taints ? { taints: n.taints } : {}) },
    status: {
      capacity: res,
      // The kubelet reserves a little memory: allocatable is below capacity.
      allocatable: { ...res, memory: n.memory.replace(/^(\d+)Ki$/, (_, k) => `${Number(k) - 102400}Ki`) },
      conditions: [
        { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory' },
        n.ready === false
          ? {
              type: 'Ready',
              status: 'False',
              reason: 'KubeletNotReady',
              message: 'container runtime network not ready',
            }
          : {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              message: 'kubelet is posting ready status',
            },
      ],
      nodeInfo: { kubeletVersion: 'v1.31.0', osImage: 'Debian GNU/Linux 12 (bookworm)' },
    },
  };
}

export async function startFakeApiServer(opts: FakeApiOptions): Promise<FakeApi> {
  const requests: string[] = [];
  const namespaces = new Set(opts.namespaces ?? ['default', 'kube-system']);
  const handler: http.RequestListener = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(url.pathname + url.search);
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const noNodes = !!opts.noNodesToken && req.headers.authorization === `Bearer ${opts.noNodesToken}`;
    if (req.headers.authorization !== `Bearer ${opts.token}` && !noNodes)
      return send(401, status(401, 'Unauthorized', 'Unauthorized'));
    if (noNodes && url.pathname === '/api/v1/nodes')
      return send(
        403,
        status(
          403,
          'Forbidden',
          'nodes is forbidden: User "system:serviceaccount:ml:axon" cannot list resource "nodes" in API group "" at the cluster scope',
        ),
      );
    if (url.pathname === '/version')
      return send(200, {
        major: '1',
        minor: '31',
        gitVersion: opts.gitVersion ?? 'v1.31.0',
        gitCommit: '9edcffcde5595e8a5b1a35f88c421764e575afce',
        gitTreeState: 'clean',
        buildDate: '2024-08-13T07:28:49Z',
        goVersion: 'go1.22.5',
        compiler: 'gc',
        platform: 'linux/amd64',
      });
    if (url.pathname === '/api/v1/nodes')
      return send(200, {
        kind: 'NodeList',
        apiVersion: 'v1',
        metadata: { resourceVersion: '4242' },
        items: (opts.nodes ?? []).map(node),
      });
    const ns = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(url.pathname);
    if (ns) {
      const name = decodeURIComponent(ns[1]);
      return namespaces.has(name)
        ? send(200, { kind: 'Namespace', apiVersion: 'v1', metadata: { name }, status: { phase: 'Active' } })
        : send(404, status(404, 'NotFound', `namespaces "${name}" not found`));
    }
    send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
  };
  const server = opts.tls
    ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, handler)
    : http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A TCP server that accepts connections and never says a word (a cluster behind a black hole). */
export async function startSilentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (it was just released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** A self-signed certificate for 127.0.0.1 made by openssl, or null when openssl is not installed. */
export function selfSignedCert(dir: string): { cert: string; key: string } | null {
  const cert = path.join(dir, 'tls.crt');
  const key = path.join(dir, 'tls.key');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'pipe', timeout: 20_000 },
    );
  } catch {
    return null;
  }
  return { cert: fs.readFileSync(cert, 'utf8'), key: fs.readFileSync(key, 'utf8') };
}

export interface KubeContextSpec {
  name: string;
  server: string;
  token?: string;
  namespace?: string;
  /** certificate-authority-data (PEM, base64-encoded here). */
  caPem?: string;
}

/** A kubeconfig as kubectl writes it (one cluster and one user per context, named after it). */
export function kubeconfigYaml(contexts: KubeContextSpec[], current?: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    'current-context': current ?? '',
    clusters: contexts.map((c) => ({
      name: c.name,
      cluster: {
        server: c.server,
        ...(c.caPem ? { 'certificate-authority-data': Buffer.from(c.caPem).toString('base64') } : {}),
      },
    })),
    users: contexts.map((c) => ({ name: c.name, user: c.token ? { token: c.token } : {} })),
    contexts: contexts.map((c) => ({
      name: c.name,
      context: { cluster: c.name, user: c.name, ...(c.namespace ? { namespace: c.namespace } : {}) },
    })),
  });
}
