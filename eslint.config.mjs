// ESLint flat config. Besides the usual TypeScript hygiene it encodes the boundaries of style.md, so a
// wrong import fails `npm run lint` instead of waiting for a reviewer:
// - libs/domain imports no framework, no Redis client, no queue library and none of our other libs;
// - apps import libs, never another app, and libs never import apps;
// - only libs/redis (and test code) talks to ioredis;
// - only libs/config (and test code and scripts) reads process.env;
// - only libs/observability talks to prom-client, pino and nestjs-pino (metric names and log redaction
//   live in one place).
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const root = dirname(fileURLToPath(import.meta.url));

const TS = ['**/*.ts'];
const TEST_CODE = ['libs/testing/**/*.ts', 'test/**/*.ts'];

/** `apps/<name>` or `libs/<name>` that a path (relative to the repository root) lies in, or null. */
function areaOf(path) {
  const [top, name] = path.split(sep);
  return (top === 'apps' || top === 'libs') && name ? `${top}/${name}` : null;
}

/** Resolves a relative import against the importing file; reports one that lands in another app. */
const noCrossAppImport = {
  meta: {
    type: 'problem',
    docs: { description: 'apps import libs, never another app; libs never import apps' },
    schema: [],
    messages: {
      crossApp: '{{from}} may not import from {{to}}: apps import libs (@push/*), never another app, and libs never import apps.',
    },
  },
  create(context) {
    const from = areaOf(relative(root, context.filename));
    if (from === null) return {};
    const check = (source) => {
      if (!source || typeof source.value !== 'string') return;
      const spec = source.value;
      const target = spec.startsWith('.')
        ? relative(root, resolve(dirname(context.filename), spec))
        : /^(apps|libs)\//.test(spec)
          ? spec.split('/').join(sep)
          : null;
      if (target === null) return;
      const to = areaOf(target);
      if (to === null || to === from) return;
      if (to.startsWith('apps/')) context.report({ node: source, messageId: 'crossApp', data: { from, to } });
    };
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
      'CallExpression[callee.name="require"]': (node) => check(node.arguments[0]),
    };
  },
};

// no-restricted-imports is replaced, not merged, by a later block for the same files, so each zone
// below states its whole list, built from these pieces.
const ENV_IMPORT = {
  name: 'node:process',
  importNames: ['env'],
  message: 'Only libs/config reads the environment: inject PUSH_CONFIG (PushConfig) instead.',
};
const ENV_IMPORT_BARE = { ...ENV_IMPORT, name: 'process' };
const IOREDIS = {
  name: 'ioredis',
  message: 'Only libs/redis talks to Redis: use a port from @push/domain or a client/type exported by @push/redis.',
};
const OBSERVABILITY_MESSAGE = 'Metrics and logs go through @push/observability (one catalogue of metric names, one log redaction).';
const OBSERVABILITY_IMPORTS = ['prom-client', 'pino', 'pino-http', 'nestjs-pino'].map((name) => ({ name, message: OBSERVABILITY_MESSAGE }));
const restrictedImports = (paths, patterns = []) => ['error', { paths, patterns }];
const CLIENT_FORBIDDEN = [IOREDIS, ENV_IMPORT, ENV_IMPORT_BARE];
const CLIENT_FORBIDDEN_PATTERNS = [
  { group: ['@push/*'], message: 'libs/client is a standalone package: it imports none of our libs.' },
  { group: ['../../*', '!../../src', '!../../src/**'], message: 'libs/client is a standalone package: no imports from outside it.' },
  { group: ['@nestjs/*', 'bullmq', 'ioredis'], message: 'libs/client is a standalone package: no server libraries.' },
];
const NODE_BUILTINS = ['fs', 'fs/*', 'path', 'os', 'net', 'tls', 'http', 'https', 'crypto', 'child_process', 'stream', 'url', 'util', 'events', 'buffer'];

