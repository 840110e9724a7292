// `experiments.track`: what a job's `@@axon` lines record (metrics, params, tags), sent through the API
// instead: an SDK away from the job's log, or a job with its AXON_TOKEN (which may write its own run only).
import { ApiError } from '../../shared/api';
import type { MetricPoint } from '../../shared/domain';
import { isDone } from '../../shared/statuses';
import type { EventBus } from './events';
import type { Handlers } from './handlers';
import type { Store } from './store';

export function makeTrackingHandlers(engine: {
  store: Store;
  events: EventBus;
}): Pick<Handlers, 'experiments.track'> {
  const { store } = engine;
  return {
    'experiments.track': async ({ id, metrics, step, ts, params, tags }) => {
      const x = await store.experiments.get(id);
      // An ended run's record is closed, as its log is.
      if (isDone(x.status))
        throw new ApiError(
          'conflict',
          `experiment ${id} has ended (${x.status}): nothing more is recorded for it`,
        );
      const keys = Object.keys(metrics ?? {});
      const next = step === undefined ? await store.metrics.nextSteps(id, keys) : null;
      const at = ts ?? Date.now() / 1000;
      const points: MetricPoint[] = keys.map((key) => ({
        key,
        step: step ?? next!.get(key)!,
        value: metrics![key],
        ts: at,
      }));
      await store.metrics.ingest({
        experimentId: id,
        jobId: null,
        points,
        params: params ?? {},
        tags: tags ?? [],
        consumed: 0,
        malformed: 0,
      });
      // Heard as the log's metrics are: live charts, early stopping.
      if (points.length) engine.events.emit('metrics.appended', { experimentId: id, points });
      return { points: points.length };
    },
  };
}
