// One kube context + namespace as the backend uses it: the clients, and one watch of this Axon home's pods
// (label axon.dev/home) that every job of that namespace listens to. The watch is client-node's informer: it
// lists once, then watches from the list's resourceVersion, resumes from the last one it saw when the server
// closes the stream, and lists again on 410 Gone; on any other error it stops, and this class starts it again
// with a backoff. No job polls the API for its status.
//
// Reachability is tracked here: a failed list or watch marks the cluster unreachable (since when, and why);
// the next successful list marks it reachable, and every listener is told either way. A server that hangs
// (stopped, or a network that drops packets) ends nothing, so a heartbeat asks it for /version every 10 s:
// two missed answers mark it unreachable and the watch is started again once it answers.
import type { CoreV1Api, Exec, KubeConfig, Log, V1Pod } from '@kubernetes/client-node';
import { log } from '../../log';
import { loadClientNode } from './kubeconfig';
import { kubeGet } from './cluster-info';
import { LABEL } from './pod-spec';

type PodListener = (pod: V1Pod | null) => void;
const HEARTBEAT_MS = 10_000;
type ReachListener = (unreachableSince: Date | null, why: string | null) => void;

export interface ApiCounter {
  requests: number;
}

/** HTTP status of a client-node error (ApiException.code), or null for a network error. */
export function statusOf(e: unknown): number | null {
  const c =
    (e as { code?: unknown; statusCode?: unknown })?.code ?? (e as { statusCode?: unknown })?.statusCode;
  return typeof c === 'number' ? c : null;
}

export function errorText(e: unknown): string {
  const body = (e as { body?: unknown })?.body;
  if (typeof body === 'string') {
    try {
      const m = (JSON.parse(body) as { message?: string }).message;
      if (m) return m;
    } catch {
      /* not JSON */
    }
  }
  if (body && typeof body === 'object' && 'message' in body)
    return String((body as { message: unknown }).message);
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  // client-node's ApiException without a body: "HTTP-Code: 401\nMessage: Unauthorized\nBody: …\nHeaders: …".
  const api = /^HTTP-Code: (\d+)\s+Message: (.*)$/m.exec(err?.message ?? '');
  if (api) return `${api[1]} ${api[2].trim()}`;
  return err?.cause?.message ?? err?.message ?? String(e);
}

export class Cluster {
  readonly core: CoreV1Api;
  readonly logs: Log;
  readonly exec: Exec;
  private informer: Awaited<ReturnType<typeof makePodInformer>> | null = null;
  private listeners = new Map<string, Set<PodListener>>();
  /** When each listener started listening (a counter): a list begun before it says nothing of its pod. */
  private since = new Map<PodListener, number>();
  private seq = 0;
  private reach = new Set<ReachListener>();
  private synced!: Promise<void>;
  private markSynced!: () => void;
  private restartTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private missed = 0;
  private backoffMs = 500;
  private closed = false;
  unreachableSince: Date | null = null;
  unreachableWhy: string | null = null;
  /** Set while the API server refuses to list this home's pods here: 403, Axon may not use the namespace;
   *  401, the context's credentials are refused. Waiting would not change either. */
  refused: { status: 401 | 403; why: string } | null = null;

  private constructor(
    readonly context: string,
    readonly namespace: string,
    readonly home: string,
    readonly kc: KubeConfig,
    k8s: typeof import('@kubernetes/client-node'),
    readonly counter: ApiCounter,
  ) {
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.logs = new k8s.Log(kc);
    this.exec = new k8s.Exec(kc);
    this.synced = new Promise((r) => (this.markSynced = r));
  }

  static async open(context: string, namespace: string, home: string, kc: KubeConfig, counter: ApiCounter) {
    const c = new Cluster(context, namespace, home, kc, await loadClientNode(), counter);
    await c.startWatch();
    c.heartbeat();
    return c;
  }

  private async startWatch(): Promise<void> {
    if (this.closed) return;
    const informer = await makePodInformer(this);
    this.informer = informer;
    informer.on('add', (p) => this.dispatch(p));
    informer.on('update', (p) => this.dispatch(p));
    informer.on('delete', (p) => {
      const name = p.metadata?.name;
      if (name) for (const l of this.listeners.get(name) ?? []) l(null);
    });
    informer.on('error', (e) => {
      if (this.closed) return;
      this.setReachable(false, errorText(e));
      log.debug(`kubernetes ${this.context}/${this.namespace}: watch ended (${errorText(e)})`);
      // Back once the API server answers again (a cheap GET /version, with a backoff between tries): then the
      // watch resumes from the last resourceVersion (or lists again on 410).
      this.retryLater(informer);
    });
    await informer.start().catch(() => undefined);
  }

