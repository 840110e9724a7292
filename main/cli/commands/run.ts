// `axon run`: create an experiment or a group from polyaxonfiles; attached by default (live status, log tail,
// results table), exit code follows the run.
import pc from 'picocolors';
import type { AxonApi, RunCreated } from '../../../shared/api';
import type { HttpClient } from '../../../shared/http-client';
import type { Experiment, Group, LogChunk } from '../../../shared/domain';
import { isDone, isGroupDone, type GroupStatus } from '../../../shared/statuses';
import { protocolStart } from '../../engine/tracking/protocol';
import { experimentsTable, fmtStatus, fmtValue, isTTY, printJson } from '../format';
import { remoteServer } from '../remote';

export interface AttachOptions {
  json: boolean;
  /** Print no status lines (the log lines still go to the state's printer). */
  quiet?: boolean;
  showProtocol?: boolean;
  /** Where a previous attach (to an engine that went away) stopped; carried to the next. */
  state?: AttachState;
  /** The caller prints the final status itself (with the metrics), so the attach leaves it out. */
  summary?: boolean;
}

export interface AttachState {
  printer: ReturnType<typeof logPrinter>;
  /** The job whose log is printed, once known (the first job's unless a replica's was asked for). */
  master?: number;
  /** Bytes of its log printed. */
  printed: number;
}

/** Writes log text line by line (chunks may split lines), leaving out protocol lines unless asked. */
export function logPrinter(
  showProtocol = false,
  /** Where whole lines go (default: stdout, as text). */
  sink: (lines: string[]) => void = (lines) => process.stdout.write(lines.join('\n') + '\n'),
): { write(text: string): void; end(): void } {
  let carry = '';
  return {
    write(text: string) {
      const lines = (carry + text).split('\n');
      carry = lines.pop() ?? '';
      const out = lines.flatMap((l) => shown(l, showProtocol));
      if (out.length) sink(out);
    },
    end() {
      const out = carry ? shown(carry, showProtocol) : [];
      if (out.length) sink(out);
      carry = '';
    },
  };
}

/** A log line as printed: without its protocol record (unless asked); a progress bar before one is kept. */
function shown(line: string, showProtocol: boolean): string[] {
  const at = showProtocol ? -1 : protocolStart(line);
  return at < 0 ? [line] : at > 0 ? [line.slice(0, at)] : [];
}

/**
 * Prints the run's log as it grows, without protocol lines, and resolves with the final experiment. A distributed
 * run has a log per replica: the master's is printed (the first job), and the others are named at the end.
 */
