// Hostile polyaxonfiles (shared/polyaxonfile/limits.ts): alias bombs, huge documents, deep nesting and
// oversized values are refused quickly, with an error that names the limit, and never crash the parser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolyaxonfiles } from '../../shared/polyaxonfile';
import { YAML_LIMITS } from '../../shared/polyaxonfile/limits';

const HEAD = 'version: 1\nkind: experiment\nrun:\n  cmd: echo hi\n';

function refused(text: string, limit: RegExp): string {
  const r = parsePolyaxonfiles([{ name: 'p.yml', text }]);
  assert.equal(r.ok, false, 'refused');
  if (r.ok) throw new Error('unreachable');
  const message = r.errors.map((e) => e.message).join('\n');
  assert.match(message, limit);
  assert.doesNotMatch(message, /call stack|RangeError|internal error/);
  return message;
}

test('an alias bomb (billion laughs) is refused by the alias limit', () => {
  let text = `${HEAD}x0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n`;
  for (let i = 1; i < 10; i++)
    text += `x${i}: &a${i} [${Array(9)
      .fill(`*a${i - 1}`)
      .join(',')}]\n`;
  const m = refused(text, /the alias limit/);
  assert.match(m, /at most 1,000/);
});

test('a document over the size limit is refused before it is parsed, saying how large it is', () => {
  const text = `${HEAD}  # ${'x'.repeat(YAML_LIMITS.maxChars)}\n`;
  const m = refused(text, /at most 1,048,576 characters \(the size limit\)/);
  assert.match(m, /found 1,048,6\d\d characters/);
});

test('deep nesting is refused by the depth limit: flow, block mappings and `- - -` lists', () => {
  refused(`${HEAD}x: ${'['.repeat(200_000)}${']'.repeat(200_000)}\n`, /64 levels .*\(the depth limit\)/);
  refused(`${HEAD}x: ${'{a: '.repeat(100)}1${'}'.repeat(100)}\n`, /the depth limit/);
  let block = `${HEAD}x:\n`;
  for (let i = 1; i <= 80; i++) block += `${'  '.repeat(i)}a:\n`;
  const m = refused(block, /the depth limit/);
  assert.match(m, /^p\.yml:\d+:\d+ /, 'it points at the line where the limit was passed');
  assert.doesNotMatch(m, /^p\.yml:1:1 /);
  refused(`${HEAD}x:\n  ${'- '.repeat(100_000)}a\n`, /the depth limit/);
});

test('an oversized value and a document of too many values are refused by their limits', () => {
  refused(`${HEAD}description: "${'d'.repeat(YAML_LIMITS.maxValueChars + 1)}"\n`, /the value size limit/);
  refused(`${HEAD}x: [${Array(150_000).fill('1').join(',')}]\n`, /at most 100,000 values/);
  // Keys count too: 60,000 pairs are 120,000 values (in 720 KB, under the size limit).
  let wide = `${HEAD}declarations:\n`;
  for (let i = 0; i < 60_000; i++) wide += `  k${i}: 1\n`;
  refused(wide, /at most 100,000 values/);
});

test('real files near the limits still parse', () => {
  let nested = 'declarations:\n';
  for (let i = 1; i <= 30; i++) nested += `${'  '.repeat(i)}k${i}:\n`;
  nested += `${'  '.repeat(31)}leaf: 1\n`;
  const cmd = `echo ${'x'.repeat(100_000)}`;
  const r = parsePolyaxonfiles([
    {
      name: 'p.yml',
      text: `version: 1\nkind: experiment\n${nested}run:\n  cmd: ${cmd}\n`,
    },
  ]);
  assert.equal(r.ok, true, r.ok ? '' : r.errors.map((e) => e.message).join('\n'));
  const anchors = parsePolyaxonfiles([
    { name: 'p.yml', text: `${HEAD}declarations:\n  x: &a [1, 2, 3]\n  y: *a\n  z: *a\n` },
  ]);
  assert.equal(anchors.ok, true, 'ordinary aliases are fine');
});
