/** Jest: unit tests beside the code (no Redis), integration/e2e/chaos tests in test/ (real Redis, real processes). */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2023',
    },
    module: { type: 'commonjs' },
  },
];
const common = {
  transform: { '^.+\\.(t|j)s$': swc },
  transformIgnorePatterns: [],
  moduleFileExtensions: ['ts', 'js', 'json'],
  testEnvironment: 'node',
  moduleNameMapper: {
    // @push/client is a standalone package whose ESM sources import './x.js': map those to the .ts files
    '^@push/client$': '<rootDir>/libs/client/src/node.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
    '^@push/(domain|redis|config|jobs|observability|testing)$': '<rootDir>/libs/$1/src',
    '^@push/(domain|redis|config|jobs|observability|testing)/(.*)$': '<rootDir>/libs/$1/src/$2',
  },
};
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'] },
    // the demo page and the README's snippet in chromium (skipped when /usr/bin/chromium is missing)
    { ...common, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.e2e-spec.ts'] },
    { ...common, displayName: 'sdk', testMatch: ['<rootDir>/test/sdk/**/*.e2e-spec.ts'] },
    // fault injection against real processes and a Redis of each scenario's own; CHAOS_SCALE=ci|full
    { ...common, displayName: 'chaos', testMatch: ['<rootDir>/test/chaos/**/*.chaos-spec.ts'] },
  ],
};
