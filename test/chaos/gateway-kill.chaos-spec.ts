/**
 * `kill -9` of one of two gateways under load: its clients are back on the other node and delivering
 * within 15 s, the publishers see no error, the dead node leaves GET /nodes/ within two monitor periods,
 * and every client ends with every acknowledged key exactly once, in order.
 */
import { waitFor } from '@push/testing';
import { atScale, ChaosStack, ClientPool, expectClean, maxOf, MONITOR_PERIOD_MS, msUntil, percentile, Publisher, report, settle, verify } from './chaos.harness';

jest.setTimeout(atScale(120_000, 600_000));

const CLIENTS = atScale(100, 1_000);
const RATE_PER_S = atScale(200, 500);
const BACK_WITHIN_MS = 15_000;

let stack: ChaosStack | undefined;
let pool: ClientPool | undefined;

afterAll(async () => {
  pool?.stop();
  await stack?.stop();
});

it('kill -9 of a gateway: its clients resume on the other node within 15 s; 0 lost, 0 duplicated, 0 publish errors', async () => {
  stack = await ChaosStack.start({ name: 'kill9' });
  const s = stack;
  const [survivor, victim] = s.gateways.map((g) => s.address(g));
  pool = await ClientPool.create(s, CLIENTS);
  await pool.connectAll((i) => (i % 2 === 0 ? survivor : victim));
  const victims = pool.clients.filter((c) => c.address === victim);
  expect(victims.length).toBe(CLIENTS / 2);

  const publisher = new Publisher(pool.clients, RATE_PER_S).start();
  await waitFor(() => publisher.ackedCount >= RATE_PER_S * 3, 30_000, 'three seconds of load', 50);

  const killedAtMs = Date.now();
  s.signalGateway(1, 'SIGKILL');
  // measured at the start of the first GET /nodes/ that no longer lists it: the answer itself can be late
  // when this process is busy with the reconnecting clients
  let leftNodesMs = -1;
  await waitFor(
    async () => {
      const askedAtMs = Date.now();
      if ((await s.nodes()).includes(victim)) return false;
      leftNodesMs = askedAtMs - killedAtMs;
      return true;
    },
    10_000,
    'the dead node out of /nodes/',
    25,
  );
  const backMs = await msUntil(
    killedAtMs,
    () => victims.every((c) => c.isLive && c.address === survivor && c.lastMessageAtMs > (c.lastHello?.atMs ?? Infinity)),
    30_000,
    'every client of the dead node back and delivering',
    50,
  );

  const ackedAtKill = publisher.ackedCount;
  await waitFor(() => publisher.ackedCount >= ackedAtKill + RATE_PER_S * 3, 30_000, 'three more seconds of load', 50);
  await publisher.stop();
  await settle(pool.clients);
  const verdict = verify(pool.clients);
  const reconnects = victims.flatMap((c) => c.reconnectMs);
  report(
    'kill-9-gateway',
    verdict,
    {
      'back-and-delivering-ms': backMs,
      'reconnect-p50-ms': Math.round(percentile(reconnects, 50)),
      'reconnect-max-ms': maxOf(reconnects),
      'left-nodes-ms': leftNodesMs,
    },
    [publisher],
  );

  expectClean(verdict);
  expect(publisher.failures).toEqual([]);
  expect(backMs).toBeLessThanOrEqual(BACK_WITHIN_MS);
  expect(leftNodesMs).toBeLessThanOrEqual(2 * MONITOR_PERIOD_MS);
  // the survivor's own clients never noticed
  expect(pool.clients.filter((c) => !victims.includes(c) && c.closes.length > 0).map((c) => c.index)).toEqual([]);
  expect(s.crashed()).toEqual([]);
});
