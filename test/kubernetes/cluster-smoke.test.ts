// The Kubernetes test cluster itself, through test/kubernetes/helpers.ts: it answers with a Ready node, a
// throwaway namespace comes and goes, a pod of the node's own busybox image runs to Succeeded and its log reads
// back, and an image built by Docker, imported onto the node, runs in a pod. Skip without a cluster outside CI;
// fail under CI=true (where .ci/run starts the cluster of test/kubernetes/cluster/).
import assert from 'node:assert/strict';
import test from 'node:test';
import { CoreV1Api, VersionApi } from '@kubernetes/client-node';
import { BUSYBOX_IMAGE, dockerSkipReason } from '../docker/helpers';
import {
  CLUSTER_BUSYBOX_IMAGE,
  importImage,
  kubeApi,
  kubeTarget,
  needKube,
  nodeImageName,
  skipOrFail,
  statusOf,
  tempNamespace,
  waitForPod,
  type KubeTarget,
} from './helpers';

const target = await kubeTarget();
const skip = skipOrFail(target);

/** Runs `cmd` in a pod of `image` (imagePullPolicy: Never) to completion; returns its phase and log. */
async function runPod(kube: KubeTarget, namespace: string, image: string, cmd: string[]) {
  const core = kubeApi(kube, CoreV1Api);
  const name = 'smoke';
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name },
      spec: {
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'main', image, imagePullPolicy: 'Never', command: cmd }],
      },
    },
  });
  const pod = await waitForPod(kube, namespace, name, { timeoutMs: 120_000 });
  const log = await core.readNamespacedPodLog({ name, namespace, container: 'main' });
  return {
    phase: pod.status?.phase,
    exitCode: pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode,
    log,
  };
}

test("an image saved by Docker is named on the node with Docker's registry prefix", () => {
  assert.equal(nodeImageName('axon-test/busybox:1'), 'docker.io/axon-test/busybox:1');
  assert.equal(nodeImageName('busybox'), 'docker.io/library/busybox:latest');
  assert.equal(nodeImageName('busybox:1.36'), 'docker.io/library/busybox:1.36');
  assert.equal(nodeImageName('registry.local/axon-ci/busybox:v1'), 'registry.local/axon-ci/busybox:v1');
  assert.equal(nodeImageName('localhost:5000/x'), 'localhost:5000/x:latest');
});

test('the test cluster answers and has a Ready node', { skip, timeout: 30_000 }, async (t) => {
  const kube = needKube(t, target);
  if (!kube) return;
  const version = await kubeApi(kube, VersionApi).getCode();
  assert.match(version.gitVersion, /^v1\.\d+\./);
  const nodes = await kubeApi(kube, CoreV1Api).listNode();
  const ready = nodes.items.filter((n) =>
    n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  );
  assert.ok(ready.length >= 1, `no Ready node among ${nodes.items.map((n) => n.metadata?.name).join(', ')}`);
});

test('a temporary namespace is created, then removed', { skip, timeout: 90_000 }, async (t) => {
  const kube = needKube(t, target);
  if (!kube) return;
  const core = kubeApi(kube, CoreV1Api);
  const ns = await tempNamespace(kube, 'axon-test');
  assert.match(ns.name, /^axon-test-[0-9a-f]{8}$/);
  const read = await core.readNamespace({ name: ns.name });
  assert.equal(read.metadata?.labels?.['axon-test'], '1');
  await ns.remove();
  await ns.remove(); // a second remove (already terminating, or gone) is fine
  try {
    const after = await core.readNamespace({ name: ns.name });
    assert.equal(after.status?.phase, 'Terminating');
  } catch (e) {
    assert.equal(statusOf(e), 404);
  }
});

test(
  `a pod of ${CLUSTER_BUSYBOX_IMAGE} (imagePullPolicy: Never) runs to Succeeded and its log reads back`,
  { skip, timeout: 180_000 },
  async (t) => {
    const kube = needKube(t, target);
    if (!kube) return;
    const ns = await tempNamespace(kube);
    try {
      const run = await runPod(kube, ns.name, CLUSTER_BUSYBOX_IMAGE, ['sh', '-c', 'echo hello; echo done']);
      assert.deepEqual(run, { phase: 'Succeeded', exitCode: 0, log: 'hello\ndone\n' });
    } finally {
      await ns.remove();
    }
  },
);

test(
  `an image built by Docker (${BUSYBOX_IMAGE}), imported onto the node, runs in a pod`,
  { skip, timeout: 180_000 },
  async (t) => {
    const kube = needKube(t, target);
    if (!kube) return;
    // Docker's absence skips, under CI too, as the Docker tests do (.ci/run says when its engine did not start).
    const noDocker = await dockerSkipReason();
    if (noDocker) return t.skip(noDocker);
    const image = await importImage(kube, BUSYBOX_IMAGE);
    assert.equal(image, `docker.io/${BUSYBOX_IMAGE}`);
    const ns = await tempNamespace(kube);
    try {
      const run = await runPod(kube, ns.name, image, ['sh', '-c', 'echo from-docker; exit 3']);
      assert.deepEqual(run, { phase: 'Failed', exitCode: 3, log: 'from-docker\n' });
    } finally {
      await ns.remove();
    }
  },
);
