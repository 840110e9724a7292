// The Kubernetes backend: each job (each replica) is one pod in the run's recorded context and namespace,
// labelled with this Axon home's id, so two homes sharing a cluster never touch each other's pods. Images are
// built here with Docker (the same builder as the Docker backend) and brought to the nodes (images.ts);
// statuses come from one pod watch per namespace (cluster.ts); logs, outputs and stops go through the API
// server (pod-job.ts), so nothing needs a route from the cluster to the desktop.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { V1Taint, V1Toleration } from '@kubernetes/client-node';
import type { EnvironmentSpec } from '../../../../shared/polyaxonfile';
import { Capacity, requestsOf, waitingReason, type NodeInfo, type PodAsk } from './capacity';
import type {
  Backend,
  JobHandle,
  JobOutcome,
  JobResources,
  KubeTarget,
  LaunchSpec,
  PrepareSpec,
  RecordedJob,
  ReplicaAddressing,
  RunningJob,
  RunSpec,
} from '../backend';
import { NotStartable } from '../backend';
import { OutputsMerge } from './outputs-merge';
import { DockerBackend, homeId } from '../docker/docker-backend';
import type { AxonPodsView, AxonSettings, PodEvent } from '../../../../shared/clusters';
import { SDK_PYTHON } from '../../scheduler/job-env';
import { replicaPlan } from '../../scheduler/replicas';
import { log } from '../../log';
import { kubeConfigFor, loadKubeconfig } from './kubeconfig';
import { kubeGet, parseQuantity } from './cluster-info';
import { Cluster, errorText, statusOf, type ApiCounter } from './cluster';
import { PodJob, type PodJobOptions } from './pod-job';
import { fetchKept, loadSent, note, type PodOutputs } from './pod-outputs';
import { podResources } from './pod-resources';
import { hasOutputs } from './pod-exec';
import { choosePath, shipImage } from './images';
import {
  buildPod,
  environmentProblems,
  problemText,
  LABEL,
  podName,
  podRequests,
  REPLICA_PORT,
  serviceName,
} from './pod-spec';
import { podState } from './pod-status';
import { savedEnding } from './pod-ending';

export interface KubernetesBackendOptions {
  home: string;
  settings: () => AxonSettings;
  env?: () => NodeJS.ProcessEnv;
  /** A pod waiting longer than this (unschedulable, image pull) fails with its reason; default 10 min. */
  pendingTimeoutMs?: number;
  docker?: DockerBackend;
}

const NODES_MAX_AGE_MS = 15_000;
/** How long an ended pod's room is still counted as taken (see admit). */
const ENDED_GRACE_MS = 3000;

export class KubernetesBackend implements Backend {
  readonly name = 'kubernetes';
  readonly counter: ApiCounter = { requests: 0 };
  readonly homeId: string;
  private clusters = new Map<string, Promise<Cluster>>();
  private sdk = new Map<string, Promise<{ name: string; items: Array<{ key: string; path: string }> }>>();
  private nodes = new Map<string, { at: number; nodes: Promise<NodeList> }>();
  private lastNodes = new Map<string, NodeInfo[]>();
  /** When admit first saw each ended pod (by uid, with its context): its room is given back ENDED_GRACE_MS
   *  later. Forgotten once the pod is gone. */
  private endedSeen = new Map<string, { at: number; context: string }>();
  /** Images being brought to a context's nodes, with the logs of the runs waiting for each. */
  private shipping = new Map<string, { done: Promise<string>; logs: Set<(text: string) => void> }>();
  /** Distributed runs' outputs, merged from their replicas' pods; forgotten when the run's Service goes. */
  private merges = new Map<number, OutputsMerge>();
  /** When each context + namespace was last found to exist (checkNamespace). */
  private namespaceSeen = new Map<string, number>();
  private readonly docker: DockerBackend;
  private readonly pendingTimeoutMs: number;

  constructor(private o: KubernetesBackendOptions) {
    this.homeId = homeId(o.home);
    this.docker = o.docker ?? new DockerBackend({ home: o.home });
    this.pendingTimeoutMs =
      o.pendingTimeoutMs ?? (Number(process.env.AXON_K8S_PENDING_TIMEOUT_S) * 1000 || 10 * 60_000);
  }

