/**
 * One api and one gateway on real Redis: the seed walk-through over a WebSocket, live delivery to every
 * socket of a token, resume with `since` while publishes are in flight, the replaceId rule and read markers.
 */
import { AppProcess, deletePrefix, startApp, uniquePrefix } from '@push/testing';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { ApiClient, baseEnv, compareKeys, expectStrictlyIncreasing, testRedis, waitSubscribed, WireMessage, WsClient } from './realtime.support';

jest.setTimeout(30_000);

const PING_INTERVAL_MS = 300;

describe('realtime delivery (api + gateway)', () => {
  const prefix = uniquePrefix('realtime-delivery');
  let api: AppProcess;
  let gateway: AppProcess;
  let http: ApiClient;
  let redis: Redis;
  const sockets: WsClient[] = [];

  async function connect(): Promise<WsClient> {
    const c = await WsClient.connect(gateway.url);
    sockets.push(c);
    return c;
  }

  beforeAll(async () => {
    [api, gateway] = await Promise.all([
      startApp('api', { env: baseEnv(prefix) }),
      startApp('gateway', { env: baseEnv(prefix, { WS_PING_INTERVAL_MS: String(PING_INTERVAL_MS) }) }),
    ]);
    http = new ApiClient(api);
    redis = await testRedis();
  });

  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });

  afterAll(async () => {
    await Promise.all([api?.stop(), gateway?.stop()]);
    redis?.disconnect();
    await deletePrefix(prefix);
  });

  it('walks the seed client through: a `token: X` socket receives exactly what is published, as history returns it', async () => {
    const { token, userQueue, pushUrl, userQueueId } = await http.newClient('news.example.com');
    const otherSite = await http.createPushUrl(token, 'shop.example.com:8443');
    const ws = await connect();
    ws.seedHello(token);
    await waitSubscribed(redis, prefix, userQueueId);

    const published: WireMessage[] = [];
    published.push(await http.publish(pushUrl, { title: 'message one' }));
    published.push(await http.publish(pushUrl, { title: 'message two', body: 'hi', actionUrl: 'https://news.example.com/2', replaceId: 'inbox' }));
    published.push(await http.publish(otherSite, { title: 'from the shop', body: 'ünïcødé ✓' }));
    published.push(await http.markRead(token, userQueue, published[0].key));

    const received = await ws.waitForMessages(published.length);
    expect(received).toEqual(published);
    expect(await http.history(token, userQueue)).toEqual(published);
    expect(ws.controls).toEqual([]);
    expect(published[3].body).toEqual({ read: published[0].key });
    expect(published[2].queue).toBe(otherSite);
    // nothing more arrives than was published
    await http.publish(pushUrl, { title: 'last' });
    await ws.waitForMessages(5);
    expect(ws.messages).toHaveLength(5);
  });

  it('greets a JSON hello with the node id and recovered=true, then delivers live', async () => {
    const { token, pushUrl } = await http.newClient();
    const ws = await connect();
    const hello = await ws.jsonHello(token);
    expect(hello).toEqual({ type: 'hello', node: expect.stringMatching(/^[0-9a-f]{8}$/), recovered: true });
    const m = await http.publish(pushUrl, { title: 'live' });
    expect(await ws.waitForMessages(1)).toEqual([m]);
  });

  it('delivers each message once, in key order, to every socket of a token and to no other token', async () => {
    const a = await http.newClient();
    const b = await http.newClient();
    const devices = [await connect(), await connect(), await connect()];
    for (const d of devices) await d.jsonHello(a.token);
    const stranger = await connect();
    await stranger.jsonHello(b.token);

    const published = await Promise.all(Array.from({ length: 30 }, (_, i) => http.publish(a.pushUrl, { title: `m${i}` })));
    const keys = published.map((m) => m.key).sort(compareKeys);
    for (const d of devices) {
      await d.waitForMessages(keys.length);
      expect(d.messages.map((m) => m.key)).toEqual(keys);
    }
    const own = await http.publish(b.pushUrl, { title: 'for b' });
    await stranger.waitForMessages(1);
    expect(stranger.messages).toEqual([own]);
  });

  it('sends read markers to every device of the token', async () => {
    const { token, userQueue, pushUrl } = await http.newClient();
    const phone = await connect();
    const laptop = await connect();
    await phone.jsonHello(token);
    await laptop.jsonHello(token);
    const m = await http.publish(pushUrl, { title: 'read me' });
    const marker = await http.markRead(token, userQueue, m.key);
    for (const device of [phone, laptop]) {
      await device.waitForMessages(2);
      expect(device.messages).toEqual([m, marker]);
    }
    expect(marker).toMatchObject({ queue: userQueue, body: { read: m.key } });
  });

  it('resumes with since while publishes are in flight: every key after since exactly once, in order', async () => {
    const { token, userQueue, pushUrl } = await http.newClient();
    const before: WireMessage[] = [];
    for (let i = 0; i < 10; i++) before.push(await http.publish(pushUrl, { title: `before ${i}` }));
    const since = before[4].key;

    let publishing = true;
    let sent = 0;
    const publisher = (async () => {
      while (publishing) await Promise.all([0, 1, 2].map(() => http.publish(pushUrl, { title: `during ${sent++}` })));
    })();
    // let publishes run before, during and after the replay
    while (sent < 30) await new Promise((r) => setImmediate(r));
    const ws = await connect();
    const hello = await ws.jsonHello(token, since);
    expect(hello.recovered).toBe(true);
    const target = sent + 30;
    while (sent < target) await new Promise((r) => setImmediate(r));
    publishing = false;
    await publisher;

    const stored = await http.historyAfter(token, userQueue, since);
    expect(stored.length).toBe(5 + sent);
    await ws.waitForMessages(stored.length);
    expect(ws.messages.map((m) => m.key)).toEqual(stored.map((m) => m.key));
    expect(ws.messages).toEqual(stored);
    expectStrictlyIncreasing(ws.messages.map((m) => m.key));
  });

  it('replays only the newest message per (push URL, replaceId), in its own place, plus all without one', async () => {
    const { token, pushUrl } = await http.newClient('one.example');
    const other = await http.createPushUrl(token, 'two.example');
    const anchor = await http.publish(pushUrl, { title: 'anchor' });
    const a1 = await http.publish(pushUrl, { title: 'a1', replaceId: 'a' });
    const plain = await http.publish(pushUrl, { title: 'no replaceId' });
    const a2 = await http.publish(pushUrl, { title: 'a2', replaceId: 'a' });
    const otherA = await http.publish(other, { title: 'a on another push URL', replaceId: 'a' });
    const a3 = await http.publish(pushUrl, { title: 'a3', replaceId: 'a' });
    expect([a1, a2].every((m) => compareKeys(m.key, a3.key) < 0)).toBe(true);

    const ws = await connect();
    await ws.jsonHello(token, anchor.key);
    await ws.waitForMessages(3);
    expect(ws.messages).toEqual([plain, otherA, a3]);
    // live messages are never collapsed
    const a4 = await http.publish(pushUrl, { title: 'a4', replaceId: 'a' });
    const a5 = await http.publish(pushUrl, { title: 'a5', replaceId: 'a' });
    await ws.waitForMessages(5);
    expect(ws.messages.slice(3)).toEqual([a4, a5]);
  });

  it('says recovered=false for an unknown or future since, and still goes live', async () => {
    const { token, pushUrl } = await http.newClient();
    const old = await http.publish(pushUrl, { title: 'stored' });

    const unknown = await connect();
    expect((await unknown.jsonHello(token, '1000-0')).recovered).toBe(false);
    await unknown.waitForMessages(1);
    expect(unknown.messages).toEqual([old]);

    const future = await connect();
    expect((await future.jsonHello(token, String(Math.floor(Date.now() / 1000) + 3600))).recovered).toBe(false);
    const live = await http.publish(pushUrl, { title: 'live after a future since' });
    await future.waitForMessages(1);
    expect(future.messages).toEqual([live]);

    const byTime = await connect();
    expect((await byTime.jsonHello(token, old.timestamp)).recovered).toBe(true);
    await byTime.waitForMessages(2);
    expect(byTime.messages).toEqual([old, live]);
  });

  it('pings every socket and drops one that stops answering, keeping those that answer', async () => {
    const { token } = await http.createClient();
    const answering = await connect();
    await answering.jsonHello(token);
    const silent = new WsClient(`ws://127.0.0.1:${gateway.port}/`, new WebSocket(`ws://127.0.0.1:${gateway.port}/`, { autoPong: false }));
    sockets.push(silent);
    await silent.opened;
    let pings = 0;
    silent.ws.on('ping', () => pings++);
    await silent.jsonHello(token);
    const startMs = Date.now();
    const closed = await silent.closed;
    expect(closed.code).toBe(1006);
    expect(pings).toBeGreaterThanOrEqual(1);
    expect(Date.now() - startMs).toBeLessThan(4 * PING_INTERVAL_MS);
    expect(answering.closeInfo).toBeNull();
  });
});
