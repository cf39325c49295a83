/**
 * The monitor app against real Redis, with fake gateway nodes: health endpoints, reaping of nodes that
 * do not answer or stopped heartbeating (record and named Redis connections), one probe per tick with
 * two replicas, and retention trimming.
 */
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { KeySchema, RedisNodeRegistry } from '@push/redis';
import { AppProcess, deletePrefix, startApp, TEST_REDIS_URL, uniquePrefix, waitFor } from '@push/testing';
import { Redis } from 'ioredis';
import { baseEnv, testRedis } from './realtime.support';

jest.setTimeout(40_000);

const MONITOR_PERIOD_MS = 1000;
const STREAM_MAX_AGE_S = 60;

/** A fake gateway node: answers GET /healthz and counts the probes. */
async function fakeNode(): Promise<{ server: Server; address: string; probes: () => number }> {
  let probes = 0;
  const server = createServer((req, res) => {
    if (req.url === '/healthz') probes++;
    res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, address: `127.0.0.1:${(server.address() as AddressInfo).port}`, probes: () => probes };
}

describe('monitor', () => {
  const prefix = uniquePrefix('monitor');
  const keys = new KeySchema(prefix);
  let monitors: AppProcess[] = [];
  let redis: Redis;
  let registry: RedisNodeRegistry;
  const servers: Server[] = [];
  const timers: NodeJS.Timeout[] = [];

  beforeAll(async () => {
    const env = baseEnv(prefix, { MONITOR_PERIOD_MS: String(MONITOR_PERIOD_MS), MONITOR_TIMEOUT_MS: '500', STREAM_MAX_AGE_S: String(STREAM_MAX_AGE_S) });
    monitors = await Promise.all([startApp('monitor', { env }), startApp('monitor', { env })]);
    redis = await testRedis();
    registry = new RedisNodeRegistry(redis, keys);
  });

  afterAll(async () => {
    for (const t of timers) clearInterval(t);
    for (const s of servers) s.close();
    await Promise.all(monitors.map((m) => m.stop()));
    redis?.disconnect();
    await deletePrefix(prefix);
  });

  it('serves /healthz and /readyz', async () => {
    for (const m of monitors) {
      expect((await fetch(`${m.url}/healthz`)).status).toBe(200);
      await waitFor(async () => (await fetch(`${m.url}/readyz`)).status === 200, 5_000, 'monitor ready');
    }
  });

  it('reaps a node that does not answer within two periods, killing its named Redis connections', async () => {
    const nodeId = 'deadbee1';
    // a connection named like the dead node's: its subscriber would hold its routing state
    const nodeConnection = new Redis(TEST_REDIS_URL, { connectionName: keys.nodeClientName(nodeId), retryStrategy: () => null, lazyConnect: true });
    await nodeConnection.connect();
    await nodeConnection.subscribe(keys.channel('0'.repeat(32)));
    const killed = new Promise<void>((resolve) => nodeConnection.once('end', () => resolve()));
    const startMs = Date.now();
    await registry.heartbeat({ nodeId, address: '127.0.0.1:1', connections: 0, heartbeatAtMs: Date.now() });
    await waitFor(async () => (await redis.hexists(keys.nodes(), nodeId)) === 0, 2 * MONITOR_PERIOD_MS, 'the node reaped', 20);
    await killed;
    expect(Date.now() - startMs).toBeLessThan(2 * MONITOR_PERIOD_MS + 500);
  });

  it('reaps a node whose heartbeat stopped even though it still answers', async () => {
    const fake = await fakeNode();
    servers.push(fake.server);
    const intervalMs = MONITOR_PERIOD_MS / 2;
    await registry.heartbeat({ nodeId: 'stale001', address: fake.address, connections: 0, heartbeatAtMs: Date.now() - 3 * intervalMs });
    await waitFor(async () => (await redis.hexists(keys.nodes(), 'stale001')) === 0, 2 * MONITOR_PERIOD_MS, 'the stale node reaped', 20);
  });

  it('keeps a live node, probing it once per period although two monitors run', async () => {
    const fake = await fakeNode();
    servers.push(fake.server);
    const beat = (): Promise<void> => registry.heartbeat({ nodeId: 'alive001', address: fake.address, connections: 3, heartbeatAtMs: Date.now() });
    await beat();
    timers.push(setInterval(() => void beat(), MONITOR_PERIOD_MS / 2));
    await waitFor(() => fake.probes() > 0, 3 * MONITOR_PERIOD_MS, 'a first probe');
    const from = fake.probes();
    const periods = 5;
    // a rate is measured over a window of time: here a wait is the measurement, not a guess
    await new Promise((r) => setTimeout(r, periods * MONITOR_PERIOD_MS));
    const probes = fake.probes() - from;
    expect(probes).toBeGreaterThanOrEqual(periods - 2);
    expect(probes).toBeLessThanOrEqual(periods + 1);
    expect(await redis.hexists(keys.nodes(), 'alive001')).toBe(1);
  });

  it('trims entries older than STREAM_MAX_AGE_S from every user queue', async () => {
    const streams = ['a', 'b', 'c'].map((c) => keys.stream(c.repeat(32)));
    const oldMs = Date.now() - 2 * STREAM_MAX_AGE_S * 1000;
    for (const stream of streams) {
      await redis.xadd(stream, `${oldMs}-0`, 'q', 'https://x.example/queue/1/', 'b', '{"title":"old"}');
      await redis.xadd(stream, `${oldMs + 1}-0`, 'q', 'https://x.example/queue/1/', 'b', '{"title":"old too"}');
      await redis.xadd(stream, '*', 'q', 'https://x.example/queue/1/', 'b', '{"title":"fresh"}');
    }
    // trim-retention runs every min(6 periods, 60 s)
    await waitFor(async () => (await Promise.all(streams.map((s) => redis.xlen(s)))).every((n) => n === 1), 8 * MONITOR_PERIOD_MS, 'old entries trimmed', 100);
    for (const stream of streams) {
      const [[, fields]] = (await redis.xrange(stream, '-', '+')) as [string, string[]][];
      expect(fields).toContain('{"title":"fresh"}');
    }
  });
});
