// One project: its experiments (virtualised, sortable, filterable, selectable for Compare), its groups,
// and "New run".
import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { call } from '../api';
import { useAsync } from '../lib/useAsync';
import { selectProjectExperiments, useExperiments } from '../stores/experiments';
import { EXPERIMENT_STATUSES } from '../../../shared/statuses';
import { VirtualTable } from '../components/VirtualTable';
import { Empty, ErrorState, Loading } from '../components/States';
import {
  baseColumns,
  discoverKeys,
  metricColumn,
  metricColumnId,
  paramColumn,
  varyingParams,
} from './experimentColumns';
import { parseRowFilter } from '../lib/rowFilter';
import { GroupsList } from './GroupsList';
import { NewRunPanel } from './NewRunPanel';
import { useTitle } from '../lib/useTitle';
import { useGroups } from '../stores/groups';
import { ColumnsMenu } from './ColumnsMenu';
import { useFillHeight } from '../lib/useFillHeight';
import {
  EMPTY_SET,
  inOrder,
  isShown,
  loadColumnSet,
  moveColumn,
  putFirst,
  saveColumnSet,
  setWidth,
  toggleShown,
  type ColumnSet,
} from '../lib/columnSet';
import { parseId, projectParam } from '../lib/routeParams';
import { RunsOverlay } from '../components/RunsOverlay';

const MAX_COMPARE = 20;

/** `3,5` → [3, 5]; anything that is not an id is left out. */
function idList(text: string): number[] {
  return [...new Set(text.split(',').map(parseId))].filter((n): n is number => n !== null);
}

