// The capacity check of the Kubernetes backend: pods placed first fit on nodes their selector and tolerations
// allow, against allocatable minus what this home's pods already take; an experiment that could never fit is
// let through for the scheduler to explain.
import assert from 'node:assert/strict';
import test from 'node:test';
import {
  Capacity,
  waitingReason,
  type NodeInfo,
  type PodAsk,
} from '../../main/engine/backends/kubernetes/capacity';

const GiB = 2 ** 30;
const nodes: NodeInfo[] = [
  {
    name: 'real',
    providerID: null,
    labels: {},
    taints: [],
    allocatable: { cpu: 2, memoryBytes: 8 * GiB, gpus: 0 },
    schedulable: true,
    ready: true,
  },
  {
    name: 'kwok-node',
    providerID: null,
    labels: { type: 'kwok' },
    taints: [{ key: 'kwok.x-k8s.io/node', value: 'fake', effect: 'NoSchedule' }],
    allocatable: { cpu: 16, memoryBytes: 64 * GiB, gpus: 0 },
    schedulable: true,
    ready: true,
  },
  {
    name: 'cordoned',
    providerID: null,
    labels: {},
    taints: [],
    allocatable: { cpu: 64, memoryBytes: 64 * GiB, gpus: 8 },
    schedulable: false,
    ready: true,
  },
];
const onKwok: PodAsk = {
  requests: { cpu: 1, memoryBytes: GiB, gpus: 0 },
  nodeSelector: { type: 'kwok' },
  tolerations: [{ key: 'kwok.x-k8s.io/node', operator: 'Exists', effect: 'NoSchedule' }],
};
const plain: PodAsk = { requests: { cpu: 1, memoryBytes: GiB, gpus: 0 } };

test('pods go only where their selector and tolerations let them; the rest wait with what is short', () => {
  const cap = new Capacity(nodes);
  for (let i = 0; i < 16; i++) assert.equal(cap.place([onKwok]), 'placed', `kwok pod ${i}`);
  assert.equal(cap.place([onKwok]), 'full', 'the real node does not count for pods bound to kwok');
  assert.equal(
    waitingReason('axon', [onKwok], cap.left([onKwok])),
    'waiting for capacity on axon: needs cpu 1 (free 0)',
  );
  assert.equal(cap.place([plain]), 'placed');
  assert.equal(cap.place([plain]), 'placed');
  assert.equal(cap.place([plain]), 'full', 'a pod without the toleration never lands on the tainted node');
});

test('an experiment takes all its replicas or none; what already runs (bound or not) is counted', () => {
  const cap = new Capacity(nodes);
  cap.count({ ...plain, node: 'real' });
  cap.count({ ...onKwok, requests: { cpu: 15, memoryBytes: GiB, gpus: 0 }, node: null });
  assert.equal(cap.place([plain, plain]), 'full', 'two replicas, one CPU left on the real node');
  assert.equal(cap.place([plain]), 'placed', 'nothing was taken by the refused experiment');
  assert.equal(cap.place([onKwok]), 'placed');
  assert.equal(cap.place([onKwok]), 'full');
});

test('what could never fit is let through for the scheduler to explain', () => {
  const cap = new Capacity(nodes);
  assert.equal(
    cap.place([{ requests: { cpu: 1, memoryBytes: 0, gpus: 1 } }]),
    'never',
    'no schedulable node has a GPU',
  );
  assert.equal(cap.place([{ ...plain, requests: { cpu: 32, memoryBytes: 0, gpus: 0 } }]), 'never');
});

test('a node that is not ready takes nothing now, but still counts for whether a pod could ever fit', () => {
  const late = nodes.map((n) => (n.name === 'kwok-node' ? { ...n, ready: false } : n));
  const cap = new Capacity(late);
  assert.equal(cap.place([onKwok]), 'full', 'wait for the node, do not let it through');
  assert.equal(cap.place([plain]), 'placed');
});

test('a node Kubernetes has tainted for a passing condition (a late heartbeat) holds a queue back, never lets it through', () => {
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    const late = nodes.map((n) =>
      n.name === 'kwok-node' ? { ...n, taints: [...n.taints, { key, effect: 'NoSchedule' }] } : n,
    );
    const cap = new Capacity(late);
    // A 40-experiment pass on the 16-CPU node: every one waits (before: all 40 were 'never', so launched).
    const answers = Array.from({ length: 40 }, () => cap.place([onKwok]));
    assert.deepEqual(new Set(answers), new Set(['full']), key);
  }
  // A taint the pod does not tolerate and that no condition explains still means it could never go there.
  const fenced = nodes.map((n) =>
    n.name === 'kwok-node'
      ? { ...n, taints: [...n.taints, { key: 'team', value: 'b', effect: 'NoSchedule' }] }
      : n,
  );
  assert.equal(new Capacity(fenced).place([onKwok]), 'never');
});