  async availability() {
    const d = await this.docker.availability();
    return d.available
      ? {
          available: true,
          detail: 'runs on the kube context recorded with each run; images built with Docker',
        }
      : { available: false, detail: `${d.detail} (the Kubernetes backend builds its images with Docker)` };
  }

  /** The clients and pod watch of a context + namespace, opened once. */
  cluster(t: KubeTarget): Promise<Cluster> {
    const key = targetKey(t);
    let c = this.clusters.get(key);
    if (!c) {
      c = (async () => {
        const k = await loadKubeconfig({ env: this.o.env?.() });
        const kc = await kubeConfigFor(k, t.context);
        return Cluster.open(t.context, t.namespace, this.homeId, kc, this.counter);
      })();
      c.catch(() => this.clusters.delete(key));
      this.clusters.set(key, c);
    }
    return c;
  }

  private async readyCluster(t: KubeTarget): Promise<Cluster> {
    const c = await this.cluster(t);
    if (await c.ready(10_000)) return c;
    if (c.refused) {
      const { status, why } = c.refused;
      // Closed, so that it stops retrying its watch; a later run asks again (the Role may be granted by then,
      // the token renewed).
      this.forget(t, c);
      if (status === 401)
        throw new NotStartable(
          `kube context "${t.context}" refused its credentials (401 Unauthorized)`,
          `${why}: an expired token or certificate? \`axon context get ${t.context}\` checks it`,
        );
      throw new NotStartable(
        `Axon may not use namespace "${t.namespace}" on kube context "${t.context}"`,
        `${why}. \`axon context rbac -n ${t.namespace}\` prints the Role it needs there`,
      );
    }
    throw new NotStartable(
      `kube context "${t.context}" did not answer`,
      c.unreachableWhy ?? 'no answer in 10 s',
    );
  }

  private forget(t: KubeTarget, c: Cluster): void {
    const key = targetKey(t);
    void this.clusters.get(key)?.then((open) => open === c && this.clusters.delete(key));
    void c.close();
  }

  /** A namespace that does not exist fails the run before its image is built. One Axon may not read
   *  (namespaces are cluster-wide; the namespaced Role cannot grant it) is assumed to exist. */
  private async checkNamespace(c: Cluster, t: KubeTarget): Promise<void> {
    // Asked once a minute per namespace, not once per trial of a sweep.
    const key = targetKey(t);
    if (Date.now() - (this.namespaceSeen.get(key) ?? 0) < 60_000) return;
    this.counter.requests++;
    try {
      await c.core.readNamespace({ name: t.namespace });
      this.namespaceSeen.set(key, Date.now());
    } catch (e) {
      if (statusOf(e) === 403) this.namespaceSeen.set(key, Date.now()); // may not read it: assumed, as above
      if (statusOf(e) === 404)
        throw new NotStartable(
          `namespace "${t.namespace}" does not exist on kube context "${t.context}"`,
          `create it (kubectl create namespace ${t.namespace}) or choose another: -n NAMESPACE on the run, or ` +
            `axon context use ${t.context} -n NAMESPACE for every run`,
        );
    }
  }

  async prepare(spec: PrepareSpec): Promise<{ image: string }> {
    const t = target(spec.run);
    const build = spec.run.build;
    if (!build || (!build.image && !build.dockerfile))
      throw new Error(
        'the kubernetes backend needs a `build` section with an `image` or a `dockerfile` (SPEC §1.5): the image is built here and brought to the nodes',
      );
    // The cluster is asked first: a namespace Axon may not use, or one that is missing, fails the run before
    // a build that could take minutes.
    const c = await this.readyCluster(t);
    await this.checkNamespace(c, t);
    const { image } = await this.docker.prepare(spec);
    const nodes = (await this.nodeList(c)).nodes ?? [];
    const via = choosePath(this.o.settings().contexts[t.context]?.registry, nodes, t.context);
    spec.onOutput(`[axon] image path to context "${t.context}": ${via.kind}\n`);
    // The first experiments of a sweep all want the same new image: it is shipped once, the others wait for it.
    const key = `${t.context}\0${JSON.stringify(via)}\0${image}`;
    let shipping = this.shipping.get(key);
    if (!shipping) {
      const logs = new Set([spec.onOutput]);
      const done = shipImage(this.docker.conn.docker, image, via, (text) => logs.forEach((log) => log(text)));
      shipping = { done: done.finally(() => this.shipping.delete(key)), logs };
      this.shipping.set(key, shipping);
    } else
      spec.onOutput(`[axon] image ${image} is being brought to the nodes by another run: waiting for it\n`);
    shipping.logs.add(spec.onOutput);
    // A stop ends this run's wait (and its log) at once; the shipping goes on, for the other runs that want
    // the image and the next one (a half-imported image would only be imported again).
    const stopped = new Promise<never>((_, reject) => {
      const stop = () => {
        if (shipping.logs.delete(spec.onOutput))
          spec.onOutput('[axon] stopped; the image goes on being brought to the nodes for the next run\n');
        reject(new Error('stopped while the image was brought to the nodes'));
      };
      if (spec.signal?.aborted) stop();
      spec.signal?.addEventListener('abort', stop, { once: true });
    });
    stopped.catch(() => undefined);
    try {
      return { image: await Promise.race([shipping.done, stopped]) };
    } finally {
      shipping.logs.delete(spec.onOutput);
    }
  }

