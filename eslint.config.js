import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'test-results/**', 'sdk/python/**', 'examples/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The boundaries of DESIGN.md: the engine never imports Electron; shared/ never imports Node.
    files: ['main/engine/**/*.ts', 'main/server/**/*.ts', 'main/cli/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: ['electron'] }] },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'child_process', 'os', 'electron', 'sqlite3'],
              message: 'shared/ runs in the renderer too: no Node modules.',
            },
          ],
        },
      ],
    },
  },
  {
    // The renderer runs in a browser (or Electron's sandboxed renderer): browser globals, no Node, and it
    // reaches the engine only through the API client (renderer/src/api.ts), never by importing main/.
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    ignores: ['renderer/vite.config.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'child_process', 'os', 'electron', 'sqlite3'],
              message: 'The renderer has no Node: talk to the engine through renderer/src/api.ts.',
            },
            {
              group: ['**/main/**', '../main/*', '../../main/*', '../../../main/*'],
              message: 'The renderer never imports the engine: use the API contract in shared/.',
            },
          ],
        },
      ],
    },
  },
  {
    // Inside a test body `test.skip(...)` registers a new, empty test that reports as passed while the real one
    // runs on: a test that skips must use its own context, `t.skip(reason); return;`.
    files: ['test/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='test'][callee.property.name=/^(skip|todo)$/]",
          message:
            'Use the test context: `t.skip(reason); return;` (test.skip() adds an empty test that passes).',
        },
      ],
    },
  },
);
