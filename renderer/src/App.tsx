// The frame: a navigation sidebar and the routed page.
import { useEffect } from 'react';
import { NavLink, Route, Routes } from 'react-router-dom';
import { connection } from './api';
import { useSystem } from './stores/system';
import { useSettings } from './stores/settings';
import { ProjectsPage } from './pages/ProjectsPage';
import { ProjectPage } from './pages/ProjectPage';
import { ExperimentPage } from './pages/ExperimentPage';
import { GroupPage } from './pages/GroupPage';
import { ComparePage } from './pages/ComparePage';
import { ClustersPage } from './pages/ClustersPage';
import { SettingsPage } from './pages/SettingsPage';
import { ErrorState } from './components/States';

export function App() {
  const load = useSystem((s) => s.load);
  const version = useSystem((s) => s.info?.version);
  const theme = useSettings((s) => s.theme);
  const setTheme = useSettings((s) => s.setTheme);
  useEffect(() => {
    if (connection.kind !== 'none') void load();
  }, [load]);

  return (
    <div className="app">
      <a
        className="skip-link"
        href="#main"
        onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}
      >
        Skip to content
      </a>
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>{' '}
          Axon
        </div>
        <ul>
          <li>
            <NavLink to="/" end>
              Projects
            </NavLink>
          </li>
          <li>
            <NavLink to="/clusters">Clusters</NavLink>
          </li>
          <li>
            <NavLink to="/settings">Settings</NavLink>
          </li>
        </ul>
        <div className="sidebar-foot muted small">
          <button
            type="button"
            className="small"
            onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
          >
            {theme === 'dark' ? 'Light theme' : 'Dark theme'}
          </button>
          <span>{version ? `engine ${version}` : ''}</span>
        </div>
      </nav>
      <main id="main" tabIndex={-1} className="main">
        {connection.kind === 'none' ? (
          <ErrorState error="Not connected to an Axon engine" hint={<p>{connection.reason}</p>} />
        ) : (
          <Routes>
            <Route path="/" element={<ProjectsPage />} />
            <Route path="/projects/:name" element={<ProjectPage />} />
            <Route path="/experiments/:id" element={<ExperimentPage />} />
            <Route path="/groups/:id" element={<GroupPage />} />
            <Route path="/compare" element={<ComparePage />} />
            <Route path="/clusters" element={<ClustersPage />} />
            <Route path="/settings" element={<SettingsPage />} />
            <Route
              path="*"
              element={
                <ErrorState
                  error="There is no page at this address."
                  hint={<NavLink to="/">Go to the projects</NavLink>}
                />
              }
            />
          </Routes>
        )}
      </main>
    </div>
  );
}