  async launch(spec: LaunchSpec): Promise<RunningJob> {
    const t = target(spec.run);
    if (!spec.image) throw new Error('no image: prepare() did not run');
    const problems = environmentProblems(spec.run.environment);
    if (problems.length) throw new Error(problems.map(problemText).join('; '));
    const c = await this.readyCluster(t);
    const pod = buildPod(spec, {
      home: this.homeId,
      project: spec.project ?? '',
      image: spec.image,
      namespace: t.namespace,
      subdomain: spec.network,
      sdkConfigMap: await this.ensureSdk(c),
      // A resume continues in an outputs folder that holds the previous run's files: the pod gets them first.
      restore: await hasOutputs(spec.outputsDir),
    });
    this.counter.requests++;
    try {
      await c.core.createNamespacedPod({ namespace: t.namespace, body: pod });
    } catch (e) {
      // Created before a crash (the name is the job's): it is adopted, never doubled.
      if (statusOf(e) !== 409)
        throw new Error(`creating pod ${pod.metadata!.name}: ${errorText(e)}`, { cause: e });
    }
    return this.follow(c, pod.metadata!.name!, spec);
  }

  private follow(
    c: Cluster,
    pod: string,
    job: {
      experimentId: number;
      role: string;
      index: number;
      logPath: string;
      outputsDir: string;
      runDir: string;
      run: RunSpec;
      network?: string;
    },
  ): PodJob {
    // A distributed run's replicas each copy their own outputs into the one folder (outputs-merge.ts).
    let merge: PodJobOptions['merge'];
    // Launched, a replica's run holds its own environment (network set); re-attached, the whole run's.
    if (job.network || replicaPlan(job.run.environment).length > 1) {
      let m = this.merges.get(job.experimentId);
      if (!m)
        this.merges.set(
          job.experimentId,
          (m = new OutputsMerge(job.outputsDir, path.join(job.runDir, 'outputs-merge.json'))),
        );
      merge = { replica: `${job.role}-${job.index}`, outputs: m };
    }
    return new PodJob({
      cluster: c,
      pod,
      logPath: job.logPath,
      outputsDir: job.outputsDir,
      merge,
      sentFile: sentFile(job),
      pendingTimeoutMs: this.pendingTimeoutMs,
      keepPods: process.env.AXON_K8S_KEEP_PODS === '1',
      stopBackstopMs: Number(process.env.AXON_K8S_STOP_BACKSTOP_S) * 1000 || undefined,
    });
  }

  /** One more try at the outputs of a pod kept with them; the pod is deleted once they are home. */
  async fetchKept(job: RecordedJob) {
    const { pod, context, namespace } = job.handle;
    if (!pod || !context || !namespace) return { gone: 'the job has no pod' };
    const c = await this.cluster({ context, namespace });
    const o: PodOutputs = {
      cluster: c,
      pod,
      outputsDir: job.outputsDir,
      logPath: job.logPath,
      sentFile: sentFile(job),
    };
    this.counter.requests++;
    try {
      // (One being deleted is still tried: its side container lives through the grace period.)
      await c.core.readNamespacedPod({ name: pod, namespace });
    } catch (e) {
      if (statusOf(e) !== 404) return { problem: `reading pod ${pod}: ${errorText(e)}` };
      note(o, `pod ${pod}, which kept the outputs, is gone: they were not copied`);
      return { gone: `pod ${pod} is gone` };
    }
    if (replicaPlan(job.run.environment).length > 1)
      o.merge = {
        replica: `${job.role}-${job.index}`,
        outputs:
          this.merges.get(job.experimentId) ??
          new OutputsMerge(job.outputsDir, path.join(job.runDir, 'outputs-merge.json')),
      };
    loadSent(o);
    const r = await fetchKept(o);
    if ('copied' in r) {
      this.counter.requests++;
      await c.core.deleteNamespacedPod({ name: pod, namespace }).catch((e) => {
        if (statusOf(e) !== 404) log.warn(`deleting pod ${pod}: ${errorText(e)}`);
      });
    }
    return r;
  }