export async function attachExperiment(api: AxonApi, id: number, opts: AttachOptions): Promise<Experiment> {
  const st: AttachState = opts.state ?? { printer: logPrinter(opts.showProtocol), printed: 0 };
  const early: LogChunk[] = []; // chunks that came before the master was known
  const take = (c: LogChunk) => {
    if (c.jobId !== st.master || c.nextOffset <= st.printed) return;
    // A live chunk past what is printed (its predecessors came before this client listened): the log file
    // already holds the gap, so it is read from there rather than skipped.
    if (c.offset > st.printed) return void drain().catch(() => undefined);
    if (!opts.json) st.printer.write(c.text.slice(st.printed - c.offset));
    st.printed = c.nextOffset;
  };
  // Reads the printed job's log from where printing stopped to its end; one reader at a time, once more if asked meanwhile.
  let reading: Promise<void> | undefined;
  let again = false;
  const drain = (): Promise<void> => {
    if (reading) {
      again = true;
      return reading;
    }
    reading = (async () => {
      try {
        do {
          again = false;
          for (;;) {
            const from = st.printed;
            const chunk = await api.call('experiments.logs', { id, job: st.master, offset: from });
            knowMaster(chunk.jobId);
            if (chunk.nextOffset <= from || chunk.jobId !== st.master) break;
            take(chunk);
          }
        } while (again);
      } finally {
        reading = undefined;
      }
    })();
    return reading;
  };
  const knowMaster = (jobId: number) => {
    if (st.master !== undefined || !jobId) return;
    st.master = jobId;
    for (const c of early.splice(0)) take(c);
  };
  let asking = false;
  const askMaster = async () => {
    if (asking) return;
    asking = true;
    try {
      knowMaster((await api.call('experiments.get', { id })).jobs[0]?.id ?? 0);
    } finally {
      asking = false;
    }
  };
  let poll: ReturnType<typeof setInterval> | undefined;
  const done = new Promise<Experiment>((resolve, reject) => {
    // Events are all an attached command hears; a slow look at the run itself catches an end it missed and,
    // on a shared engine, access it has lost (a member removed from the organization): then it says so.
    poll = setInterval(() => {
      api.call('experiments.get', { id }).then(
        (x) => {
          if (isDone(x.status)) resolve(x);
        },
        (e: unknown) => {
          const code = (e as { code?: string }).code;
          if (code === 'not_found' || code === 'forbidden' || code === 'unauthorized') reject(e as Error);
        },
      );
    }, ATTACH_POLL_MS);
    poll.unref?.();
    const offStatus = api.on('experiments.changed', ({ experiment }) => {
      if (experiment.id !== id) return;
      if (!opts.json && !opts.quiet && !(opts.summary && isDone(experiment.status)))
        process.stderr.write(
          pc.dim(
            `[axon] experiment ${id}: ${fmtStatus(experiment.status)}${experiment.statusReason ? ` (${experiment.statusReason})` : ''}`,
          ) + '\n',
        );
      if (isDone(experiment.status)) {
        offStatus();
        resolve(experiment);
      }
    });
  });
  done.catch(() => undefined); // awaited below; a rejection before then is not unhandled
  const offLogs = api.on('logs.appended', (c) => {
    if (c.experimentId !== id) return;
    if (st.master !== undefined) return take(c);
    early.push(c);
    void askMaster().catch(() => undefined);
  });
  let final: Experiment;
  try {
    if ('ready' in api) await (api as { ready(): Promise<void> }).ready();
    // History first (experiments.logs reads the master's log), then live events from where it ended.
    await drain();
    const current = await api.call('experiments.get', { id });
    // Waiting since before this command listened (a quota, the cluster's room): why, said once.
    if (
      !isDone(current.status) &&
      current.status !== 'running' &&
      current.statusReason &&
      !opts.json &&
      !opts.quiet
    )
      process.stderr.write(
        pc.dim(`[axon] experiment ${id}: ${fmtStatus(current.status)} (${current.statusReason})`) + '\n',
      );
    final = isDone(current.status) ? current : await done;
  } finally {
    clearInterval(poll);
  }
  offLogs();
  // The end can be announced before the last lines' events arrive: the file has them.
  await drain();
  if (!opts.json) st.printer.end();
  const result = await api.call('experiments.get', { id: final.id });
  const shown = result.jobs.find((j) => j.id === st.master) ?? result.jobs[0];
  const others = result.jobs.filter((j) => j !== shown).map((j) => `${j.role}-${j.index}`);
  if (shown && others.length && !opts.json && !opts.quiet)
    process.stderr.write(
      pc.dim(
        `[axon] the log above is ${shown.role}-${shown.index}'s; the other replicas' logs: ` +
          // Each command written out for a few; one command and the names for many (16 workers made a
          // screenful).
          (others.length <= 3
            ? others.map((r) => `axon experiment -xp ${id} logs --replica ${r}`).join(', ')
            : `axon experiment -xp ${id} logs --replica NAME (${others.join(', ')})`),
      ) + '\n',
    );
  return result;
}

/** How often an attached command looks at its run besides the events (a missed end, access lost). */
const ATTACH_POLL_MS = Number(process.env.AXON_ATTACH_POLL_MS ?? 15_000);

/** A new connection to this home's engine (one is started if none serves), replacing the one that dropped. */
export type Reconnect = () => Promise<AxonApi>;

/**
 * Runs `attach` against the engine. When the engine's connection drops (the engine was killed or stopped),
 * says so, reconnects (which starts a background engine if none serves; it re-attaches the runs) and attaches
 * again from where it was. Without `reconnect` (an in-process engine) nothing can drop.
 */
