/**
 * The whole stack on a real Redis Cluster (three masters of the test's own, REDIS_URL = their seed
 * list): the REST API (the per push URL publish limit among it), live delivery through both gateways for
 * user queues whose slots lie on every master, resume with `since`, read markers, the monitor's job
 * schedulers, its reaping of a paused node (record and named connections on every node) and its retention
 * trimming of streams on every master.
 */
import { clientIdsNamed, KeySchema } from '@push/redis';
import { AppProcess, startApp, startApps, TestRedisCluster, uniquePrefix, waitFor } from '@push/testing';
import { Cluster, Redis } from 'ioredis';
import { ApiClient, baseEnv, clientsOnEveryMaster, expectStrictlyIncreasing, WsClient } from './realtime.support';

jest.setTimeout(60_000);

const MONITOR_PERIOD_MS = 1000;
const STREAM_MAX_AGE_S = 60;
/** Clients of a test that needs user queues on every master (more are made until each holds one). */
const CLIENTS = 12;

describe('on a Redis Cluster (3 masters; api + 2 gateways + monitor)', () => {
  const prefix = uniquePrefix('redis-cluster');
  const keys = new KeySchema(prefix);
  let cluster: TestRedisCluster;
  let admin: Cluster;
  let masters: Redis[] = [];
  let api: AppProcess;
  let gateways: AppProcess[] = [];
  let monitor: AppProcess;
  let http: ApiClient;
  let env: Record<string, string> = {};
  const sockets: WsClient[] = [];

  async function connect(gw: AppProcess): Promise<WsClient> {
    const c = await WsClient.connect(gw.url);
    sockets.push(c);
    return c;
  }

  /** How many connections on each master were opened under `name` (a cluster client's subscriber among them). */
  async function connectionsNamed(name: string): Promise<number[]> {
    return Promise.all(masters.map(async (m) => clientIdsNamed(String(await m.client('LIST')), name).length));
  }

  /** Subscribers of a user queue's channel over every master (PUBSUB NUMSUB counts one node's only). */
  async function subscribersOf(userQueueId: string): Promise<number> {
    const counts = await Promise.all(masters.map(async (m) => Number(((await m.pubsub('NUMSUB', keys.channel(userQueueId))) as [string, number])[1])));
    return counts.reduce((a, b) => a + b, 0);
  }

  beforeAll(async () => {
    cluster = await TestRedisCluster.start(3);
    admin = await cluster.client();
    masters = await Promise.all(cluster.ports.map((p) => cluster.master(p)));
    env = baseEnv(prefix, {
      REDIS_URL: cluster.url,
      MONITOR_PERIOD_MS: String(MONITOR_PERIOD_MS),
      MONITOR_TIMEOUT_MS: '500',
      STREAM_MAX_AGE_S: String(STREAM_MAX_AGE_S),
    });
    [api, monitor, ...gateways] = await startApps(['api', 'monitor', 'gateway', 'gateway'], { env });
    http = new ApiClient(api);
    await waitFor(async () => (await http.nodes()).length === 2, 10_000, 'both gateways in /nodes/');
  });

  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });

  afterAll(async () => {
    for (const s of sockets.splice(0)) s.close();
    await Promise.all([api, monitor, ...gateways].filter((p) => p !== undefined).map((p) => p.stop()));
    admin?.disconnect();
    for (const m of masters) m.disconnect();
    await cluster?.destroy();
  });

  it('is ready on every app', async () => {
    for (const app of [api, monitor, ...gateways]) {
      await waitFor(async () => (await fetch(`${app.url}/readyz`)).status === 200, 10_000, `${app.app} ready`);
    }
  });

  it('stores, delivers live through both gateways and pages history for queues on every master', async () => {
    const clients = (await clientsOnEveryMaster(http, cluster, keys, 'shop.example', CLIENTS)).map((h) => h.client);

    const live = await Promise.all(
      clients.map(async (c, i) => {
        const ws = await connect(gateways[i % 2]);
        await ws.jsonHello(c.token);
        return ws;
      }),
    );
    const published = await Promise.all(clients.map((c, i) => Promise.all([0, 1, 2].map((n) => http.publish(c.pushUrl, { title: `c${i} n${n}` })))));
    for (const [i, ws] of live.entries()) {
      const got = await ws.waitForMessages(3);
      expect(got.map((m) => m.key).sort()).toEqual(published[i].map((m) => m.key).sort());
      expect(got.every((m) => m.queue === clients[i].pushUrl)).toBe(true);
      expectStrictlyIncreasing(got.map((m) => m.key));
    }
    for (const [i, c] of clients.entries()) {
      const history = await http.history(c.token, c.userQueue);
      // the three were published concurrently: stored in some order, each once
      expect(history.map((m) => String(m.body.title)).sort()).toEqual([`c${i} n0`, `c${i} n1`, `c${i} n2`]);
      expectStrictlyIncreasing(history.map((m) => m.key));
    }
  });

  it('resumes after `since` and syncs a read marker to every socket of the token', async () => {
    const c = await http.newClient('news.example');
    const first = await http.publish(c.pushUrl, { title: 'one' });
    await http.publish(c.pushUrl, { title: 'two' });
    await http.publish(c.pushUrl, { title: 'three' });

    const resumed = await connect(gateways[0]);
    expect(await resumed.jsonHello(c.token, first.key)).toMatchObject({ type: 'hello', recovered: true });
    expect((await resumed.waitForMessages(2)).map((m) => m.body.title)).toEqual(['two', 'three']);

    const other = await connect(gateways[1]);
    await other.jsonHello(c.token);
    const marker = await http.markRead(c.token, c.userQueue, first.key);
    expect(marker.body).toEqual({ read: first.key });
    await resumed.waitForMessages(3);
    await other.waitForMessages(1);
    expect(resumed.messages[2].key).toBe(marker.key);
    expect(other.messages[0].key).toBe(marker.key);
  });

  it('refuses a revoked push URL', async () => {
    const c = await http.newClient('gone.example');
    const res = await fetch(c.pushUrl, { method: 'DELETE', headers: { 'x-auth-token': c.token } });
    expect(res.status).toBe(200);
    const refused = await fetch(c.pushUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'x' }) });
    expect(refused.status).toBe(404);
  });

  it("records last_seen, lists a token's push URLs, and applies the per push URL publish limit", async () => {
    const c = await http.newClient('seen.example');
    const other = await http.createPushUrl(c.token, 'other.example');
    const listed = await fetch(`${api.url}/queue/`, { headers: { 'x-auth-token': c.token } });
    expect(await listed.json()).toEqual({ 'seen.example': c.pushUrl, 'other.example': other });
    const stored = await http.publish(c.pushUrl, { title: 'seen' });
    const put = await fetch(c.userQueue, { method: 'PUT', headers: { 'x-auth-token': c.token, 'content-type': 'application/json' }, body: JSON.stringify({ timestamp: stored.timestamp }) });
    expect(await put.json()).toEqual({ last_seen: stored.timestamp });
    const page = await fetch(`${c.userQueue}?limit=1`, { headers: { 'x-auth-token': c.token } });
    expect(((await page.json()) as { last_seen: string }).last_seen).toBe(stored.timestamp);

    // an api with the limit on: its script takes the push URL's bucket key, in the user queue's slot
    const limited = await startApp('api', { env: { ...env, PUBLISH_BURST_PER_PUSH_URL: '2', PUBLISH_RATE_PER_PUSH_URL: '1' } });
    try {
      const limitedUrl = c.pushUrl.replace(api.url, limited.url);
      const post = (): Promise<Response> => fetch(limitedUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'limited' }) });
      expect((await post()).status).toBe(200);
      expect((await post()).status).toBe(200);
      const refused = await post();
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await http.history(c.token, c.userQueue)).filter((m) => m.body.title === 'limited')).toHaveLength(2);
    } finally {
      await limited.stop();
    }
  });

  it('trims entries older than STREAM_MAX_AGE_S from streams on every master', async () => {
    const clients = (await clientsOnEveryMaster(http, cluster, keys, 'old.example', CLIENTS)).map((h) => h.client);
    const streams = clients.map((c) => keys.stream(c.userQueueId));
    const oldMs = Date.now() - 2 * STREAM_MAX_AGE_S * 1000;
    for (const stream of streams) {
      await admin.xadd(stream, `${oldMs}-0`, 'q', 'https://x.example/queue/1/', 'b', '{"title":"old"}');
      await admin.xadd(stream, '*', 'q', 'https://x.example/queue/1/', 'b', '{"title":"fresh"}');
    }
    // trim-retention runs every min(6 periods, 60 s)
    await waitFor(async () => (await Promise.all(streams.map((s) => admin.xlen(s)))).every((n) => n === 1), 10 * MONITOR_PERIOD_MS, 'old entries trimmed everywhere', 100);
  });

  it('reaps a paused gateway: it leaves /nodes/, its connections on every master are killed, its clients resume on the other', async () => {
    const [victim, survivor] = gateways;
    const c = await http.newClient('failover.example');
    const before = await connect(victim);
    const hello = await before.jsonHello(c.token);
    const name = keys.nodeClientName(String(hello.node));
    // a cluster client opens a connection to every master; the subscriber's is on one of them
    await waitFor(async () => (await connectionsNamed(name)).every((n) => n > 0), 10_000, `connections named ${name} on every master`);
    expect(await subscribersOf(c.userQueueId)).toBe(1);
    const sent = await http.publish(c.pushUrl, { title: 'before' });
    await before.waitForMessages(1);

    // paused, not dead: its sockets stay open, so only the reaper can end its subscriptions
    victim.signal('SIGSTOP');
    try {
      const pausedAtMs = Date.now();
      await waitFor(async () => (await http.nodes()).length === 1, 4 * MONITOR_PERIOD_MS, 'the paused node leaves /nodes/', 50);
      expect(Date.now() - pausedAtMs).toBeLessThan(2 * MONITOR_PERIOD_MS + 1500);
      await waitFor(async () => (await connectionsNamed(name)).every((n) => n === 0), 5_000, `no connection named ${name} left`);
      // nothing stays routed to it
      expect(await subscribersOf(c.userQueueId)).toBe(0);

      const during = await http.publish(c.pushUrl, { title: 'while away' });
      const after = await connect(survivor);
      expect(await after.jsonHello(c.token, sent.key)).toMatchObject({ recovered: true });
      const later = await http.publish(c.pushUrl, { title: 'after' });
      expect((await after.waitForMessages(2)).map((m) => m.key)).toEqual([during.key, later.key]);
    } finally {
      victim.signal('SIGCONT');
    }
    // back from the pause, it reconnects and registers again
    await waitFor(async () => (await http.nodes()).length === 2, 10_000, 'the node registers again');
  });
});