  async reattach(job: RecordedJob): Promise<RunningJob | JobOutcome | null> {
    const t =
      job.handle.context && job.handle.namespace
        ? { context: job.handle.context, namespace: job.handle.namespace }
        : target(job.run);
    const c = await this.cluster(t);
    const synced = await c.ready(10_000);
    let name = job.handle.pod;
    if (!name) {
      // The launch was cut short before the pod was recorded: find it by its labels. With the cluster away,
      // follow the name it would have (the pod's name is the job's); it shows up when the cluster is back.
      if (!synced) name = podName(this.homeId, job);
      else {
        name = c.pods().find((p) => p.metadata?.labels?.[LABEL.job] === String(job.jobId))?.metadata?.name;
        if (!name) return null; // never created: launching it now is safe
      }
    }
    if (synced && !c.pod(name)) {
      try {
        this.counter.requests++;
        await c.core.readNamespacedPod({ name, namespace: t.namespace });
      } catch (e) {
        // Axon deleted it once it had ended and its outputs were home, the ending saved first (pod-ending.ts).
        if (statusOf(e) === 404)
          return (
            savedEnding(job.logPath) ?? {
              exitCode: null,
              signal: null,
              lost: true,
              reason: 'lost: the pod is gone',
            }
          );
      }
    }
    return this.follow(c, name, job);
  }

  async sample(handle: JobHandle): Promise<JobResources | null> {
    if (!handle.pod || !handle.context || !handle.namespace) return null;
    const c = await this.cluster({ context: handle.context, namespace: handle.namespace });
    const pod = c.pod(handle.pod);
    if (!pod || podState(pod).kind !== 'running') return null;
    return podResources(c, pod);
  }

  /** A headless Service per distributed experiment: replica `master-0` is `master-0.<service>` in DNS. */
  async ensureNetwork(experimentId: number, run: RunSpec): Promise<string> {
    const t = target(run);
    const c = await this.readyCluster(t);
    const name = serviceName(this.homeId, experimentId);
    this.counter.requests++;
    try {
      await c.core.createNamespacedService({
        namespace: t.namespace,
        body: {
          metadata: { name, labels: { [LABEL.home]: this.homeId, [LABEL.experiment]: String(experimentId) } },
          spec: {
            clusterIP: 'None',
            publishNotReadyAddresses: true,
            selector: { [LABEL.home]: this.homeId, [LABEL.experiment]: String(experimentId) },
            ports: [{ name: 'replica', port: REPLICA_PORT, targetPort: REPLICA_PORT }],
          },
        },
      });
    } catch (e) {
      if (statusOf(e) !== 409) throw new Error(`creating service ${name}: ${errorText(e)}`, { cause: e });
    }
    return name;
  }

  addressing(network: string): ReplicaAddressing {
    return { host: (replica) => `${replica}.${network}`, port: () => REPLICA_PORT };
  }

  async removeNetwork(experimentId: number, run: RunSpec): Promise<void> {
    this.merges.delete(experimentId);
    const t = target(run);
    const c = await this.cluster(t);
    this.counter.requests++;
    await c.core
      .deleteNamespacedService({ name: serviceName(this.homeId, experimentId), namespace: t.namespace })
      .catch(() => undefined);
  }

  /** Deletes what a deleted experiment left: its pods and its Service. */
  async remove(experimentId: number, run: RunSpec): Promise<void> {
    if (!run.target) return;
    const c = await this.cluster(run.target);
    this.counter.requests++;
    await c.core
      .deleteCollectionNamespacedPod({
        namespace: run.target.namespace,
        labelSelector: `${LABEL.home}=${this.homeId},${LABEL.experiment}=${experimentId}`,
        gracePeriodSeconds: 0,
      })
      .catch(() => undefined);
    await this.removeNetwork(experimentId, run);
  }

