// A unified diff, coloured by line kind, virtualised (a diff can be 1 MiB).
import { useMemo } from 'react';
import { VirtualLines } from './VirtualLines';

function kind(line: string): string | undefined {
  if (
    line.startsWith('+++') ||
    line.startsWith('---') ||
    line.startsWith('diff ') ||
    line.startsWith('index ')
  )
    return 'diff-file';
  if (line.startsWith('@@')) return 'diff-hunk';
  if (line.startsWith('+')) return 'diff-add';
  if (line.startsWith('-')) return 'diff-del';
  return undefined;
}

export function DiffViewer({ diff }: { diff: string }) {
  const lines = useMemo(() => diff.replace(/\n$/, '').split('\n'), [diff]);
  const files = lines.filter((l) => l.startsWith('diff ')).length;
  return (
    <div>
      <p className="muted small">
        {files} file{files === 1 ? '' : 's'} changed · {lines.filter((l) => kind(l) === 'diff-add').length}{' '}
        additions · {lines.filter((l) => kind(l) === 'diff-del').length} deletions
      </p>
      <VirtualLines
        label="Uncommitted diff"
        count={lines.length}
        renderLine={(i) => lines[i]}
        lineClass={(i) => kind(lines[i])}
        height={Math.min(560, lines.length * 18 + 4)}
      />
    </div>
  );
}
