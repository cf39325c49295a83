/**
 * A master of a Redis Cluster with a replica per master dies (three masters and three replicas of the
 * test's own, `cluster-node-timeout` 1 s): its replica is promoted, publishes to the user queues it holds
 * are refused (503) only until then, and every message the api accepted, before the death or after the
 * promotion, reaches its client exactly once and in order: live on a socket that stays open, or by
 * resuming with `since` on one the gateway closed with 1013. A refused publish is not acknowledged: it
 * may still be stored (README: "A 503 means not acknowledged"), even after its retry was accepted (the
 * cluster client re-sends a command caught in the failover after the api gave up on it), so a client may
 * also get the refused attempts, each once, in key order.
 */
import { KeySchema } from '@push/redis';
import { AppProcess, TestRedisCluster, uniquePrefix, waitFor } from '@push/testing';
import { ApiClient, clientsOnEveryMaster, expectStrictlyIncreasing, startOnCluster, WireMessage, WsClient } from './realtime.support';

jest.setTimeout(90_000);

/** Clients of the test (more are made until every master holds some of their user queues). */
const CLIENTS = 12;
/** How long a queue of the dead master may refuse publishes (failure detection, election, slot refresh). */
const PROMOTION_MS = 20_000;

describe('on a Redis Cluster with a replica per master whose master dies (api + gateway)', () => {
  const prefix = uniquePrefix('redis-cluster-promotion');
  const keys = new KeySchema(prefix);
  let cluster: TestRedisCluster;
  let api: AppProcess;
  let gateway: AppProcess;
  let http: ApiClient;
  const sockets: WsClient[] = [];

  async function connect(token: string, since?: string): Promise<WsClient> {
    const ws = await WsClient.connect(gateway.url);
    sockets.push(ws);
    await ws.jsonHello(token, since);
    return ws;
  }

  /** Publishes until the api accepts (it answers 503 while the queue's master is down); attempt n is titled `${title} #n`. */
  async function publishUntilAccepted(pushUrl: string, title: string): Promise<{ message: WireMessage; refusals: number }> {
    const deadline = Date.now() + PROMOTION_MS;
    for (let refusals = 0; ; refusals++) {
      try {
        return { message: await http.publish(pushUrl, { title: `${title} #${refusals}` }), refusals };
      } catch (err) {
        if (!String(err).includes('answered 503') || Date.now() > deadline) throw new Error(`${String(err)}\n--- api ---\n${api.logs.slice(-4000)}`, { cause: err });
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** What a client gets until `last` has come: on `ws` while it stays open, then (closed with 1013) by resuming after what it had. */
  async function receivedUntil(token: string, ws: WsClient, last: string): Promise<WireMessage[]> {
    const got: WireMessage[] = [];
    let current = ws;
    for (;;) {
      await waitFor(() => current.messages.some((m) => m.key === last) || current.closeInfo !== null, 20_000, `message ${last}`);
      got.push(...current.messages);
      if (got.some((m) => m.key === last)) return got;
      expect(current.closeInfo).toMatchObject({ code: 1013 });
      current = await connect(token, got.at(-1)?.key);
    }
  }

  beforeAll(async () => {
    cluster = await TestRedisCluster.start(3, ['--cluster-node-timeout', '1000'], true);
    ({ api, gateway, http } = await startOnCluster(prefix, cluster));
  });

  afterAll(async () => {
    for (const s of sockets.splice(0)) s.close();
    await Promise.all([api, gateway].filter((p) => p !== undefined).map((p) => p.stop()));
    await cluster?.destroy();
  });

  it("promotes the dead master's replica and loses no accepted message", async () => {
    const homed = await clientsOnEveryMaster(http, cluster, keys, 'promotion.example', CLIENTS);
    const live = await Promise.all(homed.map((h) => connect(h.client.token)));
    const before = await Promise.all(homed.map((h) => http.publish(h.client.pushUrl, { title: 'before' })));
    for (const ws of live) await ws.waitForMessages(1);

    const [victim] = cluster.ports;
    const [replica] = cluster.replicaPorts;
    // what the api accepted is on the replica before the master dies (Redis replicates asynchronously)
    const onVictim = homed.find((h) => h.master === victim);
    expect(onVictim).toBeDefined();
    const master = await cluster.master(victim);
    try {
      await master.set(`${keys.stream(onVictim?.client.userQueueId ?? '')}:synced`, '1');
      expect(await master.call('WAIT', '1', '5000')).toBe(1);
    } finally {
      master.disconnect();
    }
    await cluster.kill9(victim);

    const after = await Promise.all(homed.map((h) => publishUntilAccepted(h.client.pushUrl, 'after')));
    // only the dead master's queues were refused, and only until its replica took over
    for (const [i, h] of homed.entries()) if (h.master !== victim) expect(after[i].refusals).toBe(0);
    expect(await cluster.masterOf(keys.stream(onVictim?.client.userQueueId ?? ''))).toBe(replica);

    for (const [i, h] of homed.entries()) {
      const got = await receivedUntil(h.client.token, live[i], after[i].message.key);
      const keysGot = got.map((m) => m.key);
      expectStrictlyIncreasing(keysGot);
      expect(keysGot[0]).toBe(before[i].key);
      expect(keysGot).toContain(after[i].message.key);
      // anything else is one of the refused attempts
      const refused = Array.from({ length: after[i].refusals }, (_, n) => `after #${n}`);
      for (const m of got.slice(1)) if (m.key !== after[i].message.key) expect(refused).toContain(m.body.title);
    }
  });
});
