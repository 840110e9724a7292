// The outputs browser: a run's output files (filterable, virtualised, up to the engine's 10,000), each with a
// Download button (lib/download.ts), and a wide preview of the chosen one (text, an image, or what a binary
// file is and where it lies).
import { useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { call } from '../api';
import { useAsync } from '../lib/useAsync';
import { formatBytes } from '../lib/format';
import { ErrorState, Loading } from './States';
import { canDownload, downloadOutput } from '../lib/download';
import '../styles/panels.css';
import '../styles/runviews.css';

interface Props {
  experimentId: number;
  files: Array<{ path: string; size: number }>;
  /** The outputs folder, for the empty state. */
  folder: string;
}

const ROW = 28;

export function OutputsBrowser({ experimentId, files, folder }: Props) {
  const [filter, setFilter] = useState('');
  const [chosen, setChosen] = useState<string | null>(null);
  const shown = useMemo(() => {
    const q = filter.trim().toLowerCase();
    return q ? files.filter((f) => f.path.toLowerCase().includes(q)) : files;
  }, [files, filter]);
  const scroller = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({
    count: shown.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW,
    overscan: 20,
  });

  if (!files.length)
    return (
      <p className="muted">
        No outputs. A job writes them to the folder in <code>AXON_OUTPUTS_PATH</code>
        {folder ? ` (${folder})` : ''}.
      </p>
    );

  return (
    <div className="outputs-browser">
      <div className="outputs-list">
        {files.length > 8 && (
          <label className="search">
            <span className="sr-only">Filter output files</span>
            <input
              type="search"
              placeholder={`Filter ${files.length.toLocaleString()} files`}
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
            />
          </label>
        )}
        <div
          ref={scroller}
          className="outputs-scroll"
          style={{ maxHeight: Math.min(shown.length, 12) * ROW + 4 }}
        >
          <ul className="plain" role="list" aria-label="Output files" style={{ height: v.getTotalSize() }}>
            {v.getVirtualItems().map((item) => {
              const f = shown[item.index];
              return (
                <li key={f.path} style={{ transform: `translateY(${item.start}px)`, height: ROW }}>
                  <button
                    type="button"
                    id={`output-${item.index}`}
                    className={`link-button mono small${chosen === f.path ? ' selected' : ''}`}
                    aria-pressed={chosen === f.path}
                    onClick={() => setChosen(f.path)}
                  >
                    {f.path}
                  </button>{' '}
                  <span className="muted small">{formatBytes(f.size)}</span>
                  {canDownload && (
                    <DownloadButton
                      experimentId={experimentId}
                      path={f.path}
                      className="download"
                      describedBy={`output-${item.index}`}
                    />
                  )}
                </li>
              );
            })}
          </ul>
        </div>
        {filter && !shown.length && <p className="muted small">No file matches “{filter}”.</p>}
      </div>
      {chosen && <OutputPreviewPane experimentId={experimentId} path={chosen} />}
    </div>
  );
}

function OutputPreviewPane({ experimentId, path }: { experimentId: number; path: string }) {
  const p = useAsync(() => call('experiments.outputFile', { id: experimentId, path }), [experimentId, path]);
  if (p.error) return <ErrorState error={`${path} could not be read: ${p.error}`} onRetry={p.reload} />;
  if (!p.data) return <Loading what={path} />;
  const f = p.data;
  return (
    <figure className="output-preview" aria-label={`Preview of ${f.path}`}>
      <figcaption className="muted small">
        <span className="mono" id="output-preview-path">
          {f.absolutePath}
        </span>{' '}
        · {formatBytes(f.size)}
        {f.truncated && f.kind === 'text' && ' · the first part only'}
        {canDownload && (
          <DownloadButton experimentId={experimentId} path={f.path} describedBy="output-preview-path" />
        )}
      </figcaption>
      {f.kind === 'text' ? (
        <pre className="output-text">{f.text}</pre>
      ) : f.kind === 'image' ? (
        <img src={f.dataUrl} alt={f.path} className="output-image" />
      ) : (
        <p className="muted">
          {f.truncated ? 'Too large to preview here' : 'A binary file'};{' '}
          {canDownload
            ? f.absolutePath !== f.path
              ? 'download it, or open it from the folder above.'
              : 'download it.'
            : 'open it from the folder above.'}
        </p>
      )}
    </figure>
  );
}

/** Starts the file's download; an error (the engine gone, the file deleted) is said beside it. */
function DownloadButton(props: {
  experimentId: number;
  path: string;
  className?: string;
  /** The element that names the file: the button is "Download", described by it. */
  describedBy: string;
}) {
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        className={`small ${props.className ?? ''}`}
        aria-describedby={props.describedBy}
        title={`Download ${props.path}`}
        onClick={() => {
          setError(null);
          downloadOutput(props.experimentId, props.path).catch((e: Error) => setError(e.message));
        }}
      >
        Download
      </button>
      {error && (
        <span className="form-error small" role="alert">
          {error}
        </span>
      )}
    </>
  );
}
