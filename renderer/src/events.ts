// Engine events → stores. Events arrive in bursts (a sweep starting, a chatty job), so they are batched
// (150 ms) before the stores change, and re-reads are throttled (at most one a second, and the last one
// always made), never debounced: a source that never pauses must still be seen. Nothing here polls.
import type { Experiment, Group, MetricPoint } from '../../shared/domain';
import { subscribe } from './api';
import { batcher, throttle } from './lib/debounce';
import { useExperiments } from './stores/experiments';
import { useGroups } from './stores/groups';
import { useProjects } from './stores/projects';
import { useConnection, watchConnection } from './stores/connection';
import { useSystem } from './stores/system';

let started = false;

export function startEventSync(): void {
  if (started) return;
  started = true;
  watchConnection();
  // Back from a disconnection: whatever changed meanwhile sent events nobody heard, so read again what the
  // stores hold (the pages re-read their own data on the same signal).
  useConnection.subscribe((s, prev) => {
    if (s.epoch === prev.epoch) return;
    void useSystem.getState().load();
    if (useProjects.getState().state) void useProjects.getState().load();
    for (const name of Object.keys(useExperiments.getState().projects))
      void useExperiments.getState().loadProject(name);
    for (const name of Object.keys(useGroups.getState().projects))
      void useGroups.getState().loadProject(name);
    void useGroups.getState().refresh(Object.keys(useGroups.getState().byId).map(Number));
  });

  const refreshProjects = throttle(() => {
    if (useProjects.getState().state) void useProjects.getState().load();
  }, 1000);
  const groupsToRefresh = new Set<number>();
  const refreshGroups = throttle(() => {
    const ids = [...groupsToRefresh];
    groupsToRefresh.clear();
    void useGroups.getState().refresh(ids);
  }, 500);

  const experiments = batcher<{ experiment: Experiment; previous: string | null }>((batch) => {
    useExperiments.getState().upsert(batch.map((b) => b.experiment));
    for (const b of batch) {
      if (b.experiment.groupId != null) groupsToRefresh.add(b.experiment.groupId);
      if (b.previous === null) refreshProjects();
    }
    if (groupsToRefresh.size) refreshGroups();
  }, 150);
  subscribe('experiments.changed', experiments);

  const groups = batcher<Group>((batch) => useGroups.getState().upsert(batch), 150);
  subscribe('groups.changed', (p) => groups(p.group));

  const metrics = batcher<{ experimentId: number; points: MetricPoint[] }>(
    (batch) => useExperiments.getState().applyMetrics(batch),
    250,
  );
  subscribe('metrics.appended', metrics);
}
