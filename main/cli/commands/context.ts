// `axon context list|use|get`: the kube contexts of the user's kubeconfig and Axon's own choice among them.
// The choice is kept in AXON_HOME/settings.json; the kubeconfig is never written (so `kubectl config
// use-context` and Axon do not fight over it). The engine reads the kubeconfig: when an engine serves this
// AXON_HOME, its KUBECONFIG is the one that counts.
import type { Command } from 'commander';
import pc from 'picocolors';
import type { AxonApi } from '../../../shared/api';
import type { KubeContextList, KubeNode } from '../../../shared/clusters';
import { isTTY, printJson, printTable } from '../format';
import type { Runner } from './types';

const note = (s: string) => process.stderr.write(`${isTTY() ? pc.dim(s) : s}\n`);

/** What a person should know about the files read: missing, broken, skipped entries. */
function reportFiles(list: KubeContextList): void {
  for (const f of list.files) {
    if (f.status === 'broken') note(`kubeconfig ${f.path} skipped: ${f.reason}`);
    else if (f.status === 'missing' && list.files.length > 1) note(`kubeconfig ${f.path}: no such file`);
    for (const s of f.skipped) note(`kubeconfig ${f.path}: ${s.entry} left out: ${s.reason}`);
  }
  if (list.settingsProblem) note(`settings: ${list.settingsProblem}`);
}

function emptyHint(list: KubeContextList): string {
  const where = list.files.map((f) => f.path).join(', ');
  return list.files.every((f) => f.status === 'missing')
    ? `No kubeconfig found at ${where}: create a cluster with \`kind create cluster\`, or set KUBECONFIG.`
    : `No kube contexts in ${where}.`;
}

const fmtMem = (b: number | null) => (b === null ? '' : `${(b / 2 ** 30).toFixed(1)} GiB`);
const fmtCpu = (c: number | null) => (c === null ? '' : String(Number(c.toFixed(2))));