export function ProjectPage() {
  const name = projectParam(useParams());
  useTitle(name);
  const project = useAsync(() => call('projects.get', { name }), [name]);
  const loadExperiments = useExperiments((s) => s.loadProject);
  const listState = useExperiments((s) => s.projects[name]);
  const byId = useExperiments((s) => s.byId);
  const [status, setStatus] = useState('');
  // The selection lives in the address (`?selected=3,5`, replaced, not pushed): Back from Compare, a reload
  // or a shared link brings the same rows back selected.
  const [search, setSearch] = useSearchParams();
  const selectedParam = search.get('selected') ?? '';
  const selected = useMemo(() => new Set(idList(selectedParam)), [selectedParam]);
  // Two presses of Space before the address has changed must both count: changes start from the latest.
  const latest = useRef(selected);
  latest.current = selected;
  const setSelected = (change: (s: Set<number>) => Set<number>) => {
    const ids = change(new Set(latest.current));
    latest.current = ids;
    setSearch(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (ids.size) next.set('selected', [...ids].join(','));
        else next.delete('selected');
        return next;
      },
      { replace: true },
    );
  };
  // The project's column set (shown, order, widths), kept in localStorage: params and last values show by
  // default, a metric's min / max not.
  const [columnSet, setColumnSet] = useState<ColumnSet>(() => loadColumnSet(localStorage, name));
  useEffect(() => setColumnSet(loadColumnSet(localStorage, name)), [name]);
  const changeColumns = (change: (s: ColumnSet) => ColumnSet) => {
    const next = change(columnSet);
    setColumnSet(next);
    saveColumnSet(localStorage, name, next);
  };
  const groupsById = useGroups((s) => s.byId);
  const [tableBox, fillHeight] = useFillHeight(64, 320);
  const [filterText, setFilterText] = useState('');
  const [showNewRun, setShowNewRun] = useState(false);
  const navigate = useNavigate();

  useEffect(() => {
    void loadExperiments(name);
  }, [name, loadExperiments]);

  const all = useMemo(() => selectProjectExperiments(byId, name), [byId, name]);
  const keys = useMemo(() => discoverKeys(all), [all]);
  const filter = useMemo(() => parseRowFilter(filterText, keys), [filterText, keys]);
  const rows = useMemo(
    () => all.filter((x) => (!status || x.status === status) && filter.test(x)),
    [all, status, filter],
  );
  // In one group's context (every row shown is of one group: `group=4`, or a project of one sweep) the
  // group's objective is the first column after ID and name.
  const objective = useMemo(() => {
    const ids = new Set(rows.map((x) => x.groupId));
    const only = ids.size === 1 ? [...ids][0] : null;
    const metric = only != null ? groupsById[only]?.metric : null;
    return metric && keys.metrics.includes(metric.name)
      ? { id: metricColumnId(metric.name, 'last'), group: only! }
      : null;
  }, [rows, groupsById, keys.metrics]);
  // Params every experiment of the project shares (with two or more) are hidden unless picked: they say
  // nothing about a difference and pushed the metrics off the screen.
  const varying = useMemo(
    () => new Set(all.length < 2 ? keys.params : varyingParams(keys.params, all)),
    [all, keys.params],
  );
  // ID and name are fixed (pinned); the others are movable, in the set's order: by default the metrics'
  // last values before the params.
  const { fixed, movable } = useMemo(() => {
    const base = baseColumns();
    const all = [
      ...base.slice(2).map((c) => ({ id: c.id, label: c.header, byDefault: true, column: () => c })),
      ...keys.metrics.flatMap((k) =>
        (['last', 'min', 'max'] as const).map((stat) => ({
          id: metricColumnId(k, stat),
          label: `metric: ${k} (${stat})`,
          byDefault: stat === 'last',
          column: () => metricColumn(k, stat),
        })),
      ),
      ...keys.params.map((k) => ({
        id: `param:${k}`,
        label: `param: ${k}${varying.has(k) ? '' : ' (the same in all)'}`,
        byDefault: varying.has(k),
        column: () => paramColumn(k),
      })),
    ];
    return { fixed: base.slice(0, 2), movable: inOrder(all, columnSet.order) };
  }, [keys, columnSet.order, varying]);
  const columns = useMemo(() => {
    const shown = movable.filter((c) => c.id === objective?.id || isShown(columnSet, c.id, c.byDefault));
    return [...fixed, ...putFirst(shown, objective?.id ?? null).map((c) => c.column())];
  }, [fixed, movable, columnSet, objective]);
  const customised = columnSet !== EMPTY_SET && JSON.stringify(columnSet) !== JSON.stringify(EMPTY_SET);

  function toggle(id: number) {
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  }

  if (project.error)
    return (
      <div className="page">
        <ErrorState
          error={project.error}
          hint={<Link to="/">Back to the projects</Link>}
          onRetry={project.reload}
        />
      </div>
    );
  const p = project.data;
  const canCompare = selected.size >= 2 && selected.size <= MAX_COMPARE;

  return (
    <div className="page">
      <header className="page-head">
        <div>
          <nav aria-label="Breadcrumb" className="crumbs">
            <Link to="/">Projects</Link> / <span aria-current="page">{name}</span>
          </nav>
          <h1>{name}</h1>
          {p && (
            <p className="muted">
              {p.description && <>{p.description} · </>}
              Code folder: <span className="mono">{p.codePath ?? 'none'}</span>
            </p>
          )}
        </div>
        <div className="actions">
          <button
            type="button"
            className="primary"
            aria-expanded={showNewRun}
            aria-controls="new-run"
            onClick={() => setShowNewRun((v) => !v)}
          >
            {showNewRun ? 'Close the editor' : 'New run'}
          </button>
        </div>
      </header>

      {showNewRun && p && <NewRunPanel project={p} onStarted={() => setShowNewRun(false)} />}

      <GroupsList project={name} />

      <section aria-labelledby="xp-title" className="section">
        <div className="section-head">
          <h2 id="xp-title">
            Experiments{' '}
            <span className="muted small">
              {rows.length.toLocaleString()} shown of {all.length.toLocaleString()}
              {/* The first page is on screen while the rest are read (stores/experiments.ts). */}
              {listState?.status === 'ready' && listState.done === false && (
                <> · reading {listState.total?.toLocaleString()}…</>
              )}
            </span>
          </h2>
          <div className="toolbar">
            <label>
              Status{' '}
              <select value={status} onChange={(e) => setStatus(e.target.value)}>
                <option value="">all</option>
                {EXPERIMENT_STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
            <label className="search">
              <span className="sr-only">Filter experiments</span>
              <input
                type="search"
                placeholder="Filter: lr<0.01 loss.min<0.5"
                title="Conditions separated by spaces: a param, a metric (its last value, or NAME.min / NAME.max), status, name, backend, group or id; then = != < <= > >= or ~ (contains); then a value"
                value={filterText}
                onChange={(e) => setFilterText(e.target.value)}
                aria-invalid={filter.errors.length > 0}
                aria-describedby={filter.errors.length ? 'filter-errors' : undefined}
              />
            </label>
            <ColumnsMenu
              choices={movable.map((c) => ({
                id: c.id,
                label: c.label,
                shown: c.id === objective?.id || isShown(columnSet, c.id, c.byDefault),
                locked:
                  c.id === objective?.id
                    ? `The objective of group ${objective.group}: shown first while the table shows that group`
                    : undefined,
              }))}
              onToggle={(id) =>
                changeColumns((set) =>
                  toggleShown(set, id, movable.find((c) => c.id === id)?.byDefault ?? true),
                )
              }
              onMove={(id, delta) =>
                changeColumns((set) =>
                  moveColumn(
                    set,
                    movable.map((c) => c.id),
                    id,
                    delta,
                  ),
                )
              }
              onReset={() => changeColumns(() => EMPTY_SET)}
              customised={customised}
            />
            <button
              type="button"
              disabled={!canCompare}
              onClick={() => navigate(`/compare?ids=${[...selected].join(',')}`)}
            >
              Compare {selected.size ? `(${selected.size})` : ''}
            </button>
            {selected.size > 0 && (
              <button type="button" onClick={() => setSelected(() => new Set())}>
                Clear selection
              </button>
            )}
          </div>
        </div>
        {filter.errors.length > 0 && (
          <ul id="filter-errors" className="form-error plain" role="alert">
            {filter.errors.map((e) => (
              <li key={e}>{e}</li>
            ))}
          </ul>
        )}
        {selected.size > MAX_COMPARE && (
          <p className="form-error">Compare takes at most {MAX_COMPARE} experiments.</p>
        )}
        {listState?.status === 'error' ? (
          <ErrorState
            error={`The experiments could not be read: ${listState.error}`}
            onRetry={() => loadExperiments(name)}
          />
        ) : (!listState || listState.status === 'loading') && !all.length ? (
          <Loading what="experiments" />
        ) : !all.length ? (
          <Empty title="No experiments in this project yet">
            Choose <strong>New run</strong> and paste a polyaxonfile, or run{' '}
            <code>axon run -f polyaxonfile.yml -p {name}</code>.
          </Empty>
        ) : !rows.length ? (
          <Empty title={filter.count ? 'No experiment matches the filter' : `No experiment is ${status}`}>
            {filter.count ? 'Loosen or clear the filter' : 'Choose another status'}, or “all” statuses.
          </Empty>
        ) : (
          <div ref={tableBox}>
            <VirtualTable
              label="Experiments"
              rows={rows}
              columns={columns}
              rowKey={(x) => x.id}
              onOpen={(x) => navigate(`/experiments/${x.id}`)}
              selected={selected}
              onToggleSelect={toggle}
              initialSort={{ id: 'id', dir: 'desc' }}
              pinned={2}
              // The window's height from the table's top, or less when the rows take less.
              height={Math.min(fillHeight, 40 + rows.length * 34)}
              widths={columnSet.widths}
              onResize={(id, width) => changeColumns((set) => setWidth(set, id, width))}
            />
          </div>
        )}
        <p className="muted small">
          Select rows (Space or the checkbox) to compare; Enter opens an experiment.
        </p>
      </section>
      <RunsOverlay ids={[...selected].filter((id) => byId[id]?.projectName === name)} />
    </div>
  );
}
