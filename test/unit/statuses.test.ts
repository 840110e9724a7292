import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  canTransition,
  canTransitionGroup,
  experimentStatusFromJobs,
  EXPERIMENT_STATUSES,
  DONE,
} from '../../shared/statuses';

test('the typical path created → scheduled → starting → running → succeeded is allowed', () => {
  const path = ['created', 'scheduled', 'starting', 'running', 'succeeded'] as const;
  assert.ok(canTransition(null, 'created'), "canTransition(null, 'created')");
  for (let i = 1; i < path.length; i++)
    assert.ok(canTransition(path[i - 1], path[i]), `${path[i - 1]} → ${path[i]}`);
});

test('done states are absorbing: nothing leaves succeeded, failed, stopped, skipped, upstream_failed', () => {
  for (const from of DONE)
    for (const to of EXPERIMENT_STATUSES) assert.equal(canTransition(from, to), false, `${from} → ${to}`);
});

test('0.4.4 rules: stopped from any live state, warning not from warning, running not from created via null', () => {
  for (const s of EXPERIMENT_STATUSES.filter((x) => !DONE.has(x)))
    assert.ok(canTransition(s, 'stopped'), `${s} → stopped`);
  assert.equal(canTransition('warning', 'warning'), false);
  assert.equal(canTransition('unknown', 'unknown'), false);
  assert.equal(canTransition('running', 'scheduled'), false);
  assert.equal(canTransition('running', 'building'), false);
  assert.equal(canTransition(null, 'running'), false);
  assert.ok(canTransition('created', 'skipped'), "canTransition('created', 'skipped')");
  assert.equal(canTransition('running', 'skipped'), false);
  assert.ok(canTransition('scheduled', 'unschedulable'), "canTransition('scheduled', 'unschedulable')");
  assert.ok(canTransition('unschedulable', 'running'), "canTransition('unschedulable', 'running')");
});

test('group transitions follow SPEC §2.1', () => {
  assert.ok(canTransitionGroup(null, 'created'), "canTransitionGroup(null, 'created')");
  assert.ok(canTransitionGroup('created', 'running'), "canTransitionGroup('created', 'running')");
  assert.ok(canTransitionGroup('running', 'done'), "canTransitionGroup('running', 'done')");
  assert.equal(canTransitionGroup('created', 'done'), false);
  assert.ok(canTransitionGroup('running', 'stopping'), "canTransitionGroup('running', 'stopping')");
  assert.ok(canTransitionGroup('stopping', 'stopped'), "canTransitionGroup('stopping', 'stopped')");
  assert.equal(canTransitionGroup('stopped', 'stopped'), false);
  assert.equal(canTransitionGroup('done', 'running'), false);
});

test('experiment status from its jobs, in Polyaxon order, unschedulable kept as its own status', () => {
  assert.equal(experimentStatusFromJobs(['running', 'unknown']), 'unknown');
  assert.equal(experimentStatusFromJobs(['running', 'unschedulable']), 'unschedulable');
  assert.equal(experimentStatusFromJobs(['succeeded', 'stopped']), 'stopped');
  assert.equal(experimentStatusFromJobs(['succeeded', 'succeeded']), 'succeeded');
  assert.equal(experimentStatusFromJobs(['succeeded', 'failed']), 'failed');
  assert.equal(experimentStatusFromJobs(['running', 'starting']), 'starting');
  assert.equal(experimentStatusFromJobs(['running', 'succeeded']), 'running');
  assert.equal(experimentStatusFromJobs([]), null);
});
