// Every API method fuzzed over real HTTP against a real `axon serve` on a temporary home (issue #14 §5): inputs
// generated from the contract (each method's zod schema turned into a fast-check arbitrary, so a new method is
// covered without touching this file), the same with fields replaced by arbitrary JSON, and arbitrary JSON
// bodies. Every answer must be a 2xx, or a 4xx carrying an ApiError {code, message}; never a 5xx, a hang, a
// crash of the server or a stack trace. 503 `unavailable` (Docker or a cluster not reachable) would be an
// honest answer about the machine rather than about the input; none is expected here (no Docker socket, no
// kubeconfig), so it fails too. On failure the method and the input are named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { z } from 'zod';
import WebSocket from 'ws';
import { methods } from '../../shared/api';
import { startServe, tmpDir } from '../helpers';

/** Runs per method and per kind of input (AXON_FUZZ_RUNS overrides): 3 kinds × ~50 methods × RUNS, plus the raw
 *  bodies, in about 45 s on a loaded 2-core machine. */
const RUNS = Number(process.env.AXON_FUZZ_RUNS) || 8;
const REQUEST_TIMEOUT_MS = 15_000;

type Arb = fc.Arbitrary<unknown>;

/** A value the schema accepts, mostly (refinements such as the project-name rule are not modelled: those
 *  inputs are refused with a 400, which is also an answer the property accepts). */
function fromZod(schema: z.ZodTypeAny, depth = 0): Arb {
  const def = schema._def as { typeName: string } & Record<string, unknown>;
  if (depth > 6) return fc.constant(null);
  switch (def.typeName) {
    case 'ZodObject': {
      const shape = (schema as z.AnyZodObject).shape as Record<string, z.ZodTypeAny>;
      const req: Record<string, Arb> = {};
      for (const [k, v] of Object.entries(shape)) req[k] = fromZod(v, depth + 1);
      const optional = Object.entries(shape)
        .filter(([, v]) => v.isOptional())
        .map(([k]) => k);
      return fc.record(req, { requiredKeys: Object.keys(shape).filter((k) => !optional.includes(k)) });
    }
    case 'ZodString': {
      const checks = (def.checks as Array<{ kind: string; value?: number }>) ?? [];
      const min = checks.find((c) => c.kind === 'min')?.value ?? 0;
      const max = checks.find((c) => c.kind === 'max')?.value ?? 40;
      return fc.oneof(
        fc.string({ minLength: min, maxLength: Math.max(min, Math.min(max, 40)) }),
        fc.constantFrom('..', '../../etc/passwd', '/etc/passwd', 'a\u0000b', '$(id)', 'é🧪', '~', '.'),
      );
    }
    case 'ZodNumber': {
      const checks = (def.checks as Array<{ kind: string; value?: number; inclusive?: boolean }>) ?? [];
      const int = checks.some((c) => c.kind === 'int');
      const min = checks.find((c) => c.kind === 'min')?.value ?? -1e6;
      const max = checks.find((c) => c.kind === 'max')?.value ?? 1e6;
      return int
        ? fc.oneof(fc.integer({ min: Math.max(min, -1e9), max: Math.min(max, 1e9) }), fc.constant(1))
        : fc.double({ min, max, noNaN: true });
    }
    case 'ZodBoolean':
      return fc.boolean();
    case 'ZodLiteral':
      return fc.constant(def.value);
    case 'ZodEnum':
      return fc.constantFrom(...(def.values as string[]));
    case 'ZodNativeEnum':
      return fc.constantFrom(...Object.values(def.values as Record<string, unknown>));
    case 'ZodArray':
      return fc.array(fromZod(def.type as z.ZodTypeAny, depth + 1), { maxLength: 4 });
    case 'ZodRecord':
      return fc.dictionary(fc.string({ maxLength: 12 }), fromZod(def.valueType as z.ZodTypeAny, depth + 1), {
        maxKeys: 4,
      });
    case 'ZodOptional':
    case 'ZodNullable':
      return fc.option(fromZod(def.innerType as z.ZodTypeAny, depth + 1), { nil: undefined });
    case 'ZodDefault':
    case 'ZodCatch':
    case 'ZodReadonly':
      return fromZod(def.innerType as z.ZodTypeAny, depth + 1);
    case 'ZodEffects':
      return fromZod(def.schema as z.ZodTypeAny, depth + 1);
    case 'ZodPipeline':
      return fromZod(def.in as z.ZodTypeAny, depth + 1);
    case 'ZodLazy':
      return fromZod((def.getter as () => z.ZodTypeAny)(), depth + 1);
    case 'ZodUnion':
    case 'ZodDiscriminatedUnion': {
      const options = def.options as z.ZodTypeAny[] | Map<unknown, z.ZodTypeAny>;
      const list = Array.isArray(options) ? options : [...options.values()];
      return fc.oneof(...list.map((o) => fromZod(o, depth + 1)));
    }
    case 'ZodTuple':
      return fc.tuple(...(def.items as z.ZodTypeAny[]).map((o) => fromZod(o, depth + 1)));
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** A valid-shaped input with some of its fields replaced by arbitrary JSON (or removed). */
function mutated(valid: Arb): Arb {
  return fc
    .tuple(valid, fc.array(fc.tuple(fc.nat(), fc.option(fc.jsonValue({ maxDepth: 2 }))), { maxLength: 3 }))
    .map(([v, edits]) => {
      if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
      const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
      const keys = Object.keys(out);
      for (const [i, value] of edits) {
        if (!keys.length) break;
        const k = keys[i % keys.length];
        if (value === null) delete out[k];
        else out[k] = value;
      }
      return out;
    });
}

const hostileJson: Arb = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    { __proto__: { polluted: true } },
    JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}'),
    { id: Number.MAX_SAFE_INTEGER },
    { id: -1 },
    { id: 1e308 },
    { name: 'x'.repeat(100_000) },
    [],
    'a string',
    null,
    42,
  ),
);

