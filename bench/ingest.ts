// Metric ingestion: points per second from a log of `@@axon` protocol lines, through the engine's LogFollower,
// into a fresh Store (SQLite), against a raw batched insert of the same rows into a fresh SQLite file.
import fs from 'node:fs';
import path from 'node:path';
import type { MetricPoint } from '../shared/domain';
import { parseLine } from '../main/engine/tracking/protocol';
import {
  engineFollower,
  freshFixture,
  KEYS,
  protocolPoints,
  timeFollowerIngest,
  timeRawInsert,
  writeProtocolLog,
  type IngestTiming,
  type MakeFollower,
} from './ingest-setup';
import { log, median, nowMs, removeDir, report, tmpDir, type BenchResult, type Figure } from './lib';

export const STEPS = Number(process.env.AXON_BENCH_INGEST_STEPS ?? 250_000);
const ROUNDS = Number(process.env.AXON_BENCH_INGEST_ROUNDS ?? 3);

export interface IngestComparison {
  points: number;
  axon: IngestTiming[];
  raw: IngestTiming[];
  axonPerSecond: number;
  rawPerSecond: number;
  logBytes: number;
}

/** Axon and raw, alternating, `rounds` times each on fresh databases; medians of the rates. */
export async function compareIngest(steps = STEPS, rounds = ROUNDS): Promise<IngestComparison> {
  const dir = tmpDir('axon-bench-ingest-');
  try {
    const logPath = path.join(dir, 'master-0.log');
    const points = writeProtocolLog(logPath, steps);
    const rows = protocolPoints(steps);
    const axon: IngestTiming[] = [];
    const raw: IngestTiming[] = [];
    for (let r = 0; r < rounds; r++) {
      const runDir = fs.mkdtempSync(path.join(dir, 'round-'));
      raw.push(await timeRawInsert(path.join(runDir, 'raw.db'), rows));
      axon.push(await timeFollowerIngest(runDir, logPath, points));
      log(
        `ingest round ${r + 1}/${rounds}: axon ${Math.round(axon[r].perSecond)} points/s, raw ${Math.round(raw[r].perSecond)} points/s`,
      );
      removeDir(runDir);
    }
    return {
      points,
      axon,
      raw,
      axonPerSecond: median(axon.map((t) => t.perSecond)),
      rawPerSecond: median(raw.map((t) => t.perSecond)),
      logBytes: fs.statSync(logPath).size,
    };
  } finally {
    removeDir(dir);
  }
}

/**
 * Where the follower's time goes: the same log read and parsed with the protocol parser and nothing stored,
 * then the parsed points handed to the store's ingest in batches the size the follower makes (one per 4 MiB).
 */
export async function breakdown(
  steps = STEPS,
): Promise<{ parseMs: number; storeMs: number; batches: number }> {
  const dir = tmpDir('axon-bench-ingest-parts-');
  try {
    const logPath = path.join(dir, 'master-0.log');
    writeProtocolLog(logPath, steps);
    const buf = fs.readFileSync(logPath);
    const t0 = nowMs();
    const batches: MetricPoint[][] = [];
    const chunk = 4 * 1024 * 1024;
    const now = Date.now() / 1000;
    for (let start = 0; start < buf.length;) {
      const slice = buf.subarray(start, Math.min(buf.length, start + chunk));
      const take = slice.lastIndexOf(0x0a) + 1;
      const text = slice.subarray(0, take).toString('utf8');
      start += take;
      const points: MetricPoint[] = [];
      for (const line of text.split('\n')) {
        const r = parseLine(line);
        if (r.kind !== 'record' || !r.metrics) continue;
        for (const [key, value] of Object.entries(r.metrics.values))
          points.push({ key, step: r.metrics.step ?? 0, value, ts: r.metrics.ts ?? now });
      }
      batches.push(points);
    }
    const parseMs = nowMs() - t0;
    const fx = await freshFixture(dir, logPath);
    const t1 = nowMs();
    let consumed = 0;
    for (const points of batches)
      await fx.store.metrics.ingest({
        experimentId: fx.experimentId,
        jobId: fx.jobId,
        points,
        params: {},
        tags: [],
        consumed: ++consumed,
        malformed: 0,
      });
    const storeMs = nowMs() - t1;
    await fx.store.close();
    return { parseMs, storeMs, batches: batches.length };
  } finally {
    removeDir(dir);
  }
}

