// What the projects list shows of each project (`projects.summaries`): when something last happened, how
// many runs are running now, and its best result, with the metric it is the best of and why that metric.
//
// The metric: the objective of the project's most recent group that has reported it (a sweep says what it
// optimises, and which way); without one, the metric most of its experiments report last, better one way by
// its name (loss, error… lower; accuracy, score… higher; any other lower, and said so).
import type { ProjectSummary } from '../../shared/api';
import type { SearchSpec } from '../../shared/polyaxonfile/types';
import { ACTIVE } from '../../shared/statuses';
import type { Store } from './store';
import { groupMetric } from './store/groups';
import { PROJECT_FULL_NAME } from './store/projects';

const HIGHER_IS_BETTER =
  /acc|accuracy|auc|f1|precision|recall|score|reward|return|iou|map|bleu|rouge|r2|dice|ndcg|hit/i;

/** Which way a metric no sweep declared is better, guessed from its name (the UI says it is a guess). */
export function directionOf(metric: string): 'minimize' | 'maximize' {
  return HIGHER_IS_BETTER.test(metric) && !/loss|err/i.test(metric) ? 'maximize' : 'minimize';
}

const ACTIVE_LIST = [...ACTIVE].map((s) => `'${s}'`).join(',');

export async function projectSummaries(store: Store): Promise<ProjectSummary[]> {
  const db = store.db;
  const rows = await db.all<{
    id: number;
    name: string;
    last_activity: string | null;
    running: number;
    active: number;
  }>(
    `SELECT p.id, ${PROJECT_FULL_NAME} AS name,
       (SELECT MAX(MAX(e.created_at, COALESCE(e.started_at, ''), COALESCE(e.finished_at, '')))
          FROM experiments e WHERE e.project_id = p.id) AS last_activity,
       (SELECT count(*) FROM experiments e WHERE e.project_id = p.id AND e.status = 'running') AS running,
       (SELECT count(*) FROM experiments e WHERE e.project_id = p.id AND e.status IN (${ACTIVE_LIST})) AS active
     FROM projects p ORDER BY name`,
  );
  const out: ProjectSummary[] = [];
  for (const r of rows)
    out.push({
      name: r.name,
      lastActivityAt: r.last_activity || null,
      running: r.running,
      active: r.active,
      best: await bestOf(store, r.id),
    });
  return out;
}

async function bestOf(store: Store, projectId: number): Promise<ProjectSummary['best']> {
  const db = store.db;
  const groups = await db.all<{ id: number; search_json: string }>(
    'SELECT id, search_json FROM experiment_groups WHERE project_id = ? ORDER BY id DESC',
    [projectId],
  );
  for (const g of groups) {
    let metric: ReturnType<typeof groupMetric>;
    try {
      metric = groupMetric(JSON.parse(g.search_json) as SearchSpec);
    } catch {
      continue;
    }
    if (!metric) continue;
    const best = await db.get<{ id: number; value: number }>(
      `SELECT e.id, m.value FROM last_metrics m JOIN experiments e ON e.id = m.experiment_id
       WHERE e.group_id = ? AND m.key = ?
       ORDER BY m.value ${metric.optimization === 'maximize' ? 'DESC' : 'ASC'}, e.id LIMIT 1`,
      [g.id, metric.name],
    );
    if (best)
      return {
        metric: metric.name,
        optimization: metric.optimization,
        value: best.value,
        experimentId: best.id,
        basis: 'group',
        groupId: g.id,
      };
  }
  const common = await db.get<{ key: string }>(
    `SELECT m.key FROM last_metrics m JOIN experiments e ON e.id = m.experiment_id
     WHERE e.project_id = ? GROUP BY m.key ORDER BY count(*) DESC, m.key LIMIT 1`,
    [projectId],
  );
  if (!common) return null;
  const optimization = directionOf(common.key);
  const best = await db.get<{ id: number; value: number }>(
    `SELECT e.id, m.value FROM last_metrics m JOIN experiments e ON e.id = m.experiment_id
     WHERE e.project_id = ? AND m.key = ?
     ORDER BY m.value ${optimization === 'maximize' ? 'DESC' : 'ASC'}, e.id LIMIT 1`,
    [projectId, common.key],
  );
  return best
    ? {
        metric: common.key,
        optimization,
        value: best.value,
        experimentId: best.id,
        basis: 'common',
        groupId: null,
      }
    : null;
}
