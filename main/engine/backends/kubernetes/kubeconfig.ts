// Reads the user's kubeconfig as kubectl does, without ever writing it: the files named by KUBECONFIG
// (':'-separated, ';' on Windows) in order, else ~/.kube/config. A missing file is noted and skipped; a file
// that does not parse is reported (which file, why) and skipped; an invalid entry (a cluster without a server,
// a context without a cluster…) is left out with its reason while the rest of its file is used. Merging
// follows kubectl: the first definition of a name wins, and the first file that sets current-context wins.
//
// The files are re-read on every call: they are small, and editors replace them rather than edit them in
// place, so there is nothing to watch and nothing stale to serve. `@kubernetes/client-node` is imported only
// when a kubeconfig is read (it takes about a second to load), so commands that never touch Kubernetes do not
// pay for it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Cluster, Context, KubeConfig, User } from '@kubernetes/client-node';
import type { KubeconfigFile } from '../../../../shared/clusters';

export interface KubeconfigLocation {
  source: 'KUBECONFIG' | 'default';
  paths: string[];
}

/** The files to read, as kubectl chooses them (empty entries dropped, duplicates read once). */
export function kubeconfigPaths(
  env: NodeJS.ProcessEnv = process.env,
  homeDir: string = os.homedir(),
  delimiter: string = path.delimiter,
): KubeconfigLocation {
  const list = env.KUBECONFIG ?? '';
  if (list.trim()) {
    const paths = [
      ...new Set(
        list
          .split(delimiter)
          .map((p) => p.trim())
          .filter(Boolean)
          .map((p) => path.resolve(p.startsWith('~/') ? path.join(homeDir, p.slice(2)) : p)),
      ),
    ];
    return { source: 'KUBECONFIG', paths };
  }
  return { source: 'default', paths: [path.join(homeDir, '.kube', 'config')] };
}

/** A context as merged, with the file that defined it. */
export interface ContextEntry {
  context: Context;
  file: string;
}

export interface LoadedKubeconfig extends KubeconfigLocation {
  files: KubeconfigFile[];
  contexts: ContextEntry[];
  clusters: Map<string, Cluster>;
  users: Map<string, User>;
  /** kube's current-context, when some file sets one. */
  currentContext: string | null;
}

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => !!v && typeof v === 'object' && !Array.isArray(v);

/** Why each invalid entry of a parsed file is invalid (the checks client-node makes, with the index kept). */
function invalidEntries(doc: Raw): Array<{ entry: string; reason: string }> {
  const out: Array<{ entry: string; reason: string }> = [];
  const list = (key: string) => (Array.isArray(doc[key]) ? (doc[key] as unknown[]) : []);
  const label = (key: string, i: number, e: unknown) =>
    isObject(e) && typeof e.name === 'string' && e.name ? `${key.slice(0, -1)} "${e.name}"` : `${key}[${i}]`;
  list('clusters').forEach((e, i) => {
    const c = isObject(e) ? e.cluster : undefined;
    let reason: string | null = null;
    if (!isObject(e) || !e.name) reason = 'it has no name';
    else if (!isObject(c)) reason = 'it has no "cluster" section';
    else if (typeof c.server !== 'string' || !c.server) reason = 'it has no server URL';
    else if (!/^https?:\/\/[^/]/.test(c.server)) reason = `its server "${c.server}" is not an http(s) URL`;
    if (reason) out.push({ entry: label('clusters', i, e), reason });
  });
  list('users').forEach((e, i) => {
    const u = isObject(e) ? e.user : undefined;
    let reason: string | null = null;
    if (!isObject(e) || !e.name) reason = 'it has no name';
    else if (isObject(u) && typeof u['token-file'] === 'string' && !u.token) {
      try {
        fs.accessSync(u['token-file'], fs.constants.R_OK);
      } catch (err) {
        reason = `its token-file ${u['token-file']} cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`;
      }
    }
    if (reason) out.push({ entry: label('users', i, e), reason });
  });
  list('contexts').forEach((e, i) => {
    const c = isObject(e) ? e.context : undefined;
    let reason: string | null = null;
    if (!isObject(e) || !e.name) reason = 'it has no name';
    else if (!isObject(c)) reason = 'it has no "context" section';
    else if (typeof c.cluster !== 'string' || !c.cluster) reason = 'it names no cluster';
    if (reason) out.push({ entry: label('contexts', i, e), reason });
  });
  return out;
}

function yamlReason(e: unknown): string {
  const err = e as { message?: string; linePos?: Array<{ line: number; col: number }> };
  const first = String(err.message ?? e).split('\n')[0];
  return err.linePos?.[0]
    ? `not valid YAML at line ${err.linePos[0].line}, column ${err.linePos[0].col}: ${first.replace(/ at line \d+, column \d+:?$/, '')}`
    : `not valid YAML: ${first}`;
}

type ClientNode = typeof import('@kubernetes/client-node');
let clientNode: Promise<ClientNode> | null = null;
/** `@kubernetes/client-node`, loaded on first use. */
export function loadClientNode(): Promise<ClientNode> {
  return (clientNode ??= import('@kubernetes/client-node'));
}

