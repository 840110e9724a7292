// Builds the renderer to dist/renderer with relative asset paths (base './'), so the same bundle loads from
// `axon serve` at `/` and from file:// in Electron. `npm run dev:renderer` serves it with hot reload and
// proxies /api (HTTP and the event WebSocket) to the engine that `axon serve` runs for AXON_HOME.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

const here = path.dirname(fileURLToPath(import.meta.url));

// A strict CSP in the built page (the dev server's hot reload needs an inline script, so not there).
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const cspPlugin: Plugin = {
  name: 'axon-csp',
  apply: 'build',
  transformIndexHtml: (html) =>
    html.replace(
      '<meta charset="UTF-8" />',
      `<meta charset="UTF-8" />\n    <meta http-equiv="Content-Security-Policy" content="${CSP}" />`,
    ),
};

/** The serving engine's address from AXON_HOME/engine.json (dev server only). */
function engineUrl(): string {
  const home = process.env.AXON_HOME ?? path.join(os.homedir(), '.axon');
  try {
    const a = JSON.parse(fs.readFileSync(path.join(home, 'engine.json'), 'utf8')) as {
      url: string;
      token: string;
    };
    console.log(`[axon] proxying /api to ${a.url}; open the dev server with ?token=${a.token}`);
    return a.url;
  } catch {
    console.log(
      `[axon] no serving engine in ${home} (run \`axon serve\`); /api goes to http://127.0.0.1:7878`,
    );
    return 'http://127.0.0.1:7878';
  }
}

export default defineConfig(({ command }) => ({
  root: here,
  base: './',
  plugins: [react(), cspPlugin],
  build: {
    outDir: path.resolve(here, '../dist/renderer'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  server:
    command === 'serve'
      ? { proxy: { '/api': { target: engineUrl(), ws: true, changeOrigin: false } } }
      : undefined,
}));
