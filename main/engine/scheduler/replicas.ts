// Distributed experiments (SPEC §1.8): `framework` + `environment.replicas` become one job per replica —
// master-0, worker-i, ps-i — each with its own resources (an indexed entry replaces the default wholesale),
// the experiment's Kubernetes extras, and the variables its framework reads to find the others.
import type { EnvironmentSpec, PodEnvironment } from '../../../shared/polyaxonfile';

export interface Replica {
  role: 'master' | 'worker' | 'ps';
  index: number;
  environment: EnvironmentSpec | undefined;
}

export function replicaPlan(env: EnvironmentSpec | undefined): Replica[] {
  const masterEnv = env ? { ...env, replicas: undefined } : undefined;
  const plan: Replica[] = [{ role: 'master', index: 0, environment: masterEnv }];
  const r = env?.replicas;
  if (!r) return plan;
  // What a v0 replica entry cannot say is the experiment's, for every replica: labels, annotations, secret and
  // config map refs, the service account, image pull secrets (Polyaxon gave every task its experiment's). The
  // pod fields (resources, node selector, affinity, tolerations) are the replica entry's own, as in Polyaxon.
  const pod = (p: PodEnvironment | undefined): EnvironmentSpec => ({ ...p, extra: p?.extra ?? env!.extra });
  for (let i = 0; i < r.nWorkers; i++)
    plan.push({ role: 'worker', index: i, environment: pod(r.worker[i] ?? r.defaultWorker) });
  for (let i = 0; i < r.nPs; i++)
    plan.push({ role: 'ps', index: i, environment: pod(r.ps[i] ?? r.defaultPs) });
  return plan;
}

export const replicaName = (r: { role: string; index: number }) => `${r.role}-${r.index}`;

/** Where replica r listens: a name on the experiment's network (containers) or a local port. */
export interface Addressing {
  host(r: Replica): string;
  port(r: Replica): number;
}

export function frameworkEnv(
  framework: string | undefined,
  plan: Replica[],
  me: Replica,
  at: Addressing,
  outputsDir: string,
  chiefName: 'chief' | 'master' = 'master',
): Record<string, string> {
  const addr = (r: Replica) => `${at.host(r)}:${at.port(r)}`;
  const of = (role: Replica['role']) => plan.filter((r) => r.role === role);
  const workers = of('worker');
  const ps = of('ps');
  const master = plan[0];
  const cluster = { master: [addr(master)], worker: workers.map(addr), ps: ps.map(addr) };
  const env: Record<string, string> = {
    AXON_REPLICA_ROLE: me.role,
    AXON_REPLICA_INDEX: String(me.index),
    POLYAXON_CLUSTER: JSON.stringify(cluster),
    POLYAXON_TASK_INFO: JSON.stringify({ type: me.role, index: me.index }),
  };
  if (plan.length === 1) return env;
  switch (framework) {
    case 'tensorflow':
      env.TF_CONFIG = JSON.stringify({
        cluster:
          chiefName === 'chief' ? { chief: cluster.master, worker: cluster.worker, ps: cluster.ps } : cluster,
        task: { type: me.role === 'master' ? chiefName : me.role, index: me.index },
        model_dir: outputsDir,
        environment: 'cloud',
      });
      break;
    case 'pytorch':
      // The master binds on its own address; the others reach it by name (SPEC §1.8).
      env.MASTER_ADDR = me.role === 'master' ? 'localhost' : at.host(master);
      env.MASTER_PORT = String(at.port(master));
      env.WORLD_SIZE = String(workers.length + 1);
      env.RANK = String(me.role === 'master' ? 0 : me.index + 1);
      break;
    case 'mxnet':
      env.DMLC_NUM_WORKER = String(workers.length);
      env.DMLC_NUM_SERVER = String(ps.length);
      env.DMLC_PS_ROOT_URI = at.host(master);
      env.DMLC_PS_ROOT_PORT = String(at.port(master));
      env.DMLC_ROLE = me.role === 'master' ? 'scheduler' : me.role === 'ps' ? 'server' : 'worker';
      if (me.role === 'worker') env.DMLC_WORKER_ID = String(me.index);
      if (me.role === 'ps') env.DMLC_SERVER_ID = String(me.index);
      break;
    case 'horovod':
      // mpirun on the master reaches every replica by name; the image must bring MPI and ssh.
      env.AXON_MPI_HOSTS = plan.map((r) => `${at.host(r)}:1`).join(',');
      env.AXON_MPI_NP = String(plan.length);
      break;
  }
  return env;
}
