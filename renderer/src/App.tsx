// The frame: a navigation sidebar and the routed page.
import { useEffect } from 'react';
import { NavLink, Route, Routes, useLocation } from 'react-router-dom';
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
import { ErrorBoundary } from './components/ErrorBoundary';
import { useConnection } from './stores/connection';
import { useNotices } from './stores/notices';
import { formatTime } from './lib/format';
import { useSession } from './stores/session';
import { LoginPage } from './pages/LoginPage';
import { UserMenu } from './components/UserMenu';
import { TokensPage } from './pages/TokensPage';
import { OrgsPage } from './pages/OrgsPage';
import { OrgPage } from './pages/OrgPage';
import { Loading } from './components/States';

/** Said at the top of every page while the engine cannot be heard. */
function ConnectionBanner() {
  const { state, since } = useConnection();
  if (state !== 'disconnected') return null;
  return (
    <div className="notice notice-error connection-banner" role="alert" data-connection="disconnected">
      <p>
        <strong>Disconnected from the engine</strong>
        {since ? ` since ${formatTime(new Date(since).toISOString())}` : ''}. What this page shows is how it
        was then; actions wait. Axon reconnects by itself when the engine runs again (<code>axon serve</code>
        ).
      </p>
    </div>
  );
}

/** Warnings an action left for later (a delete that could not remove a run's folder), until dismissed. */
function NoticesBanner() {
  const { warnings, dismiss } = useNotices();
  if (!warnings.length) return null;
  return (
    <div className="notice notice-warning" role="status" data-notices>
      {warnings.map((w, i) => (
        <p key={i}>{w}</p>
      ))}
      <button type="button" onClick={dismiss}>
        Dismiss
      </button>
    </div>
  );
}

/** The session decides first (stores/session.ts): the login page under --auth, else the frame as always. */
export function App() {
  const phase = useSession((s) => s.phase);
  if (phase === 'checking')
    return (
      <main id="main" className="login-page">
        <Loading what="the engine" />
      </main>
    );
  if (phase === 'sign-in') return <LoginPage />;
  return <Frame phase={phase} />;
}

function Frame({ phase }: { phase: 'local' | 'signed-in' | 'no-token' }) {
  const load = useSystem((s) => s.load);
  const version = useSystem((s) => s.info?.version);
  const theme = useSettings((s) => s.theme);
  const setTheme = useSettings((s) => s.setTheme);
  const link = useConnection((s) => s.state);
  const { pathname } = useLocation();
  useEffect(() => {
    if (phase !== 'no-token') void load();
  }, [load, phase]);

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
          <span data-connection={link}>
            {link === 'disconnected' ? 'engine disconnected' : version ? `engine ${version}` : ''}
          </span>
        </div>
      </nav>
      <main id="main" tabIndex={-1} className="main">
        {phase === 'signed-in' && (
          <header className="topbar">
            <UserMenu />
          </header>
        )}
        {phase === 'no-token' ? (
          <ErrorState
            error="Not connected to an Axon engine"
            hint={
              <p>
                {connection.kind === 'none'
                  ? connection.reason
                  : 'The engine refused this page’s token (a new one is made each time `axon serve` starts). Open the address that `axon serve` printed.'}
              </p>
            }
          />
        ) : (
          <>
            <ConnectionBanner />
            <NoticesBanner />
            <ErrorBoundary what="this page" resetKey={pathname}>
              <Routes>
                <Route path="/" element={<ProjectsPage />} />
                <Route path="/projects/:name" element={<ProjectPage />} />
                <Route path="/projects/:owner/:name" element={<ProjectPage />} />
                <Route path="/experiments/:id" element={<ExperimentPage />} />
                <Route path="/groups/:id" element={<GroupPage />} />
                <Route path="/compare" element={<ComparePage />} />
                <Route path="/clusters" element={<ClustersPage />} />
                <Route path="/settings" element={<SettingsPage />} />
                <Route path="/account/tokens" element={<TokensPage />} />
                <Route path="/orgs" element={<OrgsPage />} />
                <Route path="/orgs/:name" element={<OrgPage key={pathname} />} />
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
            </ErrorBoundary>
          </>
        )}
      </main>
    </div>
  );
}
