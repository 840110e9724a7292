// The end of a log as the failed-run overview shows it (main/engine/log-tail.ts tailLines): the last lines,
// metric records left out, progress bars in their last state, and a Python traceback shown from its start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tailLines } from '../../main/engine/log-tail';

const lines = (n: number, prefix = 'line') => Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`);

test('the last n lines; a trailing newline starts no empty line; a last line without one is kept', () => {
  assert.deepEqual(tailLines(lines(10).join('\n') + '\n', 3), {
    lines: ['line 8', 'line 9', 'line 10'],
    tracebackAt: null,
    omittedBefore: true,
  });
  assert.deepEqual(tailLines('a\nb', 5), { lines: ['a', 'b'], tracebackAt: null, omittedBefore: false });
  assert.deepEqual(tailLines('', 5).lines, []);
});

test('metric records are left out, also after a progress bar, which keeps its last state', () => {
  const text = [
    'start',
    '@@axon {"metrics":{"loss":1},"step":1}',
    '\r 10%|#         |\r100%|##########|\r@@axon {"metrics":{"loss":0.5},"step":2}',
    '\r 50%|#####     |\r@@axon {"metrics":{"loss":0.4},"step":3}',
    'epoch 1\r',
    'done',
  ].join('\n');
  assert.deepEqual(tailLines(text, 10).lines, [
    'start',
    '100%|##########|',
    ' 50%|#####     |',
    'epoch 1',
    'done',
  ]);
});

test('a Python traceback that starts before the last n lines is shown from its first line', () => {
  const tb = [
    'Traceback (most recent call last):',
    ...lines(12, '  File "x.py", line').flatMap((l) => [l, '    f()']),
    'RecursionError: maximum recursion depth exceeded',
  ];
  const t = tailLines([...lines(50), ...tb].join('\n'), 10);
  assert.equal(t.tracebackAt, 0);
  assert.equal(t.lines[0], 'Traceback (most recent call last):');
  assert.equal(t.lines.length, tb.length);
  assert.equal(t.omittedBefore, true);
  // The last of several tracebacks (a chained exception's second part) is the one marked.
  const chained = tailLines(
    ['Traceback (most recent call last):', '  x', 'KeyError: 1', '', 'During handling…', ...tb].join('\n'),
    100,
  );
  assert.equal(chained.lines[chained.tracebackAt!], 'Traceback (most recent call last):');
  assert.equal(chained.tracebackAt, 5);
});

test('a traceback further back than 4·n lines is not reached for: the window stays the last n', () => {
  const text = ['Traceback (most recent call last):', '  x', 'ValueError', ...lines(30)].join('\n');
  const t = tailLines(text, 5);
  assert.deepEqual(t.lines, lines(30).slice(-5));
  assert.equal(t.tracebackAt, null);
});
