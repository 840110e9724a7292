// Entry: theme first (no flash), then the app under a HashRouter (works from file:// in Electron too).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { HashRouter } from 'react-router-dom';
import { App } from './App';
import { applyTheme, useSettings } from './stores/settings';
import { useSession } from './stores/session';
import './styles/theme.css';
import './styles/layout.css';
import './styles/status.css';
import './styles/viewers.css';

applyTheme(useSettings.getState().theme);
// Who this page is decides first (the login page under `axon serve --auth`); the event stream starts after.
void useSession.getState().start();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <HashRouter>
      <App />
    </HashRouter>
  </StrictMode>,
);
