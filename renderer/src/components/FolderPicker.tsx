// The code folder of a new project: typed, chosen in the desktop's native dialog, or by browsing the engine's
// file system (a browser page has no native dialog, and the engine is what runs the code). Says what it found
// there: the polyaxonfiles and the git state.
import { useEffect, useState } from 'react';
import type { FolderInfo } from '../../../shared/domain';
import { call, chooseFolderNatively, errorMessage } from '../api';
import '../styles/panels.css';

interface Props {
  value: string;
  onChange(path: string): void;
  /** What the typed folder holds, once read (null while it is empty or unreadable). */
  onDetected?(info: FolderInfo | null): void;
}

export function FolderPicker({ value, onChange, onDetected }: Props) {
  const [detected, setDetected] = useState<FolderInfo | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [browsing, setBrowsing] = useState<FolderInfo | null>(null);
  const [browseError, setBrowseError] = useState<string | null>(null);

  useEffect(() => {
    if (!value.trim()) {
      setDetected(null);
      setProblem(null);
      onDetected?.(null);
      return;
    }
    let alive = true;
    const t = setTimeout(() => {
      call('system.folder', { path: value }).then(
        (info) => {
          if (!alive) return;
          setDetected(info);
          setProblem(null);
          onDetected?.(info);
        },
        (e) => {
          if (!alive) return;
          setDetected(null);
          setProblem(errorMessage(e));
          onDetected?.(null);
        },
      );
    }, 300);
    return () => {
      alive = false;
      clearTimeout(t);
    };
    // onDetected is the parent's callback (a new function each render): the folder is what matters.
  }, [value]);

  async function browse(p?: string) {
    try {
      setBrowsing(await call('system.folder', { path: p }));
      setBrowseError(null);
    } catch (e) {
      setBrowseError(errorMessage(e));
    }
  }

  return (
    <div className="folder-picker">
      <div className="folder-input">
        <input
          name="codePath"
          aria-label="Code folder (absolute path)"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          placeholder="/home/me/code/branin"
          spellCheck={false}
        />
        {chooseFolderNatively && (
          <button
            type="button"
            onClick={() =>
              void chooseFolderNatively!().then(
                (p) => p && onChange(p),
                (e) => setBrowseError(errorMessage(e)),
              )
            }
          >
            Choose…
          </button>
        )}
        <button
          type="button"
          aria-expanded={!!browsing}
          onClick={() => (browsing ? setBrowsing(null) : void browse(value.trim() || undefined))}
        >
          {browsing ? 'Close' : 'Browse…'}
        </button>
      </div>
      <p className="muted small" aria-live="polite">
        {problem
          ? problem
          : detected
            ? describe(detected)
            : 'The folder your code is in: runs start there, and its git state is recorded with each run.'}
      </p>
      {browseError && (
        <p className="form-error" role="alert">
          {browseError}
        </p>
      )}
      {browsing && (
        <div className="folder-browser" role="group" aria-label={`Folders in ${browsing.path}`}>
          <div className="folder-browser-head">
            <span className="mono small">{browsing.path}</span>
            <button
              type="button"
              className="primary"
              onClick={() => (onChange(browsing.path), setBrowsing(null))}
            >
              Use this folder
            </button>
          </div>
          <ul className="plain folder-list">
            {browsing.parent && (
              <li>
                <button type="button" className="link-button" onClick={() => void browse(browsing.parent!)}>
                  ↑ ..
                </button>
              </li>
            )}
            {browsing.dirs.map((d) => (
              <li key={d}>
                <button
                  type="button"
                  className="link-button"
                  onClick={() => void browse(`${browsing.path.replace(/\/$/, '')}/${d}`)}
                >
                  {d}/
                </button>
              </li>
            ))}
            {browsing.moreDirs > 0 && <li className="muted small">{browsing.moreDirs} more not shown</li>}
          </ul>
          <p className="muted small">{describe(browsing)}</p>
        </div>
      )}
    </div>
  );
}

function describe(f: FolderInfo): string {
  const files = f.polyaxonfiles.length
    ? `Polyaxonfiles: ${f.polyaxonfiles.join(', ')}.`
    : 'No polyaxonfile here (you can write one in New run).';
  const git = f.git
    ? `Git: ${f.git.branch ?? 'detached'} at ${f.git.commit?.slice(0, 8) ?? 'no commit yet'}${f.git.dirty ? ', uncommitted changes' : ''}.`
    : 'Not a git repository: runs record a content hash of the files.';
  return `${files} ${git}`;
}
