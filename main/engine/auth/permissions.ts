// Who may call each API method, keyed by the contract's method names. The type makes a method without a rule a
// compile error, and test/unit/auth-permissions.test.ts checks it at run time; the authorization matrix
// (test/integration/authz-matrix.test.ts) is generated from this table and the contract.
import type { MethodName } from '../../../shared/api';

/** What a project grants: a viewer reads, a member also runs and stops, an admin also deletes. */
export type Level = 'read' | 'write' | 'admin';

export type Rule =
  /** No identity needed (signing in). */
  | { who: 'anyone' }
  /** Any signed-in user; a list is filtered to what they can read, an own-account method acts on theirs. */
  | { who: 'user' }
  /** Engine-wide settings, the machine's folders, every pod, accounts. */
  | { who: 'superuser' }
  /**
   * A project's `need`, found from the input: `project` (a project name in `field`), `experiment` / `group` (an
   * id in each of `fields`). `run`: a job's token may call it for its own run. `optional`: a list whose filter
   * names no project answers the caller's visible ones.
   */
  | {
      who: 'project';
      need: Level;
      by: 'project' | 'experiment' | 'group';
      fields: string[];
      run?: boolean;
      optional?: boolean;
    };

const onExperiment = (need: Level, run = false): Rule => ({
  who: 'project',
  need,
  by: 'experiment',
  fields: ['id'],
  run,
});
const onGroup = (need: Level): Rule => ({ who: 'project', need, by: 'group', fields: ['id'] });
const onProject = (need: Level, field = 'name', optional = false): Rule => ({
  who: 'project',
  need,
  by: 'project',
  fields: [field],
  optional,
});

export const RULES: { [M in MethodName]: Rule } = {
  'system.info': { who: 'user' },
  'system.machine': { who: 'user' },
  'system.folder': { who: 'superuser' },
  'clusters.kubeContexts': { who: 'user' },
  'clusters.kubeContext': { who: 'user' },
  'clusters.axonPods': { who: 'superuser' },
  'settings.get': { who: 'user' },
  'settings.update': { who: 'superuser' },
  'projects.create': { who: 'user' },
  // Into the caller's own uploads folder only.
  'code.upload': { who: 'user' },
  'projects.list': { who: 'user' },
  'projects.summaries': { who: 'user' },
  'projects.get': onProject('read'),
  'projects.delete': onProject('admin'),
  'projects.files': onProject('read'),
  'runs.check': onProject('write', 'project', true),
  // A project that does not exist yet is created as the caller's own (engine.ts, prepare()).
  'runs.create': onProject('write', 'project', true),
  'experiments.list': { who: 'user' },
  'experiments.page': onProject('read', 'project'),
  'experiments.get': onExperiment('read', true),
  'experiments.statuses': onExperiment('read', true),
  'experiments.metrics': onExperiment('read', true),
  'experiments.metricSeries': onExperiment('read', true),
  'experiments.logs': onExperiment('read', true),
  'experiments.logTail': onExperiment('read', true),
  'experiments.resources': onExperiment('read', true),
  'experiments.events': onExperiment('read'),
  'experiments.codeDiff': { who: 'project', need: 'read', by: 'experiment', fields: ['base', 'other'] },
  'experiments.outputFile': onExperiment('read', true),
  'experiments.outputPath': onExperiment('read', true),
  'experiments.downloadLink': onExperiment('read', true),
  // A job's token writes its own run's tracking, as its log does.
  'experiments.track': onExperiment('write', true),
  'experiments.stop': onExperiment('write'),
  'experiments.fetchOutputs': onExperiment('write'),
  'experiments.restart': onExperiment('write'),
  'experiments.resume': onExperiment('write'),
  'experiments.delete': onExperiment('write'),
  'experiments.update': onExperiment('write'),
  'groups.list': { who: 'user' },
  'groups.get': onGroup('read'),
  'groups.experiments': onGroup('read'),
  'groups.stop': onGroup('write'),
  'groups.statuses': onGroup('read'),
  'groups.delete': onGroup('write'),
  'groups.setConcurrency': onGroup('write'),
  'groups.sweep': onGroup('read'),
  'groups.importance': onGroup('read'),
  'groups.metricCurves': onGroup('read'),
  'auth.login': { who: 'anyone' },
  'auth.logout': { who: 'user' },
  'auth.whoami': { who: 'user' },
  'users.create': { who: 'superuser' },
  'users.list': { who: 'superuser' },
  'users.delete': { who: 'superuser' },
  'tokens.create': { who: 'user' },
  'tokens.list': { who: 'user' },
  'tokens.revoke': { who: 'user' },
  // Organization methods check the caller's role in the organization they name (auth/handlers.ts).
  'orgs.create': { who: 'user' },
  'orgs.list': { who: 'user' },
  'orgs.get': { who: 'user' },
  'orgs.setMember': { who: 'user' },
  'orgs.removeMember': { who: 'user' },
  // An organization's admin cannot raise its own limits.
  'orgs.setQuota': { who: 'superuser' },
};
