// A pod as the state of a job: waiting (with the scheduler's or the kubelet's reason), running, or ended with
// an outcome. Pure. The job is the `main` container: the side container that holds the outputs keeps the pod
// running after `main` ended, so the pod's phase alone says little.
import type { V1Pod } from '@kubernetes/client-node';
import type { BackendStatus, JobOutcome } from '../backend';
import { MAIN } from './pod-spec';

export type PodState =
  | { kind: 'waiting'; status: BackendStatus }
  | { kind: 'running'; node: string | null; startedAt: string | null }
  | { kind: 'ended'; outcome: JobOutcome; finishedAt: string | null };

/** Waiting reasons that never resolve by themselves: the job fails at once with the kubelet's message. */
const FATAL_WAITING = new Set([
  'ErrImageNeverPull',
  'InvalidImageName',
  'ImagePullBackOff',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

const iso = (t: Date | string | undefined | null): string | null =>
  t ? (t instanceof Date ? t.toISOString() : new Date(t).toISOString()) : null;

function memoryLimit(pod: V1Pod): string {
  const c = pod.spec?.containers?.find((x) => x.name === MAIN);
  const lim = c?.resources?.limits?.memory;
  return lim ? ` (limit ${lim})` : '';
}

export function podState(pod: V1Pod): PodState {
  const st = pod.status ?? {};
  const main = st.containerStatuses?.find((c) => c.name === MAIN);
  const term = main?.state?.terminated;
  if (term) {
    // A child killed for memory while the command went on and exited 0 is a success (as on Docker and
    // locally); the kubelet still says OOMKilled then.
    const reason =
      term.reason === 'OOMKilled' && term.exitCode !== 0
        ? `out of memory${memoryLimit(pod)}`
        : term.reason && !['Completed', 'Error', 'OOMKilled'].includes(term.reason)
          ? `${term.reason}${term.message ? `: ${term.message.trim()}` : ''} (exit code ${term.exitCode})`
          : undefined;
    return {
      kind: 'ended',
      outcome: {
        exitCode: term.exitCode ?? null,
        signal: null,
        lost: false,
        ...(reason ? { reason } : {}),
        ...(iso(term.startedAt) ? { startedAt: iso(term.startedAt)! } : {}),
      },
      finishedAt: iso(term.finishedAt),
    };
  }
  if (st.phase === 'Failed' || st.phase === 'Succeeded') {
    // Evicted, or ended before `main` reported (node lost, deadline): no exit code to tell.
    const why = [st.reason, st.message].filter(Boolean).join(': ') || `pod ${st.phase?.toLowerCase()}`;
    return {
      kind: 'ended',
      outcome: {
        exitCode: null,
        signal: null,
        lost: true,
        reason: st.reason === 'Evicted' ? `evicted: ${st.message ?? ''}`.trim() : why,
      },
      finishedAt: null,
    };
  }
  if (st.reason === 'NodeLost' || st.reason === 'NodeShutdown')
    return {
      kind: 'waiting',
      status: { status: 'unknown', reason: `node lost: ${st.message ?? pod.spec?.nodeName ?? ''}`.trim() },
    };
  if (main?.state?.running)
    return {
      kind: 'running',
      node: pod.spec?.nodeName ?? null,
      startedAt: iso(main.state.running.startedAt),
    };
  // An init container (a resume's restore) that cannot start holds `main` at PodInitializing: its reason counts.
  const initWaiting = st.initContainerStatuses?.map((c) => c.state?.waiting).find((w) => w?.reason);
  const waiting =
    initWaiting?.reason && FATAL_WAITING.has(initWaiting.reason) ? initWaiting : main?.state?.waiting;
  if (waiting?.reason && FATAL_WAITING.has(waiting.reason)) {
    const image = pod.spec?.containers?.find((c) => c.name === MAIN)?.image ?? '';
    const what = /Image|Pull/.test(waiting.reason)
      ? `image ${image} is not available on the node`
      : 'the container could not start';
    return {
      kind: 'ended',
      outcome: {
        exitCode: null,
        signal: null,
        lost: false,
        reason: `${waiting.reason}: ${what}${waiting.message ? ` (${waiting.message.trim()})` : ''}`,
      },
      finishedAt: null,
    };
  }
  if (waiting?.reason && waiting.reason !== 'ContainerCreating' && waiting.reason !== 'PodInitializing')
    return {
      kind: 'waiting',
      status: { status: 'warning', reason: waiting.reason, message: waiting.message ?? null },
    };
  const scheduled = st.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable')
    return {
      kind: 'waiting',
      status: { status: 'unschedulable', reason: `unschedulable: ${scheduled.message ?? 'no node fits'}` },
    };
  return {
    kind: 'waiting',
    status: { status: pod.spec?.nodeName ? 'starting' : 'scheduled', reason: null },
  };
}
