/**
 * Reconnect storm: 2,000 clients (ci: 500), all on one gateway, lose it at once (`kill -9`) under
 * load. All of them are back on the other node and caught up (every key acknowledged before their
 * resume delivered) within 30 s, no process crashes, and at the end every client has every acknowledged
 * key exactly once, in order.
 */
import { waitFor } from '@push/testing';
import { atScale, ChaosStack, ClientPool, expectClean, maxOf, msUntil, percentile, Publisher, report, settle, verify } from './chaos.harness';

jest.setTimeout(atScale(180_000, 600_000));

const CLIENTS = atScale(500, 2_000);
const RATE_PER_S = atScale(100, 200);
const BACK_WITHIN_MS = 30_000;

let stack: ChaosStack | undefined;
let pool: ClientPool | undefined;

afterAll(async () => {
  pool?.stop();
  await stack?.stop();
});

it(`${CLIENTS} clients lose their gateway at once: all back and caught up within 30 s, no crash, 0 lost, 0 duplicated`, async () => {
  stack = await ChaosStack.start({ name: 'storm' });
  const s = stack;
  const [victim, survivor] = s.gateways.map((g) => s.address(g));
  // jittered backoff over a second, as a client SDK spreads a thundering herd
  pool = await ClientPool.create(s, CLIENTS, { reconnectJitterMs: 1_000 });
  const clients = pool.clients;
  await pool.connectAll(() => victim);

  const publisher = new Publisher(clients, RATE_PER_S).start();
  await waitFor(() => publisher.ackedCount >= RATE_PER_S * 2, 30_000, 'two seconds of load', 50);

  const killedAtMs = Date.now();
  s.signalGateway(0, 'SIGKILL');
  // caught up: back on the survivor, with every key acknowledged before that resume delivered
  const caughtUpAtMs = new Map<number, number>();
  const allBackMs = await msUntil(
    killedAtMs,
    () => {
      for (const c of clients) {
        if (caughtUpAtMs.has(c.index)) continue;
        const hello = c.lastHello;
        if (!c.isLive || c.address !== survivor || hello === undefined || hello.atMs < killedAtMs) continue;
        if (c.caughtUp(hello.atMs)) caughtUpAtMs.set(c.index, Date.now());
      }
      return caughtUpAtMs.size === clients.length;
    },
    BACK_WITHIN_MS + 30_000,
    'every client back and caught up',
    100,
  );

  const ackedAtBack = publisher.ackedCount;
  await waitFor(() => publisher.ackedCount >= ackedAtBack + RATE_PER_S * 2, 30_000, 'two more seconds of load', 50);
  await publisher.stop();
  await settle(clients);
  const verdict = verify(clients);
  const reconnects = clients.flatMap((c) => c.reconnectMs);
  report(
    'reconnect-storm',
    verdict,
    {
      'all-back-and-caught-up-ms': allBackMs,
      'reconnect-p50-ms': Math.round(percentile(reconnects, 50)),
      'reconnect-p99-ms': Math.round(percentile(reconnects, 99)),
      'reconnect-max-ms': maxOf(reconnects),
    },
    [publisher],
  );

  expectClean(verdict);
  expect(allBackMs).toBeLessThanOrEqual(BACK_WITHIN_MS);
  expect(publisher.failures).toEqual([]);
  expect(s.crashed()).toEqual([]);
});
