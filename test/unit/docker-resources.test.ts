import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerResources } from '../../main/engine/backends/docker/resources';
import { resolveDocker } from '../../main/engine/backends/docker/connection';
import { outcomeOf } from '../../main/engine/backends/docker/docker-backend';
import { tsKey } from '../../main/engine/backends/log-copier';

test('Polyaxon resources become Docker limits: limits before requests, memory in MiB, GPUs as a device request', () => {
  const r = containerResources({
    extra: {},
    resources: {
      cpu: { requests: 1, limits: 2.5 },
      memory: { requests: 512, limits: 2048 },
      gpu: { limits: 2 },
    },
  });
  assert.equal(r.NanoCpus, 2.5e9);
  assert.equal(r.Memory, 2048 * 1024 * 1024);
  assert.equal(r.MemorySwap, r.Memory);
  assert.deepEqual(r.DeviceRequests?.[0].Count, 2);
  assert.deepEqual(r.DeviceRequests?.[0].Capabilities, [['gpu']]);
  assert.deepEqual(containerResources({ extra: {}, resources: { cpu: { requests: 0.5 } } }), {
    NanoCpus: 0.5e9,
  });
  assert.deepEqual(containerResources(undefined), {});
});

test('the Docker engine is found as the docker CLI finds it', () => {
  assert.deepEqual(
    resolveDocker({ AXON_DOCKER_HOST: 'unix:///tmp/x.sock', DOCKER_HOST: 'tcp://h:1' }).options,
    { socketPath: '/tmp/x.sock' },
  );
  const tcp = resolveDocker({ DOCKER_HOST: 'tcp://build-box:2375' });
  assert.equal(tcp.source, 'DOCKER_HOST');
  assert.deepEqual(tcp.options, { protocol: 'http', host: 'build-box', port: 2375 });
  const ssh = resolveDocker({ DOCKER_HOST: 'ssh://me@gpu-box' });
  assert.deepEqual(ssh.options, { protocol: 'ssh', host: 'gpu-box', port: 22, username: 'me' });
  const dflt = resolveDocker({ DOCKER_CONFIG: '/nonexistent' });
  assert.match(dflt.describe, /^unix:\/\/.*docker\.sock$/);
});

test('an OOM-killed container says so with its limit', () => {
  const info = {
    State: { ExitCode: 137, OOMKilled: true },
    HostConfig: { Memory: 64 * 1024 * 1024 },
  } as never;
  assert.deepEqual(outcomeOf(info), {
    exitCode: 137,
    signal: null,
    lost: false,
    reason: 'out of memory (limit 64 MiB)',
  });
  assert.deepEqual(outcomeOf({ State: { ExitCode: 2, OOMKilled: false }, HostConfig: {} } as never), {
    exitCode: 2,
    signal: null,
    lost: false,
  });
});

test("Docker's timestamps compare by value although it trims trailing zeros", () => {
  const a = tsKey('2026-11-27T21:30:00.1Z');
  const b = tsKey('2026-11-27T21:30:00.09999Z');
  assert.ok(a[0] === b[0] && a[1] > b[1], 'a[0] === b[0] && a[1] > b[1]');
  assert.deepEqual(tsKey('2026-11-27T21:30:01Z')[1], 0);
});