export async function survivingEngineLoss<T>(
  api: AxonApi,
  reconnect: Reconnect | undefined,
  attach: (api: AxonApi) => Promise<T>,
): Promise<T> {
  // Losses in a row (each within 30 s of the one before): said once, asked again ever more slowly.
  let losses = 0;
  let lastLoss = 0;
  for (;;) {
    const client = api as Partial<HttpClient>;
    if (!reconnect || !client.onConnection) return attach(api);
    let off: () => unknown = () => undefined;
    const lost = new Promise<typeof LOST>((resolve) => {
      off = client.onConnection!((up) => {
        if (!up) resolve(LOST);
      });
    });
    const attached = attach(api);
    attached.catch(() => undefined); // abandoned if the engine went away
    try {
      const r = await Promise.race([attached, lost]);
      if (r !== LOST) return r as T;
    } finally {
      off();
    }
    const server = remote();
    if (Date.now() - lastLoss > 30_000) losses = 0;
    lastLoss = Date.now();
    if (losses === 0)
      process.stderr.write(
        pc.dim(
          server
            ? `[axon] the connection to ${server} dropped; reconnecting (the run goes on)…`
            : '[axon] the engine serving this AXON_HOME went away; reconnecting (the run goes on)…',
        ) + '\n',
      );
    // Not a tight loop: a server that keeps closing the connection is asked again at most every few seconds.
    await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** losses)));
    losses++;
    api = await reconnect();
    // A connection refused for its credentials (the session ended, the token revoked) will not come back:
    // that is the command's error ("… sign in again"), not something to wait for.
    try {
      await api.call('auth.whoami', {});
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'unauthorized' || code === 'forbidden') throw e;
    }
  }
}

/** The server this command talks to, if not this machine's home. */
function remote(): string | null {
  try {
    return remoteServer()?.url ?? null;
  } catch {
    return null;
  }
}

const LOST = Symbol('engine connection lost');

export interface GroupAttachOptions {
  json: boolean;
  /** The experiments whose end is printed; carried to the next attach after an engine loss. */
  reported?: Set<number>;
  /** Print the ends of experiments that ended before the attach too (`axon run`: the group is new); else
   *  only those that end while it watches (`group get -w`). */
  history?: boolean;
}

export async function attachGroup(api: AxonApi, id: number, opts: GroupAttachOptions): Promise<Group> {
  const tty = isTTY() && !opts.json;
  // Off a terminal (and without --json) each experiment's end is a line; on one, the progress line says it.
  const lines = !tty && !opts.json;
  const reported = opts.reported ?? new Set<number>();
  const line = (g: Group) =>
    `[axon] group ${g.id} ${g.status}: ${g.progress.done}/${plannedTotal(g)} done, ${g.progress.running} running, ${g.progress.pending} pending, ${g.progress.failed} failed`;
  const done = new Promise<Group>((resolve) => {
    const off = api.on('groups.changed', ({ group }) => {
      if (group.id !== id) return;
      if (tty) process.stderr.write(`\r\x1b[2K${line(group)}`);
      if (isGroupDone(group.status as GroupStatus)) {
        off();
        resolve(group);
      }
    });
  });
  // Why a trial waits, said once per trial (its free capacity changes as others end: not a line each time).
  const waitTold = new Set<number>();
  const report = (e: Experiment) => {
    if (e.groupId === id && e.status === 'created' && e.statusReason && !waitTold.has(e.id)) {
      waitTold.add(e.id);
      process.stderr.write(`[axon] experiment ${e.id} created: ${e.statusReason}\n`);
    }
    if (e.groupId !== id || !isDone(e.status) || reported.has(e.id)) return;
    reported.add(e.id);
    const metrics = Object.entries(e.lastMetrics).map(([k, v]) => ` ${k}=${fmtValue(v)}`);
    process.stderr.write(
      `[axon] experiment ${e.id} ${e.status}${e.statusReason ? ` (${e.statusReason})` : ''}${metrics.join('')}\n`,
    );
  };
  // Experiments can end before the subscription is live (fast trials, the run's creation) and their events
  // are then never seen: the group's list has them. Live events wait until it is read so that lines keep the
  // order the experiments ended in.
  let waiting: Experiment[] | undefined = [];
  const catchUp = async (first: boolean) => {
    if (!lines) return;
    const ended = (await api.call('groups.experiments', { id }))
      .filter((e) => isDone(e.status))
      .sort((a, b) => (a.finishedAt ?? '').localeCompare(b.finishedAt ?? ''));
    for (const e of ended) {
      if (first && opts.history === false) reported.add(e.id);
      else report(e);
    }
  };
  const offExp = lines
    ? api.on('experiments.changed', ({ experiment: e }) => void (waiting ? waiting.push(e) : report(e)))
    : () => undefined;
  try {
    if ('ready' in api) await (api as { ready(): Promise<void> }).ready();
    await catchUp(true);
    for (const e of waiting.splice(0)) report(e);
    waiting = undefined;
    const current = await api.call('groups.get', { id });
    const final = isGroupDone(current.status as GroupStatus) ? current : await done;
    // The group's end can be announced before its last experiments' events arrive.
    await catchUp(false);
    if (tty) process.stderr.write('\n');
    return final;
  } finally {
    offExp();
  }
}

