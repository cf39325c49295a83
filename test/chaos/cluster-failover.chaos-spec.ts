/**
 * A master of a Redis Cluster (three masters with a replica each, cluster-node-timeout 1 s) `kill -9`ed
 * under load: its replica takes over; only the dead master's user queues refuse publishes (503 with
 * Retry-After), and only until then; every acknowledged publish reaches its client exactly once and in
 * order (live, or by resuming after a 1013 close); no process crashes. Redis replicates asynchronously,
 * so a publish acknowledged in the last instant before the kill could in principle be lost with the
 * master; on one machine the reply, the replication stream and the cluster bus leave in the same pass.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '@push/testing';
import { atScale, ChaosStack, ClientPool, expectClean, maxOf, Publisher, report, settle, verify } from './chaos.harness';

jest.setTimeout(atScale(120_000, 600_000));

const CLIENTS = atScale(100, 500);
const RATE_PER_S = atScale(200, 500);
/** Load kept up after the kill: the promotion takes 1-3 s of it. */
const AFTER_KILL_MS = atScale(8_000, 20_000);
/** A queue of the dead master may refuse publishes this long after the kill (detection, election, slot refresh). */
const PROMOTION_MS = 6_000;

let stack: ChaosStack | undefined;
let pool: ClientPool | undefined;

afterAll(async () => {
  pool?.stop();
  await stack?.stop();
});

it('kill -9 of a Redis Cluster master under load: its replica takes over; nothing acknowledged is lost', async () => {
  stack = await ChaosStack.start({ name: 'cluster-failover', cluster: true, env: { REDIS_COMMAND_TIMEOUT_MS: '1000' } });
  const s = stack;
  pool = await ClientPool.create(s, CLIENTS);
  await pool.connectAll((i) => s.address(s.gateways[i % 2]));

  const publisher = new Publisher(pool.clients, RATE_PER_S, { timeoutMs: 10_000 }).start();
  await waitFor(() => publisher.ackedCount >= RATE_PER_S * 2, 30_000, 'two seconds of load', 50);

  const [victim] = s.cluster.ports;
  const killedAtMs = Date.now();
  await s.cluster.kill9(victim);
  await sleep(AFTER_KILL_MS);
  await publisher.stop();
  await settle(pool.clients);
  const verdict = verify(pool.clients);
  const statuses = publisher.failuresByStatus();
  const lastFailureMs = maxOf(publisher.failures.map((f) => f.atMs - killedAtMs));
  report(
    'cluster-failover',
    verdict,
    {
      'refusing-for-ms': lastFailureMs,
      'client-reconnects': pool.clients.flatMap((c) => c.reconnectMs).length,
    },
    [publisher],
  );

  expectClean(verdict);
  // refused only while the replica took over, with 503 + Retry-After, nothing else
  expect(Object.keys(statuses).filter((st) => st !== '503')).toEqual([]);
  expect(publisher.failures.filter((f) => f.retryAfter === null)).toEqual([]);
  expect(lastFailureMs).toBeLessThan(PROMOTION_MS);
  expect(pool.clients.every((c) => c.isLive)).toBe(true);
  expect(s.unhandledRedisErrors()).toEqual([]);
  expect(s.crashed()).toEqual([]);
});
