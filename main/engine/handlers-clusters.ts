// The API methods about Kubernetes contexts and Axon's own settings: `clusters.kubeContexts` (the contexts of
// the user's kubeconfig, with kube's current one and Axon's selection), `clusters.kubeContext` (one context's
// cluster, probed with a time limit), `settings.get` and `settings.update` (AXON_HOME/settings.json). The
// kubeconfig is read on every call and never written.
import { ApiError, type ParsedInput } from '../../shared/api';
import {
  isKindContext,
  type AxonSettings,
  type KubeContextDetails,
  type KubeContextInfo,
  type KubeContextList,
} from '../../shared/clusters';
import type { Handlers } from './handlers';
import {
  contextProblem,
  kubeConfigFor,
  loadKubeconfig,
  type LoadedKubeconfig,
} from './backends/kubernetes/kubeconfig';
import { DEFAULT_TIMEOUT_MS, probeCluster, sumResources } from './backends/kubernetes/cluster-info';
import { SettingsStore } from './settings';

export type ClusterMethods =
  'clusters.kubeContexts' | 'clusters.kubeContext' | 'settings.get' | 'settings.update';

export interface ClusterHandlerOptions {
  /** Where KUBECONFIG and HOME are read (default: the engine's process.env, at each call). */
  env?: () => NodeJS.ProcessEnv;
  homeDir?: string;
}

function contextList(k: LoadedKubeconfig, s: AxonSettings, settingsProblem: string | null): KubeContextList {
  const names = new Set(k.contexts.map((c) => c.context.name));
  const selected = s.kubeContext;
  const inUse =
    selected && names.has(selected)
      ? selected
      : k.currentContext && names.has(k.currentContext)
        ? k.currentContext
        : null;
  const contexts: KubeContextInfo[] = k.contexts.map(({ context: c, file }) => {
    const own = s.contexts[c.name] ?? {};
    return {
      name: c.name,
      cluster: c.cluster,
      server: k.clusters.get(c.cluster)?.server ?? null,
      user: c.user ?? null,
      namespace: own.namespace ?? c.namespace ?? 'default',
      kubeNamespace: c.namespace ?? null,
      namespaceOverride: own.namespace ?? null,
      current: c.name === k.currentContext,
      selected: c.name === selected,
      inUse: c.name === inUse,
      isKind: isKindContext(c.name),
      registry: own.registry ?? null,
      file,
      problem: contextProblem(k, c),
    };
  });
  return {
    source: k.source,
    files: k.files,
    contexts,
    currentContext: k.currentContext,
    selectedContext: selected,
    contextInUse: inUse,
    selectedMissing: !!selected && !names.has(selected),
    settingsProblem,
  };
}

function noSuchContext(name: string, list: KubeContextList): ApiError {
  const where = list.files.map((f) => f.path).join(', ');
  const names = list.contexts.map((c) => c.name);
  return new ApiError(
    'not_found',
    names.length
      ? `no kube context "${name}" in ${where}; the contexts are: ${names.join(', ')}`
      : `no kube context "${name}": ${where} ${list.files.length === 1 ? 'has' : 'have'} no contexts`,
    { contexts: names },
  );
}

/**
 * The kube context and namespace a new run records: the ones named, else Axon's selected context (or kube's
 * current one) and its namespace (Axon's override, the context's own, `default`).
 */
export async function resolveKubeTarget(
  home: string,
  want: { context?: string; namespace?: string },
  opts: ClusterHandlerOptions = {},
): Promise<{ context: string; namespace: string }> {
  const view = new SettingsStore(home).read();
  const all = contextList(
    await loadKubeconfig({ env: opts.env?.() ?? process.env, homeDir: opts.homeDir }),
    view.settings,
    view.problem,
  );
  const name = want.context ?? all.contextInUse;
  if (!name)
    throw new ApiError(
      'invalid_input',
      all.contexts.length
        ? 'no kube context is in use (no current-context, and Axon has none selected): give --context NAME'
        : `no kube contexts to run on: ${all.files.map((f) => `${f.path} (${f.status})`).join(', ')}`,
    );
  const context = all.contexts.find((c) => c.name === name);
  if (!context) throw noSuchContext(name, all);
  if (context.problem) throw new ApiError('invalid_input', `kube context "${name}": ${context.problem}`);
  const namespace = want.namespace ?? context.namespace;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace) || namespace.length > 63)
    throw new ApiError(
      'invalid_input',
      `namespace "${namespace}" is not a valid name (lower case, digits and -)`,
    );
  return { context: name, namespace };
}

export function makeClusterHandlers(
  engine: { home: string },
  opts: ClusterHandlerOptions = {},
): Pick<Handlers, ClusterMethods> {
  const settings = new SettingsStore(engine.home);
  const load = () => loadKubeconfig({ env: opts.env?.() ?? process.env, homeDir: opts.homeDir });

  async function list(): Promise<KubeContextList> {
    const view = settings.read();
    return contextList(await load(), view.settings, view.problem);
  }

  return {
    'clusters.kubeContexts': () => list(),

    'clusters.kubeContext': async ({ name, timeoutMs }: ParsedInput<'clusters.kubeContext'>) => {
      const started = Date.now();
      const k = await load();
      const view = settings.read();
      const all = contextList(k, view.settings, view.problem);
      const target = name ?? all.contextInUse;
      if (!target)
        throw new ApiError(
          'not_found',
          all.contexts.length
            ? 'no kube context is in use (no current-context, and Axon has none selected): name one'
            : `no kube contexts: ${all.files.map((f) => `${f.path} (${f.status})`).join(', ')}`,
        );
      const context = all.contexts.find((c) => c.name === target);
      if (!context) throw noSuchContext(target, all);
      const limit = timeoutMs ?? DEFAULT_TIMEOUT_MS;
      const base: Omit<KubeContextDetails, 'elapsedMs'> = {
        context,
        reachable: false,
        reason: context.problem,
        version: null,
        nodes: null,
        nodesError: null,
        nodesTruncated: false,
        namespace: { name: context.namespace, exists: null, reason: null },
        totals: null,
        timeoutMs: limit,
        checkedAt: new Date().toISOString(),
      };
      if (context.problem) return { ...base, elapsedMs: Date.now() - started };
      const kc = await kubeConfigFor(k, target);
      const probe = await probeCluster(kc, context.namespace, limit);
      const nodes = probe.nodes;
      return {
        ...base,
        ...probe,
        totals: nodes
          ? {
              nodes: nodes.length,
              readyNodes: nodes.filter((n) => n.ready).length,
              capacity: sumResources(nodes.map((n) => n.capacity)),
              allocatable: sumResources(nodes.map((n) => n.allocatable)),
            }
          : null,
        elapsedMs: Date.now() - started,
      };
    },

    'settings.get': async () => settings.read(),

    'settings.update': async (patch: ParsedInput<'settings.update'>) =>
      settings.update(patch, async (next) => {
        for (const [name, c] of Object.entries(patch.contexts ?? {}))
          if (c.registry?.kind === 'kind-load' && !isKindContext(name))
            throw new ApiError(
              'invalid_input',
              `contexts.${name}.registry: "kind load" works only for kind clusters (contexts named kind-…); give a registry URL`,
            );
        if (patch.kubeContext) {
          const all = contextList(await load(), next, null);
          if (!all.contexts.some((c) => c.name === patch.kubeContext))
            throw noSuchContext(patch.kubeContext, all);
        }
      }),
  };
}
