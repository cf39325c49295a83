/**
 * The api's OpenAPI document (GET /docs-json) against the contract's HTTP route table
 * (/work/shared/spec/api.md, or PUSH_API_SPEC): every documented (method, path) is in the document with
 * every status the contract lists for it; and the UI answers at /docs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { AppProcess, deletePrefix, startApp, TEST_REDIS_URL, uniquePrefix } from '@push/testing';

jest.setTimeout(60_000);

const SPEC_PATH = process.env.PUSH_API_SPEC ?? '/work/shared/spec/api.md';

/** One row of the contract's route table. */
interface ContractRoute {
  readonly method: string;
  /** In OpenAPI form: `{id}` for `<id>` and `<user queue>`, no trailing slash. */
  readonly path: string;
  readonly statuses: readonly string[];
  readonly row: string;
}

/** Rows like "| `POST /queue/<id>/` `title, ...` | does | `200 ...` | 400 ..., 404 ... |". */
function contractRoutes(markdown: string): ContractRoute[] {
  const routes: ContractRoute[] = [];
  for (const line of markdown.split('\n')) {
    const m = /^\|\s*`(GET|POST|PUT|DELETE|PATCH) (\/[^`]*)`/.exec(line);
    if (!m) continue;
    const cells = line.split('|').map((c) => c.trim());
    // cells: '', route, does, success, errors, ''
    const success = cells[3] ?? '';
    const errors = cells[4] ?? '';
    const statuses = new Set<string>();
    for (const s of `${success} ${errors}`.match(/\b[1-5]\d\d\b/g) ?? []) statuses.add(s);
    const path = m[2].replace(/<[^>]+>/g, '{id}').replace(/\/+$/, '') || '/';
    routes.push({ method: m[1].toLowerCase(), path, statuses: [...statuses], row: line });
  }
  return routes;
}

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
  components?: { securitySchemes?: Record<string, { type: string; in?: string; name?: string }> };
}

const prefix = uniquePrefix('openapi-e2e');
let api: AppProcess;

beforeAll(async () => {
  api = await startApp('api', { env: { REDIS_URL: TEST_REDIS_URL, KEY_PREFIX: prefix } });
});

afterAll(async () => {
  await api?.stop();
  await deletePrefix(prefix);
});

it('reads the route table of the contract', () => {
  expect(existsSync(SPEC_PATH)).toBe(true);
  const routes = contractRoutes(readFileSync(SPEC_PATH, 'utf8'));
  // the nine rows of "HTTP API" at the time of writing; fewer means the table format changed
  expect(routes.length).toBeGreaterThanOrEqual(9);
  expect(routes).toContainEqual(expect.objectContaining({ method: 'post', path: '/queue/{id}' }));
});

it('documents every route of the contract with its statuses', async () => {
  const res = await fetch(`${api.url}/docs-json`);
  expect(res.status).toBe(200);
  const doc = (await res.json()) as OpenApiDocument;
  expect(doc.openapi).toMatch(/^3\./);
  const missing: string[] = [];
  for (const route of contractRoutes(readFileSync(SPEC_PATH, 'utf8'))) {
    const operation = doc.paths[route.path]?.[route.method];
    if (!operation) {
      missing.push(`${route.method.toUpperCase()} ${route.path} (from: ${route.row})`);
      continue;
    }
    for (const status of route.statuses) {
      if (!(status in (operation.responses ?? {}))) missing.push(`${route.method.toUpperCase()} ${route.path} status ${status}`);
    }
  }
  expect(missing).toEqual([]);
  // the token travels in X-Auth-Token (or as a bearer token)
  expect(doc.components?.securitySchemes?.token).toEqual(expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-Auth-Token' }));
  // the operator routes of every app are documented too
  for (const path of ['/healthz', '/readyz', '/metrics']) expect(doc.paths[path]?.get).toBeDefined();
});

it('serves the UI at /docs', async () => {
  const res = await fetch(`${api.url}/docs`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  expect(await res.text()).toContain('swagger');
});