export async function printGroupResults(api: AxonApi, id: number): Promise<void> {
  const g = await api.call('groups.get', { id });
  const best = g.bestExperimentId;
  process.stdout.write(
    `Group ${g.id} (${g.algorithm}, ${groupSize(g)}) ${fmtStatus(g.status)}` +
      (g.metric ? `; ranked by ${g.metric.name} (${g.metric.optimization})` : '') +
      '\n',
  );
  experimentsTable(g.ranked, { bestId: best });
  // A metric name no trial reports (`val_loss` for `val/loss`) ranks nothing and guides no search: said, with
  // the names they did report.
  const name = g.metric?.name;
  if (name && best === null && isGroupDone(g.status) && !g.ranked.some((e) => name in e.lastMetrics)) {
    const seen = [...new Set(g.ranked.flatMap((e) => Object.keys(e.lastMetrics)))].sort();
    process.stderr.write(
      `axon: warning: no experiment of group ${g.id} reported ${name}, the metric its search ranks by; ` +
        (seen.length ? `they reported ${seen.join(', ')}\n` : 'they reported no metric\n'),
    );
  }
  if (best !== null && g.metric) {
    const b = g.ranked.find((e) => e.id === best)!;
    process.stdout.write(
      `Best: experiment ${best}, ${g.metric.name}=${fmtValue(b.lastMetrics[g.metric.name])}, params ${JSON.stringify(b.params)}\n`,
    );
  }
}

/** "7 experiments", or while an iterative search still adds them, "3 of 7 experiments so far". */
function groupSize(g: Group): string {
  const planned = plannedTotal(g);
  return isGroupDone(g.status) || planned === String(g.progress.total)
    ? `${g.progress.total} experiments`
    : `${g.progress.total} of ${planned} experiments so far`;
}

/** The total a group's progress counts toward: its plan (iterative searches grow their rows as they go). */
export function plannedTotal(g: Group): string {
  const p = g.planned;
  if (!p || p.total < g.progress.total) return String(g.progress.total);
  return p.atMost ? `≤${p.total}` : String(p.total);
}

export function announce(created: RunCreated, json: boolean): void {
  if (json) return;
  if (created.kind === 'experiment') {
    const x = created.experiment;
    process.stderr.write(`[axon] experiment ${x.id} created in project ${x.projectName}: ${x.cmd}\n`);
  } else {
    const g = created.group;
    process.stderr.write(
      `[axon] group ${g.id} created in project ${g.projectName}: ${g.algorithm} search, ${plannedTotal(g)} experiments planned, concurrency ${g.concurrency}\n`,
    );
  }
}

export async function finishRun(
  api: AxonApi,
  created: RunCreated,
  json: boolean,
  reconnect?: Reconnect,
): Promise<number> {
  if (created.kind === 'experiment') {
    const state: AttachState = { printer: logPrinter(), printed: 0 };
    const x = await survivingEngineLoss(api, reconnect, (a) =>
      attachExperiment(a, created.experiment.id, { json, state, summary: true }),
    );
    if (json) printJson(x);
    else {
      const m = Object.entries(x.lastMetrics)
        .map(([k, v]) => `${k}=${fmtValue(v)}`)
        .join(' ');
      process.stderr.write(
        `[axon] experiment ${x.id} ${fmtStatus(x.status)}${x.statusReason ? ` (${x.statusReason})` : ''}${m ? `; ${m}` : ''}\n`,
      );
      // A metric line that was not a valid record (NaN, broken JSON) is otherwise silent.
      const bad = (await api.call('experiments.get', { id: x.id }).catch(() => null))?.tracking
        .malformedLines;
      if (bad)
        process.stderr.write(
          `[axon] warning: ${bad} @@axon line${bad > 1 ? 's were' : ' was'} not a valid record and ${bad > 1 ? 'were' : 'was'} ignored ` +
            `(kept in the log: axon experiment -xp ${x.id} logs --raw; docs/metrics-protocol.md)\n`,
        );
    }
    return x.status === 'succeeded' ? 0 : 1;
  }
  let current = api;
  const reported = new Set<number>();
  const g = await survivingEngineLoss(api, reconnect, (a) => {
    current = a;
    return attachGroup(a, created.group.id, { json, reported });
  });
  if (json) printJson(await current.call('groups.get', { id: g.id }));
  else await printGroupResults(current, g.id);
  return g.status === 'done' ? 0 : 1;
}
