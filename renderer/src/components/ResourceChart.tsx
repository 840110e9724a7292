// CPU and memory of one experiment over time: experiments.resources, then live from resources.sampled.
// Samples of several jobs at the same second are added up. The buffer keeps the last MAX_SAMPLES.
import { useEffect, useMemo, useState } from 'react';
import type uPlot from 'uplot';
import type { ResourceSample } from '../../../shared/domain';
import { call, errorMessage, subscribe } from '../api';
import { axis, numberAxis, UPlotChart, xRange } from './UPlotChart';
import { useConnection } from '../stores/connection';
import { Empty, ErrorState, Loading } from './States';
import { formatBytes } from '../lib/format';

const MAX_SAMPLES = 7200;

export function ResourceChart({ experimentId }: { experimentId: number }) {
  const [samples, setSamples] = useState<ResourceSample[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Back from a disconnection the samples are read again (those taken meanwhile were never announced).
  const epoch = useConnection((s) => s.epoch);

  useEffect(() => {
    let alive = true;
    setSamples(null);
    const pending: ResourceSample[] = [];
    let ready = false;
    const add = (more: ResourceSample[]) =>
      setSamples((s) => {
        const all = [...(s ?? []), ...more];
        return all.length > MAX_SAMPLES ? all.slice(all.length - MAX_SAMPLES) : all;
      });
    const off = subscribe('resources.sampled', (e) => {
      const mine = e.samples.filter((x) => x.experimentId === experimentId);
      if (!mine.length) return;
      if (ready) add(mine);
      else pending.push(...mine);
    });
    call('experiments.resources', { id: experimentId }).then(
      (got) => {
        if (!alive) return;
        const last = got.length ? got[got.length - 1].ts : -Infinity;
        setSamples(got.slice(-MAX_SAMPLES));
        ready = true;
        add(pending.filter((p) => p.ts > last));
      },
      (e) => alive && setError(errorMessage(e)),
    );
    return () => {
      alive = false;
      off();
    };
  }, [experimentId, epoch]);

  const data = useMemo<uPlot.AlignedData | null>(() => {
    if (!samples?.length) return null;
    const byTs = new Map<number, { cpu: number | null; mem: number | null }>();
    for (const s of samples) {
      const t = Math.round(s.ts);
      const cur = byTs.get(t) ?? { cpu: null, mem: null };
      if (s.cpuPercent != null) cur.cpu = (cur.cpu ?? 0) + s.cpuPercent;
      if (s.memoryBytes != null) cur.mem = (cur.mem ?? 0) + s.memoryBytes;
      byTs.set(t, cur);
    }
    const ts = [...byTs.keys()].sort((a, b) => a - b);
    return [ts, ts.map((t) => byTs.get(t)!.cpu), ts.map((t) => byTs.get(t)!.mem)];
  }, [samples]);

  if (error) return <ErrorState error={`Resources could not be read: ${error}`} />;
  if (!samples) return <Loading what="resource samples" />;
  if (!data)
    return (
      <Empty title="No resource samples">
        The engine samples CPU and memory every second while a job runs and you watch it (10 s otherwise).
      </Empty>
    );
  const lastMem = samples[samples.length - 1]?.memoryLimitBytes;
  return (
    <figure className="card chart-card">
      <figcaption>
        <strong>CPU and memory</strong>{' '}
        <span className="muted">
          {data[0].length} samples{lastMem ? ` · memory limit ${formatBytes(lastMem)}` : ''}
        </span>
      </figcaption>
      <UPlotChart
        label="CPU percent and memory over time"
        optionsKey="resources"
        data={data}
        options={(t) => ({
          // One sample (a short run) is drawn in a minute around it, not on an axis of years.
          scales: { x: { time: true, range: xRange(true) }, cpu: {}, mem: {} },
          axes: [
            axis(t),
            numberAxis(t, { scale: 'cpu', label: 'CPU %', size: 60 }),
            axis(t, {
              scale: 'mem',
              side: 1,
              label: 'memory',
              size: 80,
              values: (_u, v) => v.map((x) => formatBytes(x)),
            }),
          ],
          series: [
            {},
            {
              label: 'CPU %',
              scale: 'cpu',
              stroke: t.palette[0],
              width: 1.5,
              points: { show: false },
              spanGaps: true,
            },
            {
              label: 'memory',
              scale: 'mem',
              stroke: t.palette[1],
              width: 1.5,
              points: { show: false },
              spanGaps: true,
              value: (_u, v) => formatBytes(v),
            },
          ],
        })}
      />
    </figure>
  );
}
