/**
 * The api while Redis is away: a Redis server of this test's own (never the shared one) is stopped
 * under a running api, which must answer 503 with Retry-After at once (no 500, no hang), report not
 * ready, stay alive, log the outage once, and recover by itself when Redis is back.
 */
import { AppProcess, startApp, TestRedisServer, uniquePrefix, waitFor } from '@push/testing';

jest.setTimeout(60_000);

interface Answer {
  status: number;
  retryAfter: string | null;
  body: { statusCode?: number; message?: string };
  elapsedMs: number;
}

const prefix = uniquePrefix('api-outage-e2e');
let redis: TestRedisServer;
let api: AppProcess | undefined;

async function call(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  const started = Date.now();
  const res = await fetch(`${api!.url}${path}`, { method, headers, body });
  const text = await res.text();
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: JSON.parse(text) as Answer['body'], elapsedMs: Date.now() - started };
}

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

beforeAll(async () => {
  redis = await TestRedisServer.start(false);
  api = await startApp('api', { env: { REDIS_URL: redis.url, KEY_PREFIX: prefix, LOG_LEVEL: 'log' } });
});

afterAll(async () => {
  await api?.stop();
  await redis?.destroy();
});

it('answers 503 with Retry-After while Redis is away, logs it once, and recovers', async () => {
  const created = await call('POST', '/token/');
  expect(created.status).toBe(200);
  const token = (created.body as { token: string }).token;
  const json = { 'content-type': 'application/json', 'x-auth-token': token };
  const pushUrl = (await call('POST', '/queue/', json, JSON.stringify({ domain: 'outage.test' }))).body as { queue: string };
  const pushPath = new URL(pushUrl.queue).pathname;
  expect((await call('POST', pushPath, { 'content-type': 'application/json' }, JSON.stringify({ title: 'before' }))).status).toBe(200);

  await redis.kill9();
  const during = [
    await call('POST', '/token/'),
    await call('POST', pushPath, { 'content-type': 'application/json' }, JSON.stringify({ title: 'during' })),
    await call('GET', '/queue/', { 'x-auth-token': token }),
    await call('POST', '/queue/', json, JSON.stringify({ domain: 'other.test' })),
    await call('GET', '/nodes/'),
  ];
  for (const answer of during) {
    expect({ status: answer.status, retryAfter: answer.retryAfter, statusCode: answer.body.statusCode }).toEqual({ status: 503, retryAfter: '1', statusCode: 503 });
    expect(answer.elapsedMs).toBeLessThan(2_000);
  }
  const ready = await call('GET', '/readyz');
  expect([ready.status, ready.retryAfter]).toEqual([503, '1']);
  expect(ready.elapsedMs).toBeLessThan(2_000);
  expect((await call('GET', '/healthz')).status).toBe(200);
  // a validation error does not need Redis and is still answered as such
  expect((await call('POST', pushPath, { 'content-type': 'application/json' }, '{}')).status).toBe(400);
  expect(count(api!.logs, 'redis is unavailable')).toBe(1);
  expect(api!.exit).toBeNull();

  await redis.start();
  await waitFor(async () => (await call('GET', '/readyz')).status === 200, 10_000, 'the api to be ready again');
  expect((await call('POST', '/token/')).status).toBe(200);
  await waitFor(() => api!.logs.includes('redis is reachable again'), 5_000, 'the recovery log line');

  // a second outage is a new one: logged again, once
  await redis.kill9();
  expect((await call('POST', '/token/')).status).toBe(503);
  expect((await call('POST', '/token/')).status).toBe(503);
  expect(count(api!.logs, 'redis is unavailable')).toBe(2);
  expect(api!.logs).not.toContain(token);
});