  /** The events Kubernetes recorded about these jobs' pods, oldest first. */
  async podEvents(jobs: Array<{ job: string; handle: JobHandle }>): Promise<PodEvent[]> {
    const out: PodEvent[] = [];
    for (const { job, handle } of jobs) {
      if (!handle.pod || !handle.context || !handle.namespace) continue;
      const c = await this.cluster({ context: handle.context, namespace: handle.namespace });
      this.counter.requests++;
      const list = await c.core
        .listNamespacedEvent({
          namespace: handle.namespace,
          fieldSelector: `involvedObject.name=${handle.pod}`,
        })
        .catch(() => null);
      for (const e of list?.items ?? [])
        out.push({
          job,
          pod: handle.pod,
          type: e.type ?? '',
          reason: e.reason ?? '',
          message: e.message ?? '',
          count: e.count ?? 1,
          lastSeen: iso(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp),
        });
    }
    return out.sort((a, b) => (a.lastSeen ?? '').localeCompare(b.lastSeen ?? ''));
  }

  /** This home's pods on a context, in the namespaces given, with what they request. */
  async axonPods(context: string, namespaces: string[]): Promise<AxonPodsView> {
    const view: AxonPodsView = {
      context,
      namespaces,
      pods: [],
      used: { cpu: 0, memoryBytes: 0, gpus: 0 },
      problems: [],
    };
    for (const namespace of namespaces) {
      const c = await this.cluster({ context, namespace }).catch((e: Error) => {
        view.problems.push(`${namespace}: ${e.message}`);
        return null;
      });
      if (!c) continue;
      if (!(await c.ready(5000))) {
        view.problems.push(`${namespace}: ${c.unreachableWhy ?? 'no answer in 5 s'}`);
        continue;
      }
      for (const p of c.pods()) {
        const r = requestsOf(p);
        const l = p.metadata?.labels ?? {};
        view.pods.push({
          namespace,
          name: p.metadata?.name ?? '?',
          experimentId: Number(l[LABEL.experiment]) || null,
          replica: `${l[LABEL.role] ?? '?'}-${l[LABEL.index] ?? '0'}`,
          phase: p.status?.phase ?? 'Unknown',
          node: p.spec?.nodeName ?? null,
          requests: r,
        });
        if (podState(p).kind !== 'ended') {
          view.used.cpu += r.cpu;
          view.used.memoryBytes += r.memoryBytes;
          view.used.gpus += r.gpus;
        }
      }
    }
    return view;
  }

  /** Pods of this home whose job the store does not know: reported, never deleted. */
  async orphans(knownJobs: Set<number>): Promise<Array<{ context: string; namespace: string; pod: string }>> {
    const out: Array<{ context: string; namespace: string; pod: string }> = [];
    for (const p of this.clusters.values()) {
      const c = await p.catch(() => null);
      if (!c) continue;
      for (const pod of c.pods())
        if (!knownJobs.has(Number(pod.metadata?.labels?.[LABEL.job])))
          out.push({ context: c.context, namespace: c.namespace, pod: pod.metadata?.name ?? '?' });
    }
    return out;
  }

