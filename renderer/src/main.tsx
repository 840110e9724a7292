// Entry: theme first (no flash), then the app under a HashRouter (works from file:// in Electron too).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { HashRouter } from 'react-router-dom';
import { App } from './App';
import { applyTheme, useSettings } from './stores/settings';
import { connection } from './api';
import { startEventSync } from './events';
import './styles/theme.css';
import './styles/layout.css';
import './styles/status.css';
import './styles/viewers.css';

applyTheme(useSettings.getState().theme);
if (connection.kind !== 'none') startEventSync();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <HashRouter>
      <App />
    </HashRouter>
  </StrictMode>,
);
