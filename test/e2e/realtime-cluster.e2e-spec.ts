/**
 * One api, two gateway nodes and a monitor on one Redis: GET /nodes/ order, routing of a token's
 * messages to exactly the nodes that hold its sockets, repair after the subscriber connection is
 * killed, and `kill -9` of a node (it leaves /nodes/ within two monitor periods and its clients resume
 * on the other node with nothing lost or duplicated).
 */
import { KeySchema } from '@push/redis';
import { AppProcess, deletePrefix, startApp, uniquePrefix, waitFor } from '@push/testing';
import { Redis } from 'ioredis';
import { ApiClient, baseEnv, expectStrictlyIncreasing, testRedis, WireMessage, WsClient } from './realtime.support';

jest.setTimeout(40_000);

const MONITOR_PERIOD_MS = 1000;

describe('realtime cluster (api + 2 gateways + monitor)', () => {
  const prefix = uniquePrefix('realtime-cluster');
  const keys = new KeySchema(prefix);
  let api: AppProcess;
  let gw1: AppProcess;
  let gw2: AppProcess;
  let monitor: AppProcess;
  let http: ApiClient;
  let redis: Redis;
  const sockets: WsClient[] = [];

  const addressOf = (gw: AppProcess): string => `127.0.0.1:${gw.port}`;

  async function connect(gw: AppProcess | string): Promise<WsClient> {
    const c = await WsClient.connect(typeof gw === 'string' ? gw : gw.url);
    sockets.push(c);
    return c;
  }

  async function numsub(userQueueId: string): Promise<number> {
    const reply = (await redis.pubsub('NUMSUB', keys.channel(userQueueId))) as [string, number];
    return Number(reply[1]);
  }

  /** Publishes to `pushUrl` in a loop of 3 concurrent requests until stop() is called. */
  function keepPublishing(pushUrl: string): { count: () => number; stop: () => Promise<void> } {
    let running = true;
    let count = 0;
    const loop = (async () => {
      while (running) {
        await Promise.all([0, 1, 2].map(() => http.publish(pushUrl, { title: `n${count++}` })));
      }
    })();
    return {
      count: () => count,
      stop: async () => {
        running = false;
        await loop;
      },
    };
  }

  async function untilPublished(publisher: { count: () => number }, n: number): Promise<void> {
    const target = publisher.count() + n;
    await waitFor(() => publisher.count() >= target, 10_000, `${n} more publishes`, 5);
  }

  beforeAll(async () => {
    // the publishers below run flat out for seconds: room for all they publish, so that what the clients
    // must have got is exactly the history after the anchor (retention is tested elsewhere)
    const env = baseEnv(prefix, { MONITOR_PERIOD_MS: String(MONITOR_PERIOD_MS), MONITOR_TIMEOUT_MS: '500', STREAM_MAX_LEN: '100000' });
    [api, gw1, gw2, monitor] = await Promise.all([
      startApp('api', { env }),
      startApp('gateway', { env }),
      startApp('gateway', { env }),
      startApp('monitor', { env }),
    ]);
    http = new ApiClient(api);
    redis = await testRedis();
    await waitFor(async () => (await http.nodes()).length === 2, 5_000, 'both gateways in /nodes/');
  });

  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });

  afterAll(async () => {
    await Promise.all([api?.stop(), gw1?.stop(), gw2?.stop(), monitor?.stop()]);
    redis?.disconnect();
    await deletePrefix(prefix);
  });

  it('lists both gateways in GET /nodes/, least connections first', async () => {
    const { token } = await http.createClient();
    for (let i = 0; i < 2; i++) await (await connect(gw1)).jsonHello(token);
    await waitFor(async () => JSON.stringify(await http.nodes()) === JSON.stringify([addressOf(gw2), addressOf(gw1)]), 5_000, 'gw2 before gw1');
    for (let i = 0; i < 3; i++) await (await connect(gw2)).jsonHello(token);
    await waitFor(async () => JSON.stringify(await http.nodes()) === JSON.stringify([addressOf(gw1), addressOf(gw2)]), 5_000, 'gw1 before gw2');
  });

  it('routes a token to exactly the nodes holding its sockets: each gets every message once, in order; other tokens none', async () => {
    const a = await http.newClient();
    const b = await http.newClient();
    const onlyGw1 = await http.newClient();
    const a1 = await connect(gw1);
    const a2 = await connect(gw2);
    const hellos = [await a1.jsonHello(a.token), await a2.jsonHello(a.token)];
    expect(hellos[0].node).not.toBe(hellos[1].node);
    const b1 = await connect(gw1);
    const b2 = await connect(gw2);
    await b1.jsonHello(b.token);
    await b2.jsonHello(b.token);
    const c1 = await connect(gw1);
    await c1.jsonHello(onlyGw1.token);
    // one subscription per node holding the queue, not one per node
    expect(await numsub(a.userQueueId)).toBe(2);
    expect(await numsub(onlyGw1.userQueueId)).toBe(1);

    const published: WireMessage[] = [];
    for (let i = 0; i < 10; i++) published.push(...(await Promise.all([0, 1, 2, 3].map((j) => http.publish(a.pushUrl, { title: `m${i}.${j}` })))));
    const stored = await http.history(a.token, a.userQueue, '?limit=100');
    expect(stored.map((m) => m.key).sort()).toEqual(published.map((m) => m.key).sort());
    for (const device of [a1, a2]) {
      await device.waitForMessages(stored.length);
      expect(device.messages).toEqual(stored);
    }
    const forB = await http.publish(b.pushUrl, { title: 'for b' });
    for (const device of [b1, b2]) {
      await device.waitForMessages(1);
      expect(device.messages).toEqual([forB]);
    }
    expect(c1.messages).toEqual([]);

    // the last socket of a queue on a node unsubscribes it
    c1.close();
    await waitFor(async () => (await numsub(onlyGw1.userQueueId)) === 0, 5_000, 'unsubscribe after the last socket left');
  });

  it('repairs from the stream when a node loses its subscriber connection: connected clients miss nothing', async () => {
    const { token, userQueue, pushUrl, userQueueId } = await http.newClient();
    const anchor = await http.publish(pushUrl, { title: 'anchor' });
    const s1 = await connect(gw1);
    const s2 = await connect(gw2);
    const { node } = await s1.jsonHello(token, anchor.key);
    await s2.jsonHello(token, anchor.key);

    const publisher = keepPublishing(pushUrl);
    await untilPublished(publisher, 30);
    const name = keys.nodeClientName(node ?? '');
    const subscriberIds = String(await redis.client('LIST'))
      .split('\n')
      .filter((line) => line.includes(` name=${name} `) && /\bsub=[1-9]/.test(line))
      .map((line) => /\bid=(\d+)/.exec(line)?.[1] ?? '');
    expect(subscriberIds).toHaveLength(1);
    await redis.client('KILL', 'ID', subscriberIds[0]);
    await untilPublished(publisher, 30);
    await waitFor(async () => (await numsub(userQueueId)) === 2, 5_000, 'the subscriber back');
    await untilPublished(publisher, 30);
    await publisher.stop();

    const stored = await http.historyAfter(token, userQueue, anchor.key);
    for (const device of [s1, s2]) {
      await device.waitForMessages(stored.length);
      expect(device.messages.map((m) => m.key)).toEqual(stored.map((m) => m.key));
    }
    expect(gw1.logs).toContain('subscriber connection lost');
    expect(s1.closeInfo).toBeNull();
  });

  it('a paused node (SIGSTOP) is reaped; after SIGCONT it registers again and its clients get what was published meanwhile', async () => {
    const { token, userQueue, pushUrl } = await http.newClient();
    const anchor = await http.publish(pushUrl, { title: 'anchor' });
    const client = await connect(gw1);
    const { node } = await client.jsonHello(token, anchor.key);
    const publisher = keepPublishing(pushUrl);
    await untilPublished(publisher, 10);

    gw1.signal('SIGSTOP');
    try {
      await waitFor(async () => (await redis.hexists(keys.nodes(), node ?? '')) === 0, 4 * MONITOR_PERIOD_MS, 'the paused node reaped', 20);
      expect(await http.nodes()).not.toContain(addressOf(gw1));
      await untilPublished(publisher, 10);
    } finally {
      gw1.signal('SIGCONT');
    }
    await waitFor(async () => (await http.nodes()).includes(addressOf(gw1)), 5_000, 'the node registered again');
    await untilPublished(publisher, 10);
    await publisher.stop();

    const stored = await http.historyAfter(token, userQueue, anchor.key);
    await client.waitForMessages(stored.length);
    expect(client.messages.map((m) => m.key)).toEqual(stored.map((m) => m.key));
    expect(client.closeInfo).toBeNull();
  });

  it('kill -9 of a node: it leaves /nodes/ within two monitor periods; its clients resume on the other node, 0 lost, 0 duplicated', async () => {
    const { token, userQueue, pushUrl } = await http.newClient();
    const anchor = await http.publish(pushUrl, { title: 'anchor' });
    const victims = [await connect(gw2), await connect(gw2), await connect(gw2)];
    const { node } = await victims[0].jsonHello(token, anchor.key);
    for (const v of victims.slice(1)) await v.jsonHello(token, anchor.key);

    const publisher = keepPublishing(pushUrl);
    await untilPublished(publisher, 30);
    const killedAtMs = Date.now();
    gw2.signal('SIGKILL');
    await Promise.all(victims.map((v) => v.closed));

    // each client looks up a live node and resumes there after the last key it had
    const resumed = await Promise.all(
      victims.map(async (v) => {
        const target = await waitFor(async () => (await http.nodes()).find((a) => a !== addressOf(gw2)), 5_000, 'another node');
        const next = await connect(target);
        const hello = await next.jsonHello(token, v.lastKey ?? anchor.key);
        expect(hello.recovered).toBe(true);
        expect(hello.node).not.toBe(node);
        return next;
      }),
    );
    await waitFor(async () => !(await http.nodes()).includes(addressOf(gw2)), 2 * MONITOR_PERIOD_MS, 'the killed node out of /nodes/', 20);
    await waitFor(async () => (await redis.hexists(keys.nodes(), node ?? '')) === 0, Math.max(0, 2 * MONITOR_PERIOD_MS - (Date.now() - killedAtMs)), 'the monitor to reap the node', 20);
    await untilPublished(publisher, 30);
    await publisher.stop();

    const stored = (await http.historyAfter(token, userQueue, anchor.key)).map((m) => m.key);
    for (let i = 0; i < victims.length; i++) {
      await waitFor(() => victims[i].messages.length + resumed[i].messages.length >= stored.length, 10_000, 'all messages on the resumed socket');
      const received = [...victims[i].messages, ...resumed[i].messages].map((m) => m.key);
      expectStrictlyIncreasing(received);
      expect(received).toEqual(stored);
    }
  });
});