export default defineConfig(
  {
    ignores: ['dist/**', 'libs/client/dist/**', 'node_modules/**', 'coverage/**', 'test-artifacts/**', 'bench/results/**',
      // sources under apps/, libs/ and test/ are TypeScript; a .js there is stray compiler output
      'apps/**/*.js', 'libs/**/*.js', 'test/**/*.js'],
  },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },

  js.configs.recommended,
  {
    rules: {
      'no-empty': ['error', { allowEmptyCatch: false }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-restricted-syntax': [
        'error',
        {
          // `.catch(() => {})` is an empty catch block in disguise
          selector: 'CallExpression[callee.property.name="catch"] > :matches(ArrowFunctionExpression, FunctionExpression)[body.type="BlockStatement"][body.body.length=0]',
          message: 'Do not swallow errors: log them once, or let them surface at the edge.',
        },
      ],
    },
  },

  // TypeScript: recommended rules, plus the few type-aware ones that catch real async bugs.
  ...tseslint.configs.recommended.map((c) => ({ ...c, files: TS })),
  {
    files: TS,
    plugins: { push: { rules: { 'no-cross-app-import': noCrossAppImport } } },
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: root },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      'push/no-cross-app-import': 'error',
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Only libs/config reads the environment: inject PUSH_CONFIG (PushConfig) instead.' },
      ],
      'no-restricted-imports': restrictedImports([IOREDIS, ENV_IMPORT, ENV_IMPORT_BARE, ...OBSERVABILITY_IMPORTS]),
    },
  },

  // The domain: pure rules and ports, no framework, no infrastructure, none of our other libs.
  {
    files: ['libs/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': restrictedImports(
        [IOREDIS, ENV_IMPORT, ENV_IMPORT_BARE, ...OBSERVABILITY_IMPORTS, { name: 'bullmq', message: 'libs/domain imports no queue library.' }],
        [
          { group: ['@nestjs/*'], message: 'libs/domain imports no framework.' },
          { group: ['ioredis/*', 'bullmq/*'], message: 'libs/domain imports no infrastructure.' },
          { group: ['@push/*'], message: 'libs/domain imports none of our other libs (they import it).' },
        ],
      ),
    },
  },
  // libs/client is a standalone npm package: it imports none of our libs (relative `../` included), and
  // its web entry runs in browsers, so only the Node entry (node.ts, file-storage.ts) may import Node or `ws`.
  {
    files: ['libs/client/**/*.ts'],
    rules: {
      'no-restricted-imports': restrictedImports([...CLIENT_FORBIDDEN], CLIENT_FORBIDDEN_PATTERNS),
    },
  },
  {
    files: ['libs/client/src/**/*.ts'],
    ignores: ['libs/client/src/node.ts', 'libs/client/src/file-storage.ts', 'libs/client/src/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': restrictedImports(
        [...CLIENT_FORBIDDEN, { name: 'ws', message: 'The web entry of libs/client runs in browsers: only node.ts imports ws.' }],
        [
          ...CLIENT_FORBIDDEN_PATTERNS,
          { group: ['node:*', ...NODE_BUILTINS], message: 'The web entry of libs/client runs in browsers: Node modules only in node.ts / file-storage.ts.' },
        ],
      ),
    },
  },
  // libs/redis is the one place that talks to ioredis.
  {
    files: ['libs/redis/**/*.ts'],
    rules: { 'no-restricted-imports': restrictedImports([ENV_IMPORT, ENV_IMPORT_BARE, ...OBSERVABILITY_IMPORTS]) },
  },
  // libs/config is the one place that reads the environment.
  {
    files: ['libs/config/**/*.ts'],
    rules: { 'no-restricted-properties': 'off', 'no-restricted-imports': restrictedImports([IOREDIS, ...OBSERVABILITY_IMPORTS]) },
  },
  // libs/observability is the one place that talks to prom-client and pino.
  {
    files: ['libs/observability/**/*.ts'],
    rules: { 'no-restricted-imports': restrictedImports([IOREDIS, ENV_IMPORT, ENV_IMPORT_BARE]) },
  },
  // Test code drives Redis and processes directly and sets their environment.
  {
    files: TEST_CODE,
    rules: { 'no-restricted-properties': 'off', 'no-restricted-imports': 'off' },
  },

  // Plain JavaScript: config files (CommonJS) and scripts (ES modules) run by Node; no type information.
  { files: ['**/*.{js,cjs,mjs}'], extends: [tseslint.configs.disableTypeChecked] },
  {
    files: ['**/*.{js,cjs,mjs}'],
    languageOptions: {
      globals: {
        process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly',
        setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly',
      },
    },
  },
  {
    files: ['**/*.{js,cjs}'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' } },
  },
);