/** Bodies no JSON generator writes: deep nesting, broken JSON and encodings, hostile polyaxonfiles. Each is
 *  sent to every method. */
function laughs(): string {
  let t = 'version: 1\nkind: experiment\nrun:\n  cmd: echo\nx0: &a0 ["lol","lol","lol","lol","lol"]\n';
  for (let i = 1; i < 9; i++)
    t += `x${i}: &a${i} [${Array(9)
      .fill(`*a${i - 1}`)
      .join(',')}]\n`;
  return t;
}
const files = (text: string) =>
  JSON.stringify({ files: [{ name: 'p.yml', text }], params: {}, codePath: '/' });
const RAW_BODIES: Array<[string, string | Buffer]> = [
  ['100,000 nested arrays', `${'['.repeat(100_000)}${']'.repeat(100_000)}`],
  ['100,000 nested objects', `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`],
  ['broken JSON', '{"id": 1,'],
  ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
  ['an alias bomb polyaxonfile', files(laughs())],
  ['deeply nested YAML', files(`version: 1\nkind: experiment\nx: ${'['.repeat(50_000)}`)],
  ['a 2 MiB polyaxonfile', files(`version: 1\nkind: experiment\n# ${'x'.repeat(2 * 1024 * 1024)}\n`)],
];

interface Answer {
  status: number;
  body: string;
}

