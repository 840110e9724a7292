// Where a new run's code comes from: the project's folder on the engine's machine, or, in a browser (the engine
// may be another machine's), a folder of this computer uploaded with the run, packed as `axon run` packs one
// (lib/codeArchive.ts). The desktop app runs its engine here, so it only ever uses the project's folder.
import type { PickedFile } from '../lib/codeArchive';

export type CodeChoice = { kind: 'folder' } | { kind: 'upload'; files: PickedFile[] | null };

export function CodeSource({
  codePath,
  value,
  onChange,
}: {
  codePath: string | null;
  value: CodeChoice;
  onChange(c: CodeChoice): void;
}) {
  const files = value.kind === 'upload' ? value.files : null;
  const folder = files?.[0]?.webkitRelativePath.split('/')[0];
  return (
    <fieldset className="radio-group">
      <legend>Code</legend>
      <label className="check">
        <input
          type="radio"
          name="code"
          checked={value.kind === 'folder'}
          disabled={!codePath}
          onChange={() => onChange({ kind: 'folder' })}
        />{' '}
        the project&apos;s folder on the engine&apos;s machine{' '}
        <span className="muted small">({codePath ?? 'none'})</span>
      </label>
      <label className="check">
        <input
          type="radio"
          name="code"
          checked={value.kind === 'upload'}
          onChange={() => onChange({ kind: 'upload', files })}
        />{' '}
        a folder of this computer, uploaded with the run
      </label>
      {value.kind === 'upload' && (
        <label>
          <span className="muted small">
            {folder ? `${files!.length} files in ${folder}` : 'Choose the folder'} (.git stays here;
            .axonignore and .gitignore apply)
          </span>
          <input
            type="file"
            aria-label="Code folder to upload"
            multiple
            {...{ webkitdirectory: '' }}
            onChange={(e) => onChange({ kind: 'upload', files: [...(e.target.files ?? [])] })}
          />
        </label>
      )}
    </fieldset>
  );
}
