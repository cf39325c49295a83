/**
 * Redis `kill -9`ed under load and started again on its append-only file (appendfsync always): every
 * publish acknowledged before the kill is delivered; publishes during the outage are answered 503 with
 * Retry-After at once (no request hangs, no 500); clients keep or regain their sockets when Redis is
 * back and end with every acknowledged key exactly once, in order; the monitor reaps no gateway for the
 * heartbeats nobody could write; no process crashes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '@push/testing';
import { atScale, ChaosStack, ClientPool, expectClean, maxOf, msUntil, Publisher, report, settle, verify } from './chaos.harness';

jest.setTimeout(atScale(120_000, 600_000));

const CLIENTS = atScale(100, 500);
const RATE_PER_S = atScale(200, 500);
const OUTAGE_MS = atScale(3_000, 10_000);
/** No publish may take longer than this, outage or not. */
const PROMPT_MS = 3_000;

let stack: ChaosStack | undefined;
let pool: ClientPool | undefined;

afterAll(async () => {
  pool?.stop();
  await stack?.stop();
});

it(`kill -9 of Redis for ${OUTAGE_MS / 1000} s, restarted on its AOF: nothing acknowledged is lost; 503 + Retry-After meanwhile`, async () => {
  stack = await ChaosStack.start({ name: 'redis-restart', persistentRedis: true });
  const s = stack;
  pool = await ClientPool.create(s, CLIENTS);
  await pool.connectAll((i) => s.address(s.gateways[i % 2]));

  const publisher = new Publisher(pool.clients, RATE_PER_S, { timeoutMs: 10_000 }).start();
  await waitFor(() => publisher.ackedCount >= RATE_PER_S * 2, 30_000, 'two seconds of load', 50);

  const killedAtMs = Date.now();
  await s.redis.kill9();
  const ackedBeforeKill = pool.clients.map((c) => c.acked.filter((a) => a.atMs < killedAtMs).map((a) => a.key));
  // the outage lasts its full length while the publishers keep going
  await sleep(OUTAGE_MS);
  const failuresDuringOutage = publisher.failures.length;
  await s.redis.start();
  const restartedAtMs = Date.now();

  const ackedAtRestart = publisher.ackedCount;
  const recoveredMs = await msUntil(restartedAtMs, () => publisher.ackedCount > ackedAtRestart, 30_000, 'publishes answered 200 again', 50);
  await waitFor(() => publisher.ackedCount >= ackedAtRestart + RATE_PER_S * 3, 30_000, 'three seconds of load after the restart', 50);
  await publisher.stop();
  await settle(pool.clients);
  const verdict = verify(pool.clients);
  const reconnects = pool.clients.flatMap((c) => c.reconnectMs);
  const statuses = publisher.failuresByStatus();
  const slowestFailureMs = maxOf(publisher.failures.map((f) => f.elapsedMs));
  report(
    'redis-restart',
    verdict,
    {
      'outage-ms': restartedAtMs - killedAtMs,
      'acked-before-kill': ackedBeforeKill.flat().length,
      'publishing-again-after-ms': recoveredMs,
      'slowest-failed-publish-ms': slowestFailureMs,
      'slowest-publish-ms': Math.round(publisher.maxElapsedMs),
      'client-reconnects': reconnects.length,
    },
    [publisher],
  );

  expectClean(verdict);
  // every publish acknowledged before the kill was delivered (expectClean covers it; said once more, by name)
  expect(pool.clients.filter((c, i) => ackedBeforeKill[i].some((k) => !c.delivered.includes(k))).map((c) => c.index)).toEqual([]);
  // the outage was answered 503 + Retry-After, promptly, and nothing else failed
  expect(failuresDuringOutage).toBeGreaterThan(0);
  expect(Object.keys(statuses)).toEqual(['503']);
  expect(publisher.failures.filter((f) => f.retryAfter === null)).toEqual([]);
  expect(slowestFailureMs).toBeLessThan(PROMPT_MS);
  expect(publisher.maxElapsedMs).toBeLessThan(PROMPT_MS);
  expect(pool.clients.every((c) => c.isLive)).toBe(true);
  // an outage is nobody's fault: the monitor reaps no live gateway for the heartbeats it could not write
  expect(s.monitor.logs).not.toContain('reaped');
  expect((await s.nodes()).sort()).toEqual(s.gateways.map((g) => s.address(g)).sort());
  expect(s.unhandledRedisErrors()).toEqual([]);
  expect(s.crashed()).toEqual([]);
});