export function registerContext(program: Command, run: Runner): void {
  const ctx = program
    .command('context')
    .description('kube contexts (from KUBECONFIG, else ~/.kube/config) and the one Axon uses');

  ctx
    .command('list')
    .alias('ls')
    .description("list kube contexts; * marks the one Axon uses, and kube's current-context is shown")
    .option('--json', 'JSON output')
    .action((o) =>
      run(
        async (api: AxonApi) => {
          const list = await api.call('clusters.kubeContexts', {});
          if (o.json) return printJson(list);
          reportFiles(list);
          if (!list.contexts.length) {
            process.stderr.write(`${emptyHint(list)}\n`);
            return;
          }
          printTable(
            ['axon', 'kube', 'name', 'cluster', 'server', 'namespace', 'user'],
            list.contexts.map((c) => [
              c.inUse ? '*' : '',
              c.current ? 'current' : '',
              c.problem ? `${c.name} (unusable: ${c.problem})` : c.name,
              c.cluster,
              c.server,
              c.namespaceOverride ? `${c.namespace} (axon)` : c.namespace,
              c.user,
            ]),
          );
          if (list.selectedMissing)
            note(
              `Axon's selected context "${list.selectedContext}" is in no kubeconfig file now; choose another: axon context use NAME`,
            );
          else if (!list.selectedContext)
            note(
              list.contextInUse
                ? `Axon uses kube's current-context (${list.contextInUse}) until you choose one: axon context use NAME`
                : 'No context in use: choose one with axon context use NAME',
            );
        },
        { kube: true },
      ),
    );

  ctx
    .command('use <name>')
    .description(
      'make NAME the context Axon uses (kept in AXON_HOME/settings.json; the kubeconfig is not changed)',
    )
    .option('-n, --namespace <namespace>', 'also set the namespace Axon uses there')
    .option('--registry <host[/path]>', 'push images built for this context to this registry')
    .option('--kind-load', 'load images into the kind nodes of this context (the default for kind clusters)')
    .option(
      '--containerd <socket>',
      "import images into the node's containerd at this socket on this machine",
    )
    .action((name: string, o) =>
      run(
        async (api: AxonApi) => {
          const registry = o.registry
            ? { kind: 'registry' as const, url: o.registry as string }
            : o.kindLoad
              ? { kind: 'kind-load' as const }
              : o.containerd
                ? { kind: 'containerd' as const, socket: o.containerd as string }
                : undefined;
          const own = {
            ...(o.namespace ? { namespace: o.namespace as string } : {}),
            ...(registry ? { registry } : {}),
          };
          await api.call('settings.update', {
            kubeContext: name,
            ...(Object.keys(own).length ? { contexts: { [name]: own } } : {}),
          });
          const list = await api.call('clusters.kubeContexts', {});
          const c = list.contexts.find((x) => x.name === name);
          process.stdout.write(
            `Axon now uses kube context ${name}${c ? ` (namespace ${c.namespace})` : ''}; your kubeconfig is unchanged.\n`,
          );
          if (c?.problem) note(`but it cannot be used yet: ${c.problem}`);
        },
        { kube: true },
      ),
    );

  ctx
    .command('rbac')
    .description('print the namespaced Role and RoleBinding Axon needs to run there (nothing cluster-wide)')
    .option('-n, --namespace <namespace>', 'the namespace', 'default')
    .option('--user <name>', 'bind it to this user')
    .option('--service-account <name>', 'bind it to this service account of the namespace')
    .action((o) =>
      run(async () => {
        const subject = o.serviceAccount
          ? { kind: 'ServiceAccount' as const, name: o.serviceAccount as string }
          : { kind: 'User' as const, name: (o.user as string) ?? 'YOUR-USER' };
        // Loaded here: it brings the YAML writer, which no other command needs.
        const { rbacManifest } = await import('../../engine/backends/kubernetes/rbac');
        process.stdout.write(rbacManifest(o.namespace as string, subject));
      }),
    );

  ctx
    .command('get [name]')
    .description('check a context now (default: the one Axon uses): reachability, version, namespace, nodes')
    .option('--timeout <seconds>', 'time limit for each request to the cluster', '5')
    .option('--json', 'JSON output')
    .action((name: string | undefined, o) =>
      run(
        async (api: AxonApi) => {
          const d = await api.call('clusters.kubeContext', {
            name,
            timeoutMs: Math.round(Number(o.timeout) * 1000),
          });
          if (o.json) {
            printJson(d);
            return d.reachable ? 0 : 1;
          }
          const c = d.context;
          printTable(
            ['field', 'value'],
            [
              ['context', c.name],
              ['cluster', `${c.cluster} (${c.server ?? 'undefined'})`],
              ['reachable', d.reachable ? `yes, ${d.version?.gitVersion ?? ''}` : `no: ${d.reason}`],
              ['namespace', `${c.namespace}${d.namespace.reason ? ` (${d.namespace.reason})` : ''}`],
              ...(d.totals
                ? [
                    [
                      'nodes',
                      `${d.totals.readyNodes} of ${d.totals.nodes} ready; allocatable ${fmtCpu(d.totals.allocatable.cpu)} CPU, ${fmtMem(d.totals.allocatable.memoryBytes)}, ${d.totals.allocatable.gpus} GPU` +
                        taintedShare(d.nodes ?? []),
                    ],
                  ]
                : d.nodesError
                  ? [['nodes', `cannot be listed: ${d.nodesError}`]]
                  : []),
            ],
          );
          if (d.nodes?.length)
            printTable(
              ['node', 'ready', 'roles', 'cpu', 'memory', 'gpus', 'taints'],
              d.nodes.map((n) => [
                n.name,
                n.ready ? 'yes' : `no: ${n.readyReason}`,
                n.roles.join(','),
                fmtCpu(n.allocatable.cpu),
                fmtMem(n.allocatable.memoryBytes),
                n.allocatable.gpus,
                n.taints.join(' '),
              ]),
            );
          return d.reachable ? 0 : 1;
        },
        { kube: true },
      ),
    );
}

/** "; 16 CPU of it on nodes with taints": room that only pods tolerating those taints can use. */
function taintedShare(nodes: KubeNode[]): string {
  const tainted = nodes.filter((n) => n.taints.some((t) => /:(NoSchedule|NoExecute)$/.test(t)));
  if (!tainted.length) return '';
  const cpu = tainted.reduce((a, n) => a + (n.allocatable.cpu ?? 0), 0);
  return `; ${fmtCpu(cpu)} CPU of it on ${tainted.length} node${tainted.length > 1 ? 's' : ''} with taints (only pods that tolerate them go there)`;
}
