/**
 * Metrics and logs of the three apps as real processes: each serves /metrics in the Prometheus text
 * format (read with curl) with its push_* metrics; a publish, a live delivery, a resume and a reap move
 * their counters; probes and /metrics are not counted as publishes; log lines are JSON with nodeId and
 * the request id, and never carry a token or a push URL id.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { KeySchema, RedisNodeRegistry } from '@push/redis';
import { AppProcess, deletePrefix, startApp, uniquePrefix, waitFor } from '@push/testing';
import { Redis } from 'ioredis';
import { ApiClient, baseEnv, testRedis, waitSubscribed, WsClient } from './realtime.support';

jest.setTimeout(60_000);

const run = promisify(execFile);

/** GET <app>/metrics with curl; fails on a non-200 answer. */
async function scrape(app: AppProcess): Promise<string> {
  const { stdout } = await run('curl', ['-sS', '--fail', '--max-time', '5', `${app.url}/metrics`]);
  return stdout;
}

/** The value of one sample line (`name{labels} value`), or null when absent. */
function sample(text: string, series: string): number | null {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return null;
}

/** Every log line of a process, parsed (a non-JSON line fails the test). */
function jsonLines(app: AppProcess): Record<string, unknown>[] {
  return app.logs
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON log line from ${app.app}: ${l}`);
      }
    });
}

describe('metrics and logs', () => {
  const prefix = uniquePrefix('observability');
  let api: AppProcess;
  let gateway: AppProcess;
  let monitor: AppProcess;
  let http: ApiClient;
  let redis: Redis;
  const sockets: WsClient[] = [];

  beforeAll(async () => {
    const env = baseEnv(prefix, { LOG_LEVEL: 'log' });
    [api, gateway, monitor] = await Promise.all([startApp('api', { env }), startApp('gateway', { env }), startApp('monitor', { env })]);
    http = new ApiClient(api);
    redis = await testRedis();
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    await Promise.all([api?.stop(), gateway?.stop(), monitor?.stop()]);
    redis?.disconnect();
    await deletePrefix(prefix);
  });

  it('serves the Prometheus text format with the push_* metrics of each app', async () => {
    const names: Record<string, string[]> = {
      api: ['push_publishes_total', 'push_publish_duration_seconds'],
      gateway: ['push_deliveries_total', 'push_connected_sockets', 'push_delivery_latency_seconds', 'push_resumes_total', 'push_resumes_unrecovered_total', 'push_subscriber_repairs_total', 'push_repair_closed_sockets_total'],
      monitor: ['push_node_reaps_total'],
    };
    for (const app of [api, gateway, monitor]) {
      const res = await fetch(`${app.url}/metrics`);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await scrape(app);
      for (const name of [...names[app.app], 'push_redis_rtt_seconds', 'push_redis_up', 'push_process_info', 'process_cpu_seconds_total', 'nodejs_eventloop_lag_seconds']) {
        expect({ app: app.app, name, found: text.includes(`# TYPE ${name} `) }).toEqual({ app: app.app, name, found: true });
      }
      // the RTT probe PINGs at start
      await waitFor(async () => (sample(await scrape(app), 'push_redis_rtt_seconds_count') ?? 0) >= 1, 10_000, `${app.app} redis rtt`);
      expect(sample(await scrape(app), 'push_redis_up')).toBe(1);
    }
  });

  it('counts a publish by status and its live delivery, and not the probes', async () => {
    const before = await scrape(api);
    for (const path of ['/healthz', '/readyz', '/metrics', '/docs-json']) expect((await fetch(`${api.url}${path}`)).status).toBe(200);
    expect(sample(await scrape(api), 'push_publishes_total{status="200"}')).toBe(sample(before, 'push_publishes_total{status="200"}'));

    const { token, pushUrl, userQueueId } = await http.newClient('metrics.example.com');
    const ws = await WsClient.connect(gateway.url);
    sockets.push(ws);
    const hello = await ws.jsonHello(token);
    await waitSubscribed(redis, prefix, userQueueId);
    await http.publish(pushUrl, { title: 'counted' });
    await ws.waitForMessages(1);
    const missing = await fetch(`${api.url}/queue/${pushUrl.split('/').at(-2)}x/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"title":"t"}' });
    expect(missing.status).toBe(404);

    const after = await scrape(api);
    expect(sample(after, 'push_publishes_total{status="200"}')).toBe((sample(before, 'push_publishes_total{status="200"}') ?? 0) + 1);
    expect(sample(after, 'push_publishes_total{status="404"}')).toBe((sample(before, 'push_publishes_total{status="404"}') ?? 0) + 1);
    expect(sample(after, 'push_publish_duration_seconds_count')).toBe((sample(before, 'push_publish_duration_seconds_count') ?? 0) + 2);

    const gw = await scrape(gateway);
    expect(sample(gw, 'push_deliveries_total{kind="live"}')).toBeGreaterThanOrEqual(1);
    expect(sample(gw, 'push_delivery_latency_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sample(gw, 'push_delivery_latency_seconds_sum')).toBeLessThan(60);
    expect(sample(gw, `push_connected_sockets{nodeId="${hello.node}"}`)).toBeGreaterThanOrEqual(1);
  });

  it('counts resumes and recovered:false', async () => {
    const before = await scrape(gateway);
    const { token, pushUrl } = await http.newClient('resume.example.com');
    const first = await http.publish(pushUrl, { title: 'one' });
    await http.publish(pushUrl, { title: 'two' });
    const resumed = await WsClient.connect(gateway.url);
    sockets.push(resumed);
    expect((await resumed.jsonHello(token, first.key)).recovered).toBe(true);
    await resumed.waitForMessages(1);
    const future = await WsClient.connect(gateway.url);
    sockets.push(future);
    expect((await future.jsonHello(token, `${Date.now() + 3_600_000}-0`)).recovered).toBe(false);

    const after = await scrape(gateway);
    expect(sample(after, 'push_resumes_total')).toBe((sample(before, 'push_resumes_total') ?? 0) + 2);
    expect(sample(after, 'push_resumes_unrecovered_total')).toBe((sample(before, 'push_resumes_unrecovered_total') ?? 0) + 1);
    expect(sample(after, 'push_deliveries_total{kind="replay"}')).toBeGreaterThanOrEqual(1);
  });

  it('counts node reaps in the monitor', async () => {
    const registry = new RedisNodeRegistry(redis, new KeySchema(prefix));
    await registry.heartbeat({ nodeId: 'deadbeef', address: '127.0.0.1:1', connections: 0, heartbeatAtMs: Date.now() - 10 * 60_000 });
    await waitFor(async () => (sample(await scrape(monitor), 'push_node_reaps_total') ?? 0) >= 1, 15_000, 'a reap counted');
  });

  it('logs JSON lines with nodeId and the request id, without tokens or push URL ids', async () => {
    const { token, pushUrl } = await http.newClient('logs.example.com');
    const pushUrlId = pushUrl.split('/').at(-2) ?? '';
    // a 4xx is logged at the default level, with the caller's request id and the route's shape only
    const res = await fetch(`${pushUrl}?token=${token}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'obs-e2e-1', 'x-auth-token': token }, body: '{}' });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-request-id')).toBe('obs-e2e-1');
    expect((await fetch(`${api.url}/healthz`)).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const line = await waitFor(() => jsonLines(api).find((l) => l.requestId === 'obs-e2e-1'), 5_000, 'the 400 logged');
    expect(line).toEqual(expect.objectContaining({ app: 'api', level: 'info', req: expect.objectContaining({ method: 'POST', url: '/queue/:id/' }) }));
    expect((line.req as { headers: Record<string, string> }).headers['x-auth-token']).toBe('[Redacted]');
    // a successful publish costs no line at the default level
    const lines = jsonLines(api).length;
    await http.publish(pushUrl, { title: 'quiet' });
    expect(jsonLines(api).filter((l) => (l.res as { statusCode?: number } | undefined)?.statusCode === 200).length).toBe(0);
    expect(jsonLines(api).length).toBe(lines);

    for (const app of [api, gateway, monitor]) {
      const all = jsonLines(app);
      expect(all.length).toBeGreaterThan(0);
      for (const l of all) expect(typeof l.nodeId).toBe('string');
      expect(app.logs).not.toContain(token);
      expect(app.logs).not.toContain(pushUrlId);
    }
    const gatewayNode = (sockets[0]?.controls.find((c) => c.type === 'hello')?.node ?? '') as string;
    expect(jsonLines(gateway).every((l) => l.nodeId === gatewayNode)).toBe(true);
  });
});
