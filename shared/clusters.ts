// Kubernetes contexts (read from the user's kubeconfig by the engine) and Axon's own settings about them
// (kept in AXON_HOME/settings.json, never in the kubeconfig). Shared by the engine, the CLI and the renderer,
// so it imports nothing from Node.
import { z } from 'zod';

/** A Kubernetes namespace name (an RFC 1123 label). */
export const namespaceName = z
  .string()
  .max(63, 'at most 63 characters')
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    'lower-case letters, digits and -, starting and ending with a letter or digit',
  );

/** An image registry as `docker push` names it: host[:port][/path], no scheme. */
export const registryUrl = z
  .string()
  .trim()
  .min(1, 'a registry such as localhost:5001 or ghcr.io/me')
  .refine((s) => !/^[a-z]+:\/\//i.test(s), 'without http:// or https:// (as docker push names it)')
  .refine(
    (s) => /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?(\/[a-z0-9._-]+)*$/.test(s),
    'host[:port][/path], e.g. localhost:5001 or ghcr.io/me',
  );

/** Where images built for a context go: loaded straight into a kind cluster's nodes, pushed to a registry, or
 *  imported into the containerd of a node on this machine. */
export const registrySetting = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('kind-load') }),
  z.object({ kind: z.literal('registry'), url: registryUrl }),
  /** A node whose containerd socket is on this machine: images are imported there. */
  z.object({
    kind: z.literal('containerd'),
    socket: z.string().trim().min(1, 'the path of containerd.sock'),
  }),
]);
export type RegistrySetting = z.infer<typeof registrySetting>;

export const contextSettings = z.object({
  /** Overrides the context's own namespace for Axon's runs. */
  namespace: namespaceName.optional(),
  registry: registrySetting.optional(),
});
export type ContextSettings = z.infer<typeof contextSettings>;

export const SETTINGS_VERSION = 1;

/** AXON_HOME/settings.json. Unknown top-level keys are kept when Axon rewrites the file. */
export const axonSettings = z
  .object({
    version: z.literal(SETTINGS_VERSION).default(SETTINGS_VERSION),
    /** Axon's selected kube context; null: kube's current-context. */
    kubeContext: z.string().min(1).nullable().default(null),
    /** Per kube context: namespace override and registry. */
    contexts: z.record(z.string().min(1), contextSettings).default({}),
  })
  .passthrough();
export type AxonSettings = z.infer<typeof axonSettings>;

/** A change to the settings: a field left out stays as it is; null clears it. */
export const settingsPatch = z.object({
  kubeContext: z.string().min(1).nullable().optional(),
  contexts: z
    .record(
      z.string().min(1),
      z.object({
        namespace: namespaceName.nullable().optional(),
        registry: registrySetting.nullable().optional(),
      }),
    )
    .optional(),
});
export type SettingsPatch = z.infer<typeof settingsPatch>;

export interface SettingsView {
  /** The file (AXON_HOME/settings.json). */
  file: string;
  settings: AxonSettings;
  /** Why the file could not be used (then the defaults are shown and Axon does not overwrite it). */
  problem: string | null;
}

/** Is this the context of a kind cluster (kind names them `kind-<cluster>`)? */
export const isKindContext = (name: string) => name.startsWith('kind-');

/** One kubeconfig file in the order it was read, and what became of it. */
export interface KubeconfigFile {
  path: string;
  status: 'loaded' | 'missing' | 'broken';
  /** Why the file was not used (missing or broken). */
  reason: string | null;
  /** Entries of a loaded file that were left out, and why. */
  skipped: Array<{ entry: string; reason: string }>;
}

export interface KubeContextInfo {
  name: string;
  cluster: string;
  /** The cluster's API server URL, or null when the cluster is not defined. */
  server: string | null;
  user: string | null;
  /** The namespace Axon uses there: Axon's override, else the context's, else `default`. */
  namespace: string;
  /** The context's own namespace in the kubeconfig. */
  kubeNamespace: string | null;
  /** Axon's override (settings.json). */
  namespaceOverride: string | null;
  /** kube's current-context (the kubeconfig's own choice). */
  current: boolean;
  /** Axon's selected context (settings.json). */
  selected: boolean;
  /** The context Axon uses: its selection, else kube's current-context. */
  inUse: boolean;
  isKind: boolean;
  /** The registry configured for it (settings.json); a kind context without one uses `kind load`. */
  registry: RegistrySetting | null;
  /** The kubeconfig file that defines it. */
  file: string;
  /** Why it cannot be used (e.g. its cluster is not defined anywhere), or null. */
  problem: string | null;
}

export interface KubeContextList {
  /** Where the file list came from: the KUBECONFIG variable or the default ~/.kube/config. */
  source: 'KUBECONFIG' | 'default';
  files: KubeconfigFile[];
  contexts: KubeContextInfo[];
  /** kube's current-context, when set (it may name a context that does not exist). */
  currentContext: string | null;
  /** Axon's selection (settings.json), when set. */
  selectedContext: string | null;
  /** The context Axon uses (its selection, else kube's current-context), when it exists. */
  contextInUse: string | null;
  /** Axon's selection names a context that is in no kubeconfig file now. */
  selectedMissing: boolean;
  /** A settings.json problem (see SettingsView.problem). */
  settingsProblem: string | null;
}

export interface NodeResources {
  /** CPU cores (fractions allowed), memory in bytes, and nvidia.com/gpu devices. */
  cpu: number | null;
  memoryBytes: number | null;
  gpus: number;
}

export interface KubeNode {
  name: string;
  ready: boolean;
  /** The Ready condition's reason and message when the node is not ready. */
  readyReason: string | null;
  unschedulable: boolean;
  /** KEY[=VALUE]:EFFECT: only pods that tolerate a NoSchedule or NoExecute taint are placed on the node. */
  taints: string[];
  roles: string[];
  kubeletVersion: string | null;
  capacity: NodeResources;
  allocatable: NodeResources;
}

export interface KubeContextDetails {
  context: KubeContextInfo;
  /** The API server answered /version. */
  reachable: boolean;
  /** Why not (connection refused, a timeout, 401 Unauthorized, a TLS error…). */
  reason: string | null;
  version: { gitVersion: string; platform: string | null } | null;
  nodes: KubeNode[] | null;
  /** Why the nodes could not be listed (e.g. 403 Forbidden), when reachable. */
  nodesError: string | null;
  /** More nodes than were read (the list is capped). */
  nodesTruncated: boolean;
  namespace: { name: string; exists: boolean | null; reason: string | null };
  /** Sums over all nodes. */
  totals: { nodes: number; readyNodes: number; capacity: NodeResources; allocatable: NodeResources } | null;
  timeoutMs: number;
  elapsedMs: number;
  checkedAt: string;
}

/** An event Kubernetes recorded about one of an experiment's pods (scheduling, image pulls, kills). */
export interface PodEvent {
  /** The replica: master-0, worker-1, … */
  job: string;
  pod: string;
  type: string;
  reason: string;
  message: string;
  count: number;
  lastSeen: string | null;
}

/** One of this Axon home's pods on a context, with what it requests. */
export interface AxonPod {
  namespace: string;
  name: string;
  experimentId: number | null;
  replica: string;
  phase: string;
  node: string | null;
  requests: { cpu: number; memoryBytes: number; gpus: number };
}

export interface AxonPodsView {
  context: string;
  namespaces: string[];
  pods: AxonPod[];
  /** What those pods request together (running or waiting). */
  used: { cpu: number; memoryBytes: number; gpus: number };
  /** Namespaces that could not be read, with why. */
  problems: string[];
}