  private retryLater(informer: NonNullable<Cluster['informer']>): void {
    if (this.restartTimer || this.closed) return;
    const wait = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, 30_000);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      void this.probe().then((ok) => {
        if (this.closed) return;
        log.debug(`kubernetes ${this.context}: retry probe ${ok}`);
        if (!ok) return this.retryLater(informer);
        // The back-off is reset by events or a list, not by /version alone (a watch refused for another reason
        // must not be retried twice a second).
        this.setReachable(true, null);
        void informer.start().catch(() => undefined);
      });
    }, wait);
    this.restartTimer.unref?.();
  }

  private heartbeat(): void {
    this.heartbeatTimer = setTimeout(async () => {
      if (this.closed) return;
      if (!this.unreachableSince) {
        const ok = await this.probe();
        this.missed = ok ? 0 : this.missed + 1;
        if (this.missed >= 2)
          this.noAnswer('the API server does not answer (no reply to /version in 5 s, twice)');
      }
      if (!this.closed) this.heartbeat();
    }, HEARTBEAT_MS);
    this.heartbeatTimer.unref?.();
  }

  /** Asks the server for /version now: false, and the cluster is marked unreachable, if it does not answer
   *  (a request that timed out says nothing more on its own: the exec may be refused, the server gone). */
  async answers(): Promise<boolean> {
    if (this.unreachableSince) return false;
    if (await this.probe()) return true;
    this.noAnswer('the API server does not answer (no reply to /version in 5 s)');
    return false;
  }

  /** The server stopped answering without closing anything: the watch may never end by itself, so it is
   *  stopped and started again (from its last resourceVersion) once the server answers. */
  private noAnswer(why: string): void {
    if (this.closed || this.unreachableSince) return;
    this.missed = 0;
    this.setReachable(false, why);
    const informer = this.informer;
    if (!informer) return;
    void informer.stop().catch(() => undefined);
    this.retryLater(informer);
  }

  private async probe(): Promise<boolean> {
    this.counter.requests++;
    try {
      await kubeGet({ kc: this.kc, path: '/version', timeoutMs: 5000 });
      return true;
    } catch {
      return false;
    }
  }

  /** The list succeeded: the cache is current. */
  listed(names?: Set<string>, startedAt = this.seq): void {
    this.backoffMs = 500;
    this.refused = null;
    this.setReachable(true, null);
    this.markSynced();
    if (!names) return;
    // Once the informer has taken the list in: a listener's pod that the list lacks is gone (it was deleted
    // while the watch was away), unless the listener came after the list was asked for.
    setImmediate(() => {
      for (const [name, ls] of this.listeners)
        if (!names.has(name)) for (const l of ls) if ((this.since.get(l) ?? 0) <= startedAt) l(null);
    });
  }

  /** The counter value a list started at (see `since`). */
  now(): number {
    return this.seq;
  }

  setReachable(ok: boolean, why: string | null): void {
    if (ok === (this.unreachableSince === null)) return;
    this.unreachableSince = ok ? null : new Date();
    this.unreachableWhy = why;
    if (!ok)
      log.warn(
        this.refused
          ? `kubernetes context ${this.context}, namespace ${this.namespace}: the API server refuses Axon (${why})`
          : `kubernetes context ${this.context}: unreachable (${why})`,
      );
    for (const l of this.reach) l(this.unreachableSince, why);
    // Back again: every listener re-reads its pod from the fresh list.
    // Back again: listeners re-read their pods as cached (a list, if one follows, says what changed).
    if (ok)
      for (const [name, ls] of this.listeners) {
        const p = this.pod(name);
        if (p) for (const l of ls) l(p);
      }
  }

  /** Waits for the first list (at most `ms`); false when the cluster did not answer in time, is away, or
   *  refused the list (a namespace Axon may not use says so at once, not after `ms`). */
  async ready(ms = 10_000): Promise<boolean> {
    // Known to be away: say so at once (an engine re-attaching many runs must not wait for each).
    if (this.unreachableSince) return false;
    let timer: NodeJS.Timeout | undefined;
    let off: () => unknown = () => undefined;
    const t = new Promise<boolean>((r) => {
      timer = setTimeout(() => r(false), ms);
      off = this.onReachability((since) => since !== null && r(false));
    });
    const ok = await Promise.race([this.synced.then(() => true), t]);
    clearTimeout(timer);
    off();
    return ok;
  }

  pod(name: string): V1Pod | undefined {
    return this.informer?.get(name, this.namespace);
  }

  pods(): readonly V1Pod[] {
    return this.informer?.list(this.namespace) ?? [];
  }

  private dispatch(p: V1Pod): void {
    this.backoffMs = 500;
    if (this.unreachableSince) this.setReachable(true, null);
    const name = p.metadata?.name;
    if (name) for (const l of this.listeners.get(name) ?? []) l(p);
  }

  /** Listens to one pod's changes (null: deleted); returns the unsubscribe function. */
  watchPod(name: string, l: PodListener): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(l);
    this.since.set(l, ++this.seq);
    return () => {
      set.delete(l);
      this.since.delete(l);
      if (!set.size) this.listeners.delete(name);
    };
  }

  onReachability(l: ReachListener): () => void {
    this.reach.add(l);
    return () => this.reach.delete(l);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    await this.informer?.stop().catch(() => undefined);
  }
}

async function makePodInformer(c: Cluster) {
  const k8s = await loadClientNode();
  const selector = `${LABEL.home}=${c.home}`;
  const path = `/api/v1/namespaces/${c.namespace}/pods`;
  const list = async () => {
    c.counter.requests++;
    const startedAt = c.now();
    try {
      const r = await c.core.listNamespacedPod({ namespace: c.namespace, labelSelector: selector });
      c.counter.requests++; // the watch that follows the list
      c.listed(new Set(r.items.map((p) => p.metadata?.name ?? '')), startedAt);
      return r;
    } catch (e) {
      const status = statusOf(e);
      if (status === 401 || status === 403) c.refused = { status, why: errorText(e) };
      c.setReachable(false, errorText(e));
      throw e;
    }
  };
  return k8s.makeInformer<V1Pod>(c.kc, path, list, selector);
}