  /** The cluster's nodes (cached 15 s); null when they cannot be read (no right to list nodes). */
  private nodeList(c: Cluster): Promise<NodeList> {
    const hit = this.nodes.get(c.context);
    if (hit && Date.now() - hit.at < NODES_MAX_AGE_MS) return hit.nodes;
    this.counter.requests++;
    const nodes: Promise<NodeList> = kubeGet<{ items?: RawNode[] }>({
      kc: c.kc,
      path: '/api/v1/nodes',
      timeoutMs: 10_000,
    }).then(
      (r): NodeList => {
        const list = (r.items ?? []).map((n) => ({
          name: n.metadata?.name ?? '?',
          providerID: n.spec?.providerID ?? null,
          labels: n.metadata?.labels ?? {},
          taints: n.spec?.taints ?? [],
          schedulable: !n.spec?.unschedulable,
          ready: !!n.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'),
          allocatable: {
            cpu: parseQuantity(n.status?.allocatable?.cpu) ?? 0,
            memoryBytes: parseQuantity(n.status?.allocatable?.memory) ?? 0,
            gpus: parseQuantity(n.status?.allocatable?.['nvidia.com/gpu']) ?? 0,
          },
        }));
        this.lastNodes.set(c.context, list);
        return { nodes: list };
      },
      (e): NodeList => {
        const status = (e as { status?: number | null }).status;
        // Not allowed to list nodes: no capacity check (said once in the debug log).
        if (status === 401 || status === 403 || status === 404) {
          log.debug(`kubernetes ${c.context}: nodes not readable (${errorText(e)}): no capacity check`);
          return { nodes: null };
        }
        // Slow or away for a moment: the last list read still stands; with none, new runs wait.
        const last = this.lastNodes.get(c.context);
        this.nodes.delete(c.context);
        return last
          ? { nodes: last }
          : { nodes: null, wait: `the nodes of ${c.context} cannot be read now (${errorText(e)})` };
      },
    );
    this.nodes.set(c.context, { at: Date.now(), nodes });
    return nodes;
  }

  /** Which experiments wait for capacity (capacity.ts says how it is counted). */
  async admit(
    candidates: Array<{ experimentId: number; run: RunSpec }>,
    active: Array<{ experimentId: number; run: RunSpec }> = [],
  ): Promise<Map<number, string>> {
    const waiting = new Map<number, string>();
    const byContext = new Map<string, typeof candidates>();
    for (const x of candidates)
      if (x.run.target)
        byContext.set(x.run.target.context, [...(byContext.get(x.run.target.context) ?? []), x]);
    const ask = (env: EnvironmentSpec | undefined): PodAsk => ({
      requests: podRequests(env),
      nodeSelector: env?.nodeSelector,
      tolerations: env?.tolerations as V1Toleration[] | undefined,
    });
    for (const [context, all] of byContext) {
      // Readiness is per namespace: one that Axon may not use must not hold back the runs of the others.
      const byNamespace = new Map<string, typeof all>();
      for (const x of all)
        byNamespace.set(x.run.target!.namespace, [...(byNamespace.get(x.run.target!.namespace) ?? []), x]);
      let c: Cluster | null = null;
      const list: typeof all = [];
      for (const [namespace, xs] of byNamespace) {
        const nc = await this.cluster({ context, namespace }).catch(() => null);
        // A context that cannot be opened (not in the kubeconfig, no credentials), one whose credentials are
        // refused, or a namespace that refuses Axon is not held: the launch fails at once, saying why.
        const ok = nc && (await nc.ready(5000));
        if (!nc || (!ok && nc.refused)) continue;
        if (!ok) {
          const why = `waiting for kube context ${context}: ${nc.unreachableWhy ?? 'it does not answer'}`;
          xs.forEach((x) => waiting.set(x.experimentId, why));
          continue;
        }
        c ??= nc;
        list.push(...xs);
      }
      const hold = (why: string) => list.forEach((x) => waiting.set(x.experimentId, why));
      if (!c) continue;
      const { nodes, wait } = await this.nodeList(c);
      if (wait) hold(`waiting for capacity: ${wait}`);
      if (!nodes?.length) continue;
      const cap = new Capacity(nodes);
      // What this home already holds on the context: every pod the scheduler still counts (until it has
      // ended or is gone), in every namespace watched there…
      const withPods = new Set<number>();
      const now = Date.now();
      const ended = new Set<string>();
      for (const other of this.clusters.values()) {
        const oc = await other.catch(() => null);
        if (!oc || oc.context !== context) continue;
        for (const p of oc.pods()) {
          withPods.add(Number(p.metadata?.labels?.[LABEL.experiment]));
          // A pod being deleted still holds its room until it is gone, as the scheduler counts it. An ended pod
          // gives its room back, but only a moment after Axon saw it end: the scheduler learns of the end from
          // its own watch, which under load comes later than ours, and a pod sent meanwhile finds no room
          // (once in 500 in a CI run).
          if (['Succeeded', 'Failed'].includes(p.status?.phase ?? '')) {
            const uid = p.metadata?.uid ?? p.metadata?.name ?? '';
            ended.add(uid);
            const seen = this.endedSeen.get(uid) ?? { at: now, context };
            this.endedSeen.set(uid, seen);
            if (now - seen.at >= ENDED_GRACE_MS) continue;
          }
          cap.count({
            requests: requestsOf(p),
            nodeSelector: p.spec?.nodeSelector,
            tolerations: p.spec?.tolerations,
            node: p.spec?.nodeName ?? null,
          });
        }
      }
      // …and the experiments started before their pods exist (building the image, creating the pods).
      for (const x of active)
        if (x.run.target?.context === context && !withPods.has(x.experimentId))
          for (const r of replicaPlan(x.run.environment)) cap.count({ ...ask(r.environment), node: null });
      for (const [uid, e] of this.endedSeen)
        if (e.context === context && !ended.has(uid)) this.endedSeen.delete(uid);
      let held = 0;
      for (const x of list) {
        const pods = replicaPlan(x.run.environment).map((r) => ask(r.environment));
        if (cap.place(pods) === 'full') {
          waiting.set(x.experimentId, waitingReason(context, pods, cap.left(pods)));
          held++;
        }
      }
      log.debug(
        `kubernetes ${context}: admit ${list.length - held} of ${list.length}; held by ${withPods.size} experiments' pods ` +
          `and ${active.filter((x) => !withPods.has(x.experimentId)).length} started without pods yet`,
      );
    }
    return waiting;
  }

