/**
 * Rolling restart (issue #5): 200 clients receive 200 messages/s in total while each of three gateways
 * in turn gets SIGTERM (drain: leave /nodes/, close every socket with 1012 spread over DRAIN_SPREAD_MS)
 * and is started again on the same port. Every client ends with every acknowledged key exactly once, in
 * order; the publishers see no error; the clients only ever saw 1012 closes. Runs in both profiles.
 */
import { waitFor } from '@push/testing';
import { atScale, ChaosStack, ClientPool, expectClean, maxOf, percentile, Publisher, report, settle, verify } from './chaos.harness';

jest.setTimeout(atScale(180_000, 600_000));

const GATEWAYS = 3;
const CLIENTS = atScale(200, 1_000);
const RATE_PER_S = atScale(200, 500);
const DRAIN_SPREAD_MS = 3_000;

let stack: ChaosStack | undefined;
let pool: ClientPool | undefined;

afterAll(async () => {
  pool?.stop();
  await stack?.stop();
});

it(`SIGTERM and restart of each of ${GATEWAYS} gateways in turn under load: 0 lost, 0 duplicated, 0 publish errors`, async () => {
  stack = await ChaosStack.start({ name: 'rolling', gateways: GATEWAYS, env: { DRAIN_SPREAD_MS: String(DRAIN_SPREAD_MS) } });
  const s = stack;
  pool = await ClientPool.create(s, CLIENTS);
  await pool.connectAll((i) => s.address(s.gateways[i % GATEWAYS]));

  const publisher = new Publisher(pool.clients, RATE_PER_S).start();
  await waitFor(() => publisher.ackedCount >= RATE_PER_S * 2, 30_000, 'two seconds of load', 50);

  const drainMs: number[] = [];
  for (let i = 0; i < GATEWAYS; i++) {
    const address = s.address(s.gateways[i]);
    const holding = pool.clients.filter((c) => c.address === address);
    const startedMs = Date.now();
    s.signalGateway(i, 'SIGTERM');
    await s.gateways[i].waitExit(30_000);
    drainMs.push(Date.now() - startedMs);
    expect(s.gateways[i].exit).toEqual({ code: 0, signal: null });
    // every client it held is live elsewhere before the node comes back
    await waitFor(() => holding.every((c) => c.isLive && c.address !== address), 30_000, `the clients of gateway ${i} elsewhere`, 50);
    await s.restartGateway(i);
    await waitFor(async () => (await s.nodes()).includes(address), 10_000, `gateway ${i} back in /nodes/`, 50);
    const acked = publisher.ackedCount;
    await waitFor(() => publisher.ackedCount >= acked + RATE_PER_S, 30_000, 'a second of load on the new node set', 50);
  }
  await publisher.stop();
  await settle(pool.clients);
  const verdict = verify(pool.clients);
  const reconnects = pool.clients.flatMap((c) => c.reconnectMs);
  const closeCodes = [...new Set(pool.clients.flatMap((c) => c.closes.map((x) => x.code)))].sort();
  report(
    'rolling-restart',
    verdict,
    {
      gateways: GATEWAYS,
      'drain-spread-ms': DRAIN_SPREAD_MS,
      'drain-max-ms': maxOf(drainMs),
      'client-reconnects': reconnects.length,
      'reconnect-p50-ms': Math.round(percentile(reconnects, 50)),
      'reconnect-max-ms': maxOf(reconnects),
      'close-codes': closeCodes.join('/'),
    },
    [publisher],
  );

  expectClean(verdict);
  expect(publisher.failures).toEqual([]);
  expect(closeCodes).toEqual([1012]);
  expect(reconnects.length).toBeGreaterThanOrEqual(CLIENTS);
  expect(s.crashed()).toEqual([]);
});