/** Reads and merges the kubeconfig files. Never throws for a bad file; never writes anything. */
export async function loadKubeconfig(
  opts: { env?: NodeJS.ProcessEnv; homeDir?: string } = {},
): Promise<LoadedKubeconfig> {
  const where = kubeconfigPaths(opts.env ?? process.env, opts.homeDir ?? os.homedir());
  const result: LoadedKubeconfig = {
    ...where,
    files: [],
    contexts: [],
    clusters: new Map(),
    users: new Map(),
    currentContext: null,
  };
  const definedIn = new Map<string, string>();
  let k8s: ClientNode | null = null;
  for (const file of where.paths) {
    const entry: KubeconfigFile = { path: file, status: 'loaded', reason: null, skipped: [] };
    result.files.push(entry);
    let text: string;
    try {
      const st = fs.statSync(file);
      if (st.isDirectory()) throw Object.assign(new Error('it is a folder'), { code: 'EISDIR' });
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') Object.assign(entry, { status: 'missing', reason: 'no such file' });
      else
        Object.assign(entry, {
          status: 'broken',
          reason:
            code === 'EACCES'
              ? 'permission denied'
              : code === 'EISDIR'
                ? 'it is a folder, not a file'
                : `cannot be read: ${(e as Error).message}`,
        });
      continue;
    }
    if (!text.trim()) continue; // kubectl accepts an empty file
    let doc: unknown;
    try {
      doc = parseYaml(text, { prettyErrors: true });
    } catch (e) {
      Object.assign(entry, { status: 'broken', reason: yamlReason(e) });
      continue;
    }
    if (doc === null || doc === undefined) continue;
    if (!isObject(doc)) {
      Object.assign(entry, {
        status: 'broken',
        reason: 'not a kubeconfig (expected a mapping with clusters, users and contexts)',
      });
      continue;
    }
    entry.skipped = invalidEntries(doc);
    k8s ??= await loadClientNode();
    const kc: KubeConfig = new k8s.KubeConfig();
    try {
      kc.loadFromString(text, { onInvalidEntry: 'filter' });
      kc.makePathsAbsolute(path.dirname(file));
    } catch (e) {
      Object.assign(entry, { status: 'broken', reason: `not a usable kubeconfig: ${(e as Error).message}` });
      entry.skipped = [];
      continue;
    }
    const firstWins = <T extends { name: string }>(kind: string, items: T[], into: Map<string, T>) => {
      for (const item of items) {
        const key = `${kind}\0${item.name}`;
        const earlier = definedIn.get(key);
        if (earlier !== undefined) {
          entry.skipped.push({
            entry: `${kind} "${item.name}"`,
            reason:
              earlier === file
                ? 'defined twice in this file (the first definition wins)'
                : `already defined in ${earlier} (the first definition wins, as in kubectl)`,
          });
          continue;
        }
        definedIn.set(key, file);
        into.set(item.name, item);
      }
    };
    firstWins('cluster', kc.getClusters(), result.clusters);
    firstWins('user', kc.getUsers(), result.users);
    const contexts = new Map<string, Context>();
    firstWins('context', kc.getContexts(), contexts);
    for (const context of contexts.values()) result.contexts.push({ context, file });
    if (!result.currentContext && kc.getCurrentContext()) result.currentContext = kc.getCurrentContext();
  }
  return result;
}

/** What keeps a context from being used, or null. */
export function contextProblem(k: LoadedKubeconfig, ctx: Context): string | null {
  if (!k.clusters.has(ctx.cluster))
    return `its cluster "${ctx.cluster}" is not defined in any kubeconfig file (or its entry was skipped)`;
  if (ctx.user && !k.users.has(ctx.user))
    return `its user "${ctx.user}" is not defined in any kubeconfig file (or its entry was skipped)`;
  return null;
}

/**
 * A KubeConfig holding one context (its cluster and user), for talking to that cluster. The user's files are
 * not touched: this is an in-memory copy.
 */
export async function kubeConfigFor(k: LoadedKubeconfig, name: string): Promise<KubeConfig> {
  const entry = k.contexts.find((c) => c.context.name === name);
  // Said with the files read: an engine started from another shell (no KUBECONFIG, another one) reads other
  // files than the command that created the run, and its runs then wait on a context it cannot see.
  if (!entry)
    throw new Error(
      `no kube context "${name}" in ${k.files.map((f) => f.path).join(', ') || 'any kubeconfig'} (the files this ` +
        'engine reads: its KUBECONFIG, else ~/.kube/config); a run keeps the context it was created on: restart the ' +
        'engine with the kubeconfig that has it (stop it, then e.g. KUBECONFIG=FILE axon serve)',
    );
  const problem = contextProblem(k, entry.context);
  if (problem) throw new Error(problem);
  let cluster = k.clusters.get(entry.context.cluster)!;
  // client-node refuses http:// servers unless TLS checks are off; TLS does not apply to them anyway
  // (kubectl proxy, a local API server), so say so rather than refuse.
  if (cluster.server.startsWith('http:')) cluster = { ...cluster, skipTLSVerify: true };
  // Without a user, client-node applies no cluster CA either: use an anonymous user.
  const user: User = (entry.context.user && k.users.get(entry.context.user)) || { name: 'axon-anonymous' };
  const { KubeConfig: KC } = await loadClientNode();
  const kc = new KC();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [user],
    contexts: [{ ...entry.context, user: user.name }],
    currentContext: entry.context.name,
  });
  return kc;
}
