import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/', '.temporal/', '.clients/', '.scratch/', 'coverage/', 'jest.config.js', 'eslint.config.mjs', 'bin/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A missing await on an activity, a query or a response is a silent bug.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // The rooms of the house (DESIGN.md): src/ never reaches into api/, workers/ or bin/; the gateway
    // (and everything in src/) never loads the worker SDK or worker code; and no module imports itself
    // back through a cycle (a cycle is how a half-initialised module gets used at load time).
    files: ['src/**/*.ts', 'api/**/*.ts', 'workers/**/*.ts', 'bin/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/extensions': ['.ts', '.js'],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            { target: './src', from: ['./api', './workers', './bin'], message: 'src/ is the core every room shares: it must not import api/, workers/ or bin/.' },
            { target: './api', from: ['./workers', './bin'], message: 'the gateway must not load worker code or development entry points.' },
            {
              target: ['./src', './api'],
              from: './node_modules/@temporalio/worker',
              message: 'only workers/ (and bin/, test/, bench/) load @temporalio/worker: the gateway and the core run without the worker SDK.',
            },
          ],
        },
      ],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no host code.
    files: ['src/workflows/**/*.ts', 'src/contracts/**/*.ts', 'src/lib/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow-reachable code must not use Node built-ins.' })),
          patterns: [
            { group: ['**/activities', '**/activities/**', '**/api/**', '**/core/**', '**/catalog/**', '**/temporal/**'], message: 'Workflow-reachable code must not import host code.' },
            { group: ['@temporalio/activity', '@temporalio/worker', '@temporalio/client'], message: 'Workflow-reachable code must not import host-side SDK packages.' },
          ],
        },
      ],
    },
  },
  {
    // The gateway speaks to Temporal only through the core; it never loads workflow or activity code.
    files: ['api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/src/workflows/**', '**/src/workflows', '**/src/activities/**', '**/src/activities'], message: 'api/ must not import workflow or activity code.' }] },
      ],
    },
  },
  {
    // Contracts are shared by everyone and import nothing of ours but other contracts.
    files: ['src/contracts/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Contracts are loaded by workflows too: no Node built-ins.' })),
          patterns: [{ group: ['../*'], message: 'src/contracts imports nothing of ours but other contracts.' }],
        },
      ],
    },
  },
  {
    // The HTTP contracts sit one level down and build on the message contracts beside them.
    files: ['src/contracts/http/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Contracts are loaded by workflows too: no Node built-ins.' })),
          patterns: [{ group: ['../../*'], message: 'src/contracts imports nothing of ours but other contracts.' }],
        },
      ],
    },
  },
  {
    // The typed client runs in browsers too: types from src/contracts, nothing else of ours, no Node
    // built-ins, and no runtime dependency but fetch (contracts and zod as types only).
    files: ['src/client/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'src/client runs in browsers too: no Node built-ins.' })),
          patterns: [
            { regex: '^\\.\\./(?!contracts(/|$))', message: 'src/client imports nothing of ours but src/contracts.' },
            { regex: '^\\.\\./contracts(/|$)', allowTypeImports: true, message: 'src/client takes types only from src/contracts (import type): no runtime dependency.' },
            { regex: '^zod$', allowTypeImports: true, message: 'src/client uses zod for types only (import type).' },
            { regex: '^(?![./]|zod$)', message: 'src/client has no runtime dependency but fetch: no packages.' },
          ],
        },
      ],
    },
  },
);