  /** Axon's Python client as a ConfigMap in the namespace (once per content), mounted on PYTHONPATH. */
  private ensureSdk(c: Cluster) {
    const key = `${c.context}\0${c.namespace}`;
    let p = this.sdk.get(key);
    if (!p) {
      p = (async () => {
        const files = sdkFiles();
        const hash = crypto.createHash('sha256');
        for (const f of files) hash.update(f.path).update(f.text);
        const name = `axon-sdk-${hash.digest('hex').slice(0, 10)}`;
        const data = Object.fromEntries(files.map((f) => [f.key, f.text]));
        this.counter.requests++;
        try {
          await c.core.createNamespacedConfigMap({
            namespace: c.namespace,
            body: { metadata: { name, labels: { [LABEL.home]: this.homeId } }, data },
          });
        } catch (e) {
          if (statusOf(e) !== 409)
            throw new Error(`creating config map ${name}: ${errorText(e)}`, { cause: e });
        }
        return { name, items: files.map((f) => ({ key: f.key, path: f.path })) };
      })();
      p.catch(() => this.sdk.delete(key));
      this.sdk.set(key, p);
    }
    return p;
  }

  async close(): Promise<void> {
    for (const p of this.clusters.values()) await (await p.catch(() => null))?.close();
    this.clusters.clear();
  }
}

/** A context's nodes; null when they may not be read (no capacity check); `wait` when they cannot be read now. */
interface NodeList {
  nodes: NodeInfo[] | null;
  wait?: string;
}

interface RawNode {
  metadata?: { name?: string; labels?: Record<string, string> };
  spec?: { unschedulable?: boolean; providerID?: string; taints?: V1Taint[] };
  status?: { allocatable?: Record<string, string>; conditions?: Array<{ type?: string; status?: string }> };
}

export function target(run: RunSpec): KubeTarget {
  if (!run.target)
    throw new Error('this run has no kube context recorded (it was not created for Kubernetes)');
  return run.target;
}

const iso = (t: Date | string | undefined | null) => (t ? new Date(t).toISOString() : null);

function sdkFiles(): Array<{ key: string; path: string; text: string }> {
  const out: Array<{ key: string; path: string; text: string }> = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory() && e.name !== '__pycache__') walk(abs);
      else if (e.isFile() && e.name.endsWith('.py')) {
        const rel = path.relative(SDK_PYTHON, abs).split(path.sep).join('/');
        out.push({ key: rel.replace(/\//g, '.'), path: rel, text: fs.readFileSync(abs, 'utf8') });
      }
    }
  };
  walk(SDK_PYTHON);
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** One context + namespace, as the maps of opened clusters and checked namespaces key it. */
const targetKey = (t: KubeTarget) => `${t.context}\0${t.namespace}`;

/** Where a replica's restore records what it sent in (pod-outputs.ts). */
const sentFile = (job: { runDir: string; role: string; index: number }) =>
  path.join(job.runDir, `outputs-sent-${job.role}-${job.index}.json`);
