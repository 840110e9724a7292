// Engine events → stores. Events arrive in bursts (a sweep starting, a chatty job), so they are batched
// (150 ms) before the stores change; nothing here polls.
import type { Experiment, Group, MetricPoint } from '../../shared/domain';
import { subscribe } from './api';
import { batcher, debounce } from './lib/debounce';
import { useExperiments } from './stores/experiments';
import { useGroups } from './stores/groups';
import { useProjects } from './stores/projects';

let started = false;

export function startEventSync(): void {
  if (started) return;
  started = true;

  const refreshProjects = debounce(() => {
    if (useProjects.getState().state) void useProjects.getState().load();
  }, 1000);
  const groupsToRefresh = new Set<number>();
  const refreshGroups = debounce(() => {
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
