/**
 * A backlog past retention: a client is offline while more than STREAM_MAX_LEN messages are published
 * to it. When it resumes, the hello says `recovered: false` (never a silent gap), and what it then gets
 * is exactly what the queue still holds (the newest STREAM_MAX_LEN), in order, once. A client offline
 * for fewer messages resumes with `recovered: true` and misses nothing.
 */
import { waitFor } from '@push/testing';
import { compareKeys } from '../e2e/realtime.support';
import { atScale, ChaosClient, ChaosStack, ClientPool, expectClean, Publisher, report, settle, verify } from './chaos.harness';

jest.setTimeout(atScale(120_000, 600_000));

/** The default retention, as a deployment runs it. */
const STREAM_MAX_LEN = 1_000;
const OVERFLOWED = atScale(2, 20);
const WITHIN = atScale(2, 20);
const OVER_BY = 200;
const RATE_PER_S = atScale(300, 1_000);

let stack: ChaosStack | undefined;
let pool: ClientPool | undefined;

afterAll(async () => {
  pool?.stop();
  await stack?.stop();
});

async function publishEach(clients: readonly ChaosClient[], perClient: number): Promise<Publisher> {
  const publisher = new Publisher(clients, RATE_PER_S).start();
  await waitFor(() => publisher.sent >= perClient * clients.length, 600_000, `${perClient} publishes to each of ${clients.length} clients`, 20);
  await publisher.stop();
  return publisher;
}

it(`a client offline for more than STREAM_MAX_LEN (${STREAM_MAX_LEN}) messages resumes with recovered: false, then gets what is kept`, async () => {
  stack = await ChaosStack.start({ name: 'backlog', gateways: 1, env: { STREAM_MAX_LEN: String(STREAM_MAX_LEN) } });
  const s = stack;
  pool = await ClientPool.create(s, OVERFLOWED + WITHIN);
  await pool.connectAll();
  const overflowed = pool.clients.slice(0, OVERFLOWED);
  const within = pool.clients.slice(OVERFLOWED);

  const online = await publishEach(pool.clients, 5);
  await settle(pool.clients, 10_000);
  expectClean(verify(pool.clients));
  const deliveredBefore = new Map(pool.clients.map((c) => [c.index, c.delivered.length]));

  for (const c of pool.clients) c.goOffline();
  const overPublisher = await publishEach(overflowed, STREAM_MAX_LEN + OVER_BY);
  const withinPublisher = await publishEach(within, STREAM_MAX_LEN - OVER_BY);
  const hellos = await Promise.all(pool.clients.map((c) => c.goOnline()));
  await settle(within, 30_000);
  // the overflowed ones get the kept tail: wait until their newest acknowledged key arrived
  await waitFor(() => overflowed.every((c) => c.lastKey === c.acked.map((a) => a.key).sort(compareKeys).at(-1)), 30_000, 'the kept tail replayed', 50);

  const verdictWithin = verify(within);
  const verdictOver = verify(overflowed);
  const trimmed = overflowed.map((c) => c.acked.length - c.delivered.length);
  const all = verify(pool.clients);
  const signalled = trimmed.reduce((a, b) => a + b, 0);
  report(
    'backlog-past-retention',
    // the trimmed messages are not lost silently: the hello said recovered: false
    { ...all, lost: all.lost - signalled },
    {
      'trimmed-and-signalled': signalled,
      'stream-max-len': STREAM_MAX_LEN,
      'overflowed-clients': OVERFLOWED,
      'recovered-false': hellos.slice(0, OVERFLOWED).filter((h) => !h.recovered).length,
      'trimmed-per-client': [...new Set(trimmed)].join('/'),
      'within-clients': WITHIN,
      'recovered-true': hellos.slice(OVERFLOWED).filter((h) => h.recovered).length,
    },
    [online, overPublisher, withinPublisher],
  );

  // within retention: resumed, recovered, nothing lost
  expect(hellos.slice(OVERFLOWED).map((h) => h.recovered)).toEqual(within.map(() => true));
  expectClean(verdictWithin);
  // past retention: the hello says so, and the replay is exactly the kept tail, in order, once
  expect(hellos.slice(0, OVERFLOWED).map((h) => h.recovered)).toEqual(overflowed.map(() => false));
  expect(verdictOver.duplicated + verdictOver.outOfOrder + verdictOver.unacked).toBe(0);
  for (const c of overflowed) {
    const ackedKeys = c.acked.map((a) => a.key).sort(compareKeys);
    const replayed = c.delivered.slice(deliveredBefore.get(c.index));
    expect(replayed).toEqual(ackedKeys.slice(-STREAM_MAX_LEN));
    expect(c.delivered.slice(0, deliveredBefore.get(c.index))).toEqual(ackedKeys.slice(0, deliveredBefore.get(c.index)));
  }
  expect([overPublisher, withinPublisher, online].flatMap((p) => p.failures)).toEqual([]);
  expect(s.crashed()).toEqual([]);
});
