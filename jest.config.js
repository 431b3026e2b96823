/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
    // The AI SDK ships ES modules only; Node requires them natively, Jest's module system needs them compiled.
    '^.+\\.m?js$': ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(ai|@ai-sdk|@vercel/oidc|@standard-schema|@workflow|eventsource-parser|zod)/)'],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // Caches of built tools and clients (and their thousands of files) are not part of the project.
  modulePathIgnorePatterns: ['<rootDir>/.clients/', '<rootDir>/.scratch/', '<rootDir>/.temporal/', '<rootDir>/.data/', '<rootDir>/dist/'],
  // One real Temporal dev server for the whole run; each test file brings its own worker and gateway.
  globalSetup: '<rootDir>/test/harness/global-setup.ts',
  globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
};
