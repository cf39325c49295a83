/**
 * A node of a Redis Cluster fails under a gateway's pub/sub connection (three masters of the test's own
 * for each case, no replicas, `cluster-require-full-coverage no` so that the other masters keep serving
 * their slots). It dies (SIGSTOP, publishes, SIGKILL: what was published while it hung reached no
 * subscriber), or it only hangs (SIGSTOP until the end: no connection closes, only the subscriber's PING
 * check notices). Either way the sockets of the queues on the other masters stay open and still get every
 * message of their queues, once and in order, the gateway's subscriber comes back on another node, and
 * the sockets of the failed node's queues are closed with 1013 (resume later).
 */
import { clientIdsNamed, KeySchema } from '@push/redis';
import { AppProcess, TestRedisCluster, uniquePrefix, waitFor } from '@push/testing';
import { Redis } from 'ioredis';
import { ApiClient, clientsOnEveryMaster, expectStrictlyIncreasing, startOnCluster, WsClient } from './realtime.support';

jest.setTimeout(60_000);

/** Clients of a case (more are made until every master holds some of their user queues). */
const CLIENTS = 12;

/** How the node under the subscriber fails, given its port; resolves once the failure has been applied. */
type Outage = (cluster: TestRedisCluster, port: number, publishWhileDown: () => Promise<string[]>) => Promise<string[]>;

const dies: Outage = async (cluster, port, publishWhileDown) => {
  cluster.signal(port, 'SIGSTOP');
  try {
    return await publishWhileDown();
  } finally {
    await cluster.kill9(port);
  }
};

const hangs: Outage = async (cluster, port, publishWhileDown) => {
  cluster.signal(port, 'SIGSTOP');
  // resumed by nobody: destroy() kills it at the end
  return publishWhileDown();
};

describe.each<[string, Outage]>([
  ['dies', dies],
  ['hangs', hangs],
])('on a Redis Cluster whose node under the subscriber %s (3 masters; api + gateway)', (what, outage) => {
  const prefix = uniquePrefix(`redis-cluster-${what}`);
  const keys = new KeySchema(prefix);
  let cluster: TestRedisCluster;
  let masters: Map<number, Redis>;
  let api: AppProcess;
  let gateway: AppProcess;
  let http: ApiClient;
  const sockets: WsClient[] = [];

  /** The masters on which a connection opened under `name` is subscribed to something (`sub=` > 0). */
  async function subscriberPorts(name: string, among: readonly number[]): Promise<number[]> {
    const found: number[] = [];
    for (const port of among) {
      const list = String(await masters.get(port)?.client('LIST'));
      const subscribed = list.split('\n').filter((line) => /\bsub=[1-9]/.test(line));
      if (clientIdsNamed(subscribed.join('\n'), name).length > 0) found.push(port);
    }
    return found;
  }

  beforeAll(async () => {
    cluster = await TestRedisCluster.start(3, ['--cluster-require-full-coverage', 'no', '--cluster-node-timeout', '1000']);
    masters = new Map(await Promise.all(cluster.ports.map(async (p) => [p, await cluster.master(p)] as const)));
    ({ api, gateway, http } = await startOnCluster(prefix, cluster));
  });

  afterAll(async () => {
    for (const s of sockets.splice(0)) s.close();
    await Promise.all([api, gateway].filter((p) => p !== undefined).map((p) => p.stop()));
    for (const m of masters?.values() ?? []) m.disconnect();
    await cluster?.destroy();
  });

  it('delivers what was published meanwhile on the sockets that stayed open, and routes through another node after', async () => {
    const homed = await clientsOnEveryMaster(http, cluster, keys, 'failover.example', CLIENTS);
    const clients = homed.map((h) => h.client);
    const homes = homed.map((h) => h.master);
    const live = await Promise.all(
      clients.map(async (c) => {
        const ws = await WsClient.connect(gateway.url);
        sockets.push(ws);
        return { ws, hello: await ws.jsonHello(c.token) };
      }),
    );
    const name = keys.nodeClientName(String(live[0].hello.node));
    const [victim] = await subscriberPorts(name, cluster.ports);
    expect(victim).toBeDefined();
    const survivors = cluster.ports.filter((p) => p !== victim);
    // the queues the failed node does not hold go on being published to
    const served = clients.flatMap((c, i) => (homes[i] === victim ? [] : [{ c, ws: live[i].ws }]));
    expect(served.length).toBeGreaterThan(0);

    const during = await outage(cluster, victim, async () =>
      (await Promise.all(served.map(({ c }) => http.publish(c.pushUrl, { title: 'while the node was down' })))).map((m) => m.key),
    );
    await waitFor(async () => (await subscriberPorts(name, survivors)).length === 1, 20_000, `the subscriber of ${name} on another node`);
    const after = (await Promise.all(served.map(({ c }) => http.publish(c.pushUrl, { title: 'after' })))).map((m) => m.key);

    for (const [i, { ws }] of served.entries()) {
      const got = await ws.waitForMessages(2, 15_000).catch((err: unknown) => {
        throw new Error(`${String(err)}\n--- gateway ---\n${gateway.logs.slice(-6000)}`);
      });
      expect(got.map((m) => m.key)).toEqual([during[i], after[i]]);
      expectStrictlyIncreasing(got.map((m) => m.key));
      expect(ws.closeInfo).toBeNull();
    }
    // the queues of the failed node cannot be repaired: their sockets are told to resume later
    for (const [i, { ws }] of live.entries()) {
      if (homes[i] === victim) expect(await ws.closed).toMatchObject({ code: 1013 });
    }
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/^push_subscriber_repairs_total [1-9]/m);
    expect(metrics).toContain(`push_repair_closed_sockets_total ${homes.filter((h) => h === victim).length}`);
  });
});
