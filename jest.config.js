const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  // The AI SDK ships ES modules only; Node requires them natively, Jest's module system needs them compiled.
  '^.+\\.m?js$': ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
};
const shared = {
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns: ['/node_modules/(?!(ai|@ai-sdk|@vercel/oidc|@standard-schema|@workflow|eventsource-parser|zod)/)'],
  // Caches of built tools and clients (and their thousands of files) are not part of the project.
  modulePathIgnorePatterns: ['<rootDir>/.clients/', '<rootDir>/.scratch/', '<rootDir>/.temporal/', '<rootDir>/.data/', '<rootDir>/dist/'],
};

/**
 * Two tiers. `unit`: pure code (rules, state, outcomes, activities in MockActivityEnvironment, lint
 * boundaries), no server, seconds. `integration`: everything else, against one real Temporal dev
 * server the global setup starts (each test file brings its own worker and gateway).
 * `npm test` runs the unit tier first and stops there if it fails.
 * @type {import('jest').Config}
 */
module.exports = {
  testTimeout: 60_000,
  maxWorkers: 2,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['<rootDir>/test/unit/'],
      globalSetup: '<rootDir>/test/harness/global-setup.ts',
      globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
    },
  ],
};
