import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/', '.temporal/', '.clients/', '.scratch/', 'coverage/', 'jest.config.js', 'eslint.config.mjs'] },
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
);
