/**
 * The gateways' Redis pub/sub connections killed (`CLIENT KILL TYPE pubsub`) every few seconds under
 * load: messages published while a node had no subscription still reach its connected clients
 * (repaired from the stream), with no socket closed, 0 lost, 0 duplicated, in order.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '@push/testing';
import { Redis } from 'ioredis';
import { atScale, ChaosStack, ClientPool, expectClean, Publisher, report, settle, verify } from './chaos.harness';

jest.setTimeout(atScale(120_000, 600_000));

const CLIENTS = atScale(100, 500);
const RATE_PER_S = atScale(200, 500);
const KILL_EVERY_MS = atScale(2_000, 3_000);
const KILLS = atScale(6, 20);

let stack: ChaosStack | undefined;
let pool: ClientPool | undefined;
let admin: Redis | undefined;

afterAll(async () => {
  pool?.stop();
  admin?.disconnect();
  await stack?.stop();
});

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

it(`CLIENT KILL TYPE pubsub every ${KILL_EVERY_MS / 1000} s: connected clients miss nothing and stay connected`, async () => {
  stack = await ChaosStack.start({ name: 'pubsub-kill' });
  const s = stack;
  admin = await s.redis.admin();
  pool = await ClientPool.create(s, CLIENTS);
  await pool.connectAll((i) => s.address(s.gateways[i % 2]));

  const publisher = new Publisher(pool.clients, RATE_PER_S).start();
  await waitFor(() => publisher.ackedCount >= RATE_PER_S, 30_000, 'a second of load', 50);
  let killed = 0;
  for (let i = 0; i < KILLS; i++) {
    killed += Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub'));
    // the fault's rhythm: a kill every KILL_EVERY_MS, whatever the repair did
    await sleep(KILL_EVERY_MS);
  }
  await publisher.stop();
  await settle(pool.clients);
  const verdict = verify(pool.clients);
  const repairs = s.gateways.map((g) => count(g.logs, 'subscriber repaired'));
  report('pubsub-kill', verdict, { kills: KILLS, 'connections-killed': killed, repairs: repairs.join('+') }, [publisher]);

  expectClean(verdict);
  expect(publisher.failures).toEqual([]);
  // both gateways lost their subscriber at every kill and repaired each time
  expect(killed).toBe(2 * KILLS);
  expect(repairs.every((r) => r >= KILLS)).toBe(true);
  expect(pool.clients.filter((c) => c.closes.length > 0).map((c) => c.index)).toEqual([]);
  expect(s.crashed()).toEqual([]);
});