async function post(url: string, token: string, method: string, body: string | Buffer): Promise<Answer> {
  const res = await fetch(`${url}/api/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return { status: res.status, body: await res.text() };
}

function acceptable(a: Answer): string | null {
  if (a.status >= 200 && a.status < 300) return null;
  let parsed: { ok?: boolean; error?: { code?: unknown; message?: unknown } } | null;
  try {
    parsed = JSON.parse(a.body);
  } catch {
    return `a ${a.status} whose body is not JSON`;
  }
  if (a.status >= 500)
    return `a ${a.status} (${String(parsed?.error?.code)}: ${String(parsed?.error?.message)})`;
  if (a.status < 400) return `status ${a.status}`;
  if (
    parsed?.ok !== false ||
    typeof parsed.error?.code !== 'string' ||
    typeof parsed.error.message !== 'string'
  )
    return `a ${a.status} without an ApiError {code, message}`;
  if (/\n\s+at .+:\d+:\d+/.test(a.body)) return `a ${a.status} carrying a stack trace`;
  return null;
}

test('every API method over HTTP answers arbitrary and mutated inputs with a 2xx or a 4xx ApiError', async () => {
  const home = tmpDir('axon-fuzz-');
  const served = await startServe(home, {
    env: {
      // Nothing outside the temporary home: no kube cluster, no Docker engine.
      KUBECONFIG: path.join(home, 'no-kubeconfig'),
      DOCKER_HOST: `unix://${path.join(home, 'no-docker.sock')}`,
      AXON_IDLE_EXIT_S: '600',
    },
  });
  const { token } = JSON.parse(fs.readFileSync(path.join(home, 'engine.json'), 'utf8')) as { token: string };
  const t0 = Date.now();
  let requests = 0;
  const statuses = new Map<number, number>();
  try {
    const names = Object.keys(methods).sort();
    assert.ok(names.length > 20, 'the contract has its methods');
    for (const method of names) {
      const schema = methods[method as keyof typeof methods] as unknown as z.ZodTypeAny;
      const valid = fromZod(schema);
      for (const [kind, arb] of [
        ['from the contract', valid],
        ['mutated', mutated(valid)],
        ['arbitrary JSON', hostileJson],
      ] as const) {
        await fc.assert(
          fc.asyncProperty(arb, async (input) => {
            const body = input === undefined ? '' : JSON.stringify(input);
            requests++;
            let a: Answer;
            try {
              a = await post(served.url, token, method, body);
            } catch (e) {
              const alive = served.proc.exitCode === null;
              throw new Error(
                `${method} (${kind}) got no answer (${(e as Error).message}); the server ${alive ? 'is still running' : `exited ${served.proc.exitCode}`}; input: ${body.slice(0, 500)}`,
                { cause: e },
              );
            }
            statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
            const problem = acceptable(a);
            if (problem)
              throw new Error(`${method} (${kind}) answered ${problem}; input: ${body.slice(0, 500)}`);
          }),
          { numRuns: RUNS, endOnFailure: true },
        );
      }
      for (const [what, body] of RAW_BODIES) {
        requests++;
        const a = await post(served.url, token, method, body);
        statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
        const problem = acceptable(a);
        if (problem) assert.fail(`${method} answered ${problem} to ${what}`);
      }
      assert.equal(served.proc.exitCode, null, `the server is still running after ${method}`);
    }
    const health = await fetch(`${served.url}/api/health`);
    assert.equal(health.status, 200);
  } finally {
    const by = [...statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`);
    console.log(
      `api fuzz: ${requests} requests in ${((Date.now() - t0) / 1000).toFixed(1)} s (${by.join(', ')})`,
    );
    await served.stop();
  }
});

test('the event WebSocket survives arbitrary messages: JSON of every shape, broken text, binary', async () => {
  const home = tmpDir('axon-fuzz-ws-');
  const served = await startServe(home, {
    env: { KUBECONFIG: path.join(home, 'no-kubeconfig'), AXON_IDLE_EXIT_S: '600' },
  });
  const { token } = JSON.parse(fs.readFileSync(path.join(home, 'engine.json'), 'utf8')) as { token: string };
  const ws = new WebSocket(`${served.url.replace(/^http/, 'ws')}/api/events?token=${token}`);
  try {
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const sent: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
          fc.record({ subscribe: fc.jsonValue({ maxDepth: 1 }) }).map((v) => JSON.stringify(v)),
          fc.string(),
          fc.constantFrom('null', '0', '[]', '"x"', 'true', '{"subscribe":null}', '{"unsubscribe":{}}'),
        ),
        async (msg) => {
          sent.push(msg);
          ws.send(msg);
        },
      ),
      { numRuns: 200 },
    );
    ws.send(Buffer.from([0xff, 0x00, 0xfe]));
    // A valid subscription after all that is still acknowledged: the socket and the engine are alive.
    const ack = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => {
        const state = served.proc.exitCode === null ? 'is running' : `exited ${served.proc.exitCode}`;
        reject(
          new Error(
            `no ack after the fuzzed messages; the server ${state}; last sent: ${sent.slice(-3).join(' | ')}`,
          ),
        );
      }, 10_000);
      ws.on('message', (m) => {
        if (String(m).includes('"ack":"groups.changed"')) {
          clearTimeout(t);
          resolve(String(m));
        }
      });
      ws.send(JSON.stringify({ subscribe: 'groups.changed' }));
    });
    assert.match(ack, /groups\.changed/);
    assert.equal(served.proc.exitCode, null, `the server died; messages sent: ${sent.slice(-5).join(' | ')}`);
  } finally {
    ws.close();
    await served.stop();
  }
});