/**
 * AXON_BENCH_VARIANTS=1: the candidate changes under bench/variants against the engine's follower, alternating
 * on fresh databases, `rounds` times each; medians.
 */
async function variants(steps = STEPS, rounds = ROUNDS): Promise<BenchResult> {
  const { VARIANTS } = await import('./variants/metrics-variants');
  const dir = tmpDir('axon-bench-ingest-variants-');
  try {
    const logPath = path.join(dir, 'master-0.log');
    const points = writeProtocolLog(logPath, steps);
    const all: Record<string, MakeFollower> = { 'engine (as is)': engineFollower, ...VARIANTS };
    const rates: Record<string, number[]> = {};
    for (let r = 0; r < rounds; r++)
      for (const [name, make] of Object.entries(all)) {
        const runDir = fs.mkdtempSync(path.join(dir, 'round-'));
        (rates[name] ??= []).push((await timeFollowerIngest(runDir, logPath, points, make)).perSecond);
        removeDir(runDir);
      }
    const engine = median(rates['engine (as is)']);
    return report({
      name: 'ingest-variants',
      params: { steps, points, rounds },
      figures: Object.entries(rates).map(([name, xs]) => ({
        what: name,
        value: median(xs),
        unit: 'points/s',
        baseline: { what: 'engine as is', value: engine },
        ratio: median(xs) / engine,
      })),
      notes: [
        `${points.toLocaleString('en-US')} points, median of ${rounds} rounds, all candidates alternating on fresh stores.`,
        ...Object.entries(rates).map(
          ([name, xs]) => `${name}: ${xs.map((x) => Math.round(x)).join(', ')} points/s`,
        ),
      ],
    });
  } finally {
    removeDir(dir);
  }
}

export async function run(): Promise<BenchResult> {
  log(`ingest: ${STEPS.toLocaleString('en-US')} steps × ${KEYS.length} keys, ${ROUNDS} rounds`);
  const c = await compareIngest();
  const parts = await breakdown();
  const ratio = c.axonPerSecond / c.rawPerSecond;
  const figures: Figure[] = [
    {
      what: 'Axon: log → LogFollower → Store',
      value: c.axonPerSecond,
      unit: 'points/s',
      baseline: { what: 'raw batched INSERT', value: c.rawPerSecond },
      ratio,
      ratioNote: 'of raw',
      goal: '≥ 0.5× raw',
      met: ratio >= 0.5,
    },
    {
      what: 'Axon rate, absolute',
      value: c.axonPerSecond,
      unit: 'points/s',
      goal: '≥ 200,000 points/s',
      met: c.axonPerSecond >= 200_000,
    },
    {
      what: 'Axon time for all points (median)',
      value: median(c.axon.map((t) => t.ms)),
      unit: 'ms',
      baseline: { what: 'raw', value: median(c.raw.map((t) => t.ms)) },
      ratio: median(c.axon.map((t) => t.ms)) / median(c.raw.map((t) => t.ms)),
    },
    { what: 'part: read + parseLine only', value: parts.parseMs, unit: 'ms' },
    { what: `part: store.metrics.ingest only (${parts.batches} batches)`, value: parts.storeMs, unit: 'ms' },
  ];
  const result = report({
    name: 'ingest',
    params: { steps: STEPS, keys: KEYS, points: c.points, rounds: ROUNDS, logBytes: c.logBytes },
    figures,
    notes: [
      `${c.points.toLocaleString('en-US')} points (${STEPS.toLocaleString('en-US')} lines × ${KEYS.length} keys, ${(c.logBytes / 2 ** 20).toFixed(1)} MiB of log), median of ${ROUNDS} rounds, Axon and raw alternating on fresh databases.`,
      `Axon rounds (points/s): ${c.axon.map((t) => Math.round(t.perSecond)).join(', ')}; raw rounds: ${c.raw.map((t) => Math.round(t.perSecond)).join(', ')}.`,
      'The log file is written before the clock starts (it is in the page cache); the Axon clock runs from LogFollower.start() to finish() and the stored count is checked.',
      'The parts are measured separately on another fresh store; they run one after the other in the follower, so they add up to about its time.',
    ],
  });
  if (process.env.AXON_BENCH_VARIANTS === '1') await variants();
  return result;
}
