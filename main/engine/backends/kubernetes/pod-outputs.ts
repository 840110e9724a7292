// A pod's outputs at its two ends, each tried again when it fails: a resume's previous outputs sent in
// before `main` starts, and the outputs taken home once it has ended. Nothing here deletes a pod: the caller
// does, and only when `takeHome` (or `fetchKept`, for a pod kept with them) says the outputs need it no more.
import fs from 'node:fs';
import path from 'node:path';
import type { Cluster } from './cluster';
import type { OutputsMerge } from './outputs-merge';
import { copyOutputs, restoreOutputs, type Sent } from './pod-exec';
import { POD_OUTPUTS, SIDECAR } from './pod-spec';
import { COPYING_OUTPUTS } from '../../../../shared/statuses';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits before each new try of an outputs copy that failed: about 40 s in all. */
const COPY_RETRY_MS = [2000, 5000, 10_000, 20_000];
const RESTORE_RETRY_MS = [2000, 5000];

/** An exec refused because the container cannot run one, or the pod is gone (the kubelet's and kwok's words). */
const UNREACHABLE =
  /container not found|no exec found for container|is not running|the pod is gone|pods? "[^"]*" not found/i;

export interface PodOutputs {
  cluster: Cluster;
  pod: string;
  outputsDir: string;
  logPath: string;
  /** A distributed run's replica: its files are merged with the others' (outputs-merge.ts). */
  merge?: { replica: string; outputs: OutputsMerge };
  /** What a resume's restore sent in: files the command left alone are not copied back. */
  sent?: Map<string, Sent>;
  /** Where `sent` is kept between engines (an engine restarted mid-run still knows it). */
  sentFile?: string;
}

/** `sent` as the last engine kept it, if it did. */
export function loadSent(o: PodOutputs): void {
  if (!o.sentFile) return;
  try {
    o.sent = new Map(Object.entries(JSON.parse(fs.readFileSync(o.sentFile, 'utf8')) as Record<string, Sent>));
  } catch {
    /* no restore, or not yet */
  }
}

/** A line in the run's log: this replica's, or (`whose`) another replica's of the run, beside it. */
export function note(o: PodOutputs, text: string, whose?: string): void {
  const log = whose ? path.join(path.dirname(o.logPath), `${whose}.log`) : o.logPath;
  fs.appendFileSync(log, `[axon] outputs: ${text}\n`);
}

/** One copy of the pod's outputs into the run's folder. */
export async function copyOnce(o: PodOutputs) {
  const m = o.merge;
  const r = await copyOutputs(o.cluster, o.pod, o.outputsDir, {
    place: m && ((rel: string) => m.outputs.place(m.replica, rel, (t, whose) => note(o, t, whose))),
    placedByOthers: m && ((rel: string) => m.outputs.placedByOthers(m.replica, rel)),
    sent: o.sent,
  });
  for (const n of r.notes) note(o, n);
  return r;
}

/**
 * Takes the outputs of a pod whose `main` has ended home. `early` is the copy made when someone else's
 * deletion of the pod was seen. Returns whether the pod must be kept (it holds the only copy) and the problem
 * that made it so, for the run's reason.
 */
export async function takeHome(
  o: PodOutputs,
  early: Awaited<ReturnType<typeof copyOutputs>> | null,
  /** The engine is closing: no more tries (the next engine takes the ending over). */
  gone: () => boolean,
  /** Told before each wait for another try (the run's reason meanwhile). */
  retrying: (reason: string) => void = () => undefined,
): Promise<{ keep: boolean; problem: string | null }> {
  let r = await copyOnce(o);
  // A copy that failed is tried again (the connection may have blinked as the run ended); one cut short by the
  // size limit is not, it would stop at the same place.
  const final = () =>
    !r.problem || r.capped || gone() || UNREACHABLE.test(r.problem) || (early && !early.problem);
  for (const wait of COPY_RETRY_MS) {
    if (final()) break;
    note(o, `${r.problem}; trying again in ${wait / 1000} s`);
    retrying(`${COPYING_OUTPUTS}: ${r.problem}; trying again in ${wait / 1000} s`);
    await sleep(wait);
    r = await copyOnce(o);
  }
  if (!r.problem) return { keep: false, problem: null };
  if (early && !early.problem) {
    note(o, "copied when the pod's deletion was seen; what was written after that did not come back");
    return { keep: false, problem: null };
  }
  if (UNREACHABLE.test(r.problem)) {
    // The side container cannot be exec'd into at all (it is gone, or the node cannot exec: kwok): nothing
    // can be copied from it, now or later, by Axon or kubectl, so the pod is not kept for it.
    note(o, `the outputs cannot be copied: ${r.problem}`);
    return { keep: false, problem: null };
  }
  if (r.capped) {
    note(o, r.problem);
    return { keep: false, problem: null };
  }
  // Never delete the only copy: the pod stays, and the log says how to fetch the outputs.
  const c = o.cluster;
  const k = `kubectl --context ${c.context} -n ${c.namespace}`;
  note(
    o,
    `${r.problem}\n[axon] outputs: the pod is kept with them: ${k} cp -c ${SIDECAR} ${o.pod}:${POD_OUTPUTS} ` +
      `${o.outputsDir} fetches them, then ${k} delete pod ${o.pod} (deleting the run removes it too); Axon ` +
      'tries again while it runs, after 1, 2, 4… minutes (at most 30), and at each start',
  );
  return { keep: true, problem: r.problem };
}

/**
 * One more try at the outputs of a pod kept with them (`takeHome` said keep): whether they are home now (or
 * as much of them as the size limit allows), the problem again, or why no try can ever work (the side container
 * cannot be exec'd into: gone, or its node cannot exec).
 */
export async function fetchKept(
  o: PodOutputs,
): Promise<{ copied: true } | { gone: string } | { problem: string }> {
  const r = await copyOnce(o);
  if (r.problem && UNREACHABLE.test(r.problem)) {
    note(o, `the outputs kept in pod ${o.pod} cannot be copied: ${r.problem}`);
    return { gone: r.problem };
  }
  if (r.problem && !r.capped) {
    note(o, `the outputs kept in pod ${o.pod} are still not copied: ${r.problem}`);
    return { problem: r.problem };
  }
  if (r.problem) note(o, r.problem);
  note(o, `copied from the pod they were kept in, ${o.pod}, which is deleted now`);
  return { copied: true };
}

/** Sends the previous outputs into a resumed run's pod (three tries, until `gone`); the problem if they
 *  could not go. */
export async function sendIn(o: PodOutputs, gone: () => boolean): Promise<string | null> {
  const t0 = Date.now();
  let r = await restoreOutputs(o.cluster, o.pod, o.outputsDir);
  for (const wait of RESTORE_RETRY_MS) {
    if (!r.problem || r.tooLarge || gone()) break;
    note(o, `${r.problem}; trying again in ${wait / 1000} s`);
    await sleep(wait);
    r = await restoreOutputs(o.cluster, o.pod, o.outputsDir);
  }
  if (r.problem) return r.problem;
  if (gone()) return null; // the pod went meanwhile: its ending says so, not a restore that no longer counts
  o.sent = r.sent;
  if (o.sentFile && r.sent) {
    const tmp = `${o.sentFile}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(Object.fromEntries(r.sent)));
    fs.renameSync(tmp, o.sentFile);
  }
  const mib = (r.bytes / 1024 / 1024).toFixed(1);
  const s = ((Date.now() - t0) / 1000).toFixed(1);
  note(o, `the previous outputs restored into the pod: ${r.files} files, ${mib} MiB in ${s} s`);
  return null;
}
