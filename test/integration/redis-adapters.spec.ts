import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { Redis } from 'ioredis';
import { keyFromMicros, newUserQueueId, normalizeNotification, parseTimestamp, PushUrlCodec, RateLimitedError } from '@push/domain';
import {
  createRedisClient,
  KeySchema,
  RedisClient,
  RedisClientStore,
  RedisMessageStore,
  RedisNodeRegistry,
  RedisPushUrlStore,
  Retention,
  laneTarget,
  ScriptLane,
} from '@push/redis';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix, waitFor } from '@push/testing';
import { clientStoreContract, messageStoreContract, nodeRegistryContract, pushUrlStoreContract } from '@push/testing/contracts';

// The port contracts against the Redis adapters, on the machine's Redis under a key prefix of this
// file's own (each fixture gets a sub-prefix, so node lists and streams never mix); afterAll deletes
// exactly those keys.

const prefix = uniquePrefix('redis-adapters');
/** The stores' secret: push URL ids are kept in Redis only as digests and sealed values. */
const secrets = new PushUrlCodec('adapter-test-secret-of-at-least-32-chars');
let redis: RedisClient;
let fixtures = 0;

/** A KeySchema of its own for one fixture. */
const freshKeys = (): KeySchema => new KeySchema(`${prefix}${fixtures++}:`);

beforeAll(async () => {
  redis = await createRedisClient(TEST_REDIS_URL, 'push-contract-tests');
});

afterAll(async () => {
  await redis.quit();
  await deletePrefix(prefix);
});

/** The message store's fixture; with a lane, publishes take the publish script's own connection. */
const messageStoreFixture = (lane: () => ScriptLane | null) => async (retention: Retention) => {
  const keys = freshKeys();
  return {
    messages: new RedisMessageStore(redis, keys, retention, secrets, Date.now, lane()),
    pushUrls: new RedisPushUrlStore(redis, keys, secrets),
    async listen(userQueueId: string) {
      const subscriber = await createRedisClient(TEST_REDIS_URL, 'push-contract-subscriber');
      const channel = keys.channel(userQueueId);
      const frames: string[] = [];
      subscriber.on('message', (ch: string, frame: string) => {
        if (ch === channel) frames.push(frame);
      });
      await subscriber.subscribe(channel);
      return {
        frames,
        close: async () => {
          await subscriber.quit();
        },
      };
    },
    // Redis stamps messages with its own TIME, so the store's time can only pass for real
    elapse: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    close: async () => undefined,
  };
};

messageStoreContract('Redis', messageStoreFixture(() => null));

describe('publishing through the publish script lane', () => {
  let lane: ScriptLane | null = null;
  afterAll(() => lane?.close());
  const target = laneTarget(TEST_REDIS_URL);
  messageStoreContract('Redis, publish lane', messageStoreFixture(() => (target === null ? null : (lane ??= new ScriptLane(target, 'push-contract-lane', 2_000)))));
});

pushUrlStoreContract('Redis', async () => ({ pushUrls: new RedisPushUrlStore(redis, freshKeys(), secrets), close: async () => undefined }));

clientStoreContract('Redis', async () => ({ clients: new RedisClientStore(redis, freshKeys()), close: async () => undefined }));

nodeRegistryContract('Redis', async () => ({ nodes: new RedisNodeRegistry(redis, freshKeys()), close: async () => undefined }));

describe('Redis round trips', () => {
  interface Seen {
    readonly args: string[];
    readonly source: string;
  }

  const codec = new PushUrlCodec('round-trip-test-secret-of-at-least-32-chars');
  let monitorBase: Redis;
  let monitor: Redis;
  const seen: Seen[] = [];
  let clientAddress: string;

  beforeAll(async () => {
    monitorBase = new Redis(TEST_REDIS_URL, { lazyConnect: true });
    monitor = await monitorBase.monitor();
    monitor.on('monitor', (_time: string, args: string[], source: string) => seen.push({ args, source }));
    const info = String(await redis.call('CLIENT', 'INFO'));
    const addr = /(?:^|\s)addr=(\S+)/.exec(info)?.[1];
    if (addr === undefined) throw new Error(`no addr in CLIENT INFO: ${info}`);
    clientAddress = addr;
  });

  afterAll(() => {
    monitor.disconnect();
    monitorBase.disconnect();
  });

  /** What our client sent, and what scripts ran on our keys, while `action` ran (MONITOR, between two ECHO markers). */
  async function commandsDuring(keys: KeySchema, action: () => Promise<unknown>): Promise<{ client: string[][]; script: string[][] }> {
    const marker = async (): Promise<number> => {
      const text = `round-trip-marker-${randomBytes(6).toString('hex')}`;
      await redis.echo(text);
      await waitFor(() => seen.some((s) => s.args[1] === text), 5000, `MONITOR to show ${text}`);
      return seen.findIndex((s) => s.args[1] === text);
    };
    const from = await marker();
    await action();
    const to = await marker();
    const window = seen.slice(from + 1, to);
    return {
      client: window.filter((s) => s.source === clientAddress).map((s) => s.args),
      script: window.filter((s) => s.source === 'lua' && s.args.some((a) => a.startsWith(keys.prefix))).map((s) => s.args),
    };
  }

  async function setup(): Promise<{ keys: KeySchema; store: RedisMessageStore; uq: string; pushUrlId: string; publish: () => Promise<string> }> {
    const keys = freshKeys();
    const store = new RedisMessageStore(redis, keys, { maxLen: 1000, publishLimit: { burst: 100, ratePerS: 100 } }, secrets);
    const uq = newUserQueueId();
    const pushUrlId = await new RedisPushUrlStore(redis, keys, secrets).findOrCreate(uq, 'example.com', codec.seal(uq));
    const { json } = normalizeNotification({ title: 'one trip', replaceId: 'r' });
    const publish = async (): Promise<string> => {
      const stored = await store.publish(uq, pushUrlId, `https://push.test/queue/${pushUrlId}/`, json, 'r');
      if (stored === null) throw new Error('publish refused');
      return stored.key;
    };
    return { keys, store, uq, pushUrlId, publish };
  }

  it('one publish is one command from the client (EVALSHA); the script checks, appends (length-capped) and publishes', async () => {
    const { keys, uq, pushUrlId, publish } = await setup();
    // the first call of a script may need EVALSHA + EVAL (NOSCRIPT) to load it; from then on it is one command
    await publish();
    const { client, script } = await commandsDuring(keys, publish);
    expect(client.map((args) => args[0].toLowerCase())).toEqual(['evalsha']);
    const [evalsha] = client;
    const scriptKeys = evalsha.slice(3, 3 + Number(evalsha[2]));
    expect(scriptKeys).toEqual([keys.stream(uq), keys.pushUrls(uq), keys.channel(uq), keys.publishBucket(uq, secrets.digest(pushUrlId))]);
    // every key of the script shares the user queue's hash tag, so it runs unchanged on Redis Cluster
    for (const k of scriptKeys) expect(k).toContain(`{u:${uq}}`);
    // the key names never show the push URL id (its digest names the bucket)
    for (const k of scriptKeys) expect(k).not.toContain(pushUrlId);
    // live check, the push URL's publish bucket (read, then take a token), append, publish: no XTRIM (age is the monitor's)
    expect(script.map((args) => args[0].toLowerCase())).toEqual(['hexists', 'get', 'set', 'xadd', 'publish']);
  });

  it('without a publish limit the script has no bucket: three keys, and retention is in its text, not its arguments', async () => {
    const keys = freshKeys();
    const store = new RedisMessageStore(redis, keys, { maxLen: 7, publishLimit: { burst: 0, ratePerS: 0 } }, secrets);
    const uq = newUserQueueId();
    const pushUrlId = await new RedisPushUrlStore(redis, keys, secrets).findOrCreate(uq, 'example.com', codec.seal(uq));
    const { json } = normalizeNotification({ title: 'unlimited' });
    const publish = async (): Promise<void> => {
      if ((await store.publish(uq, pushUrlId, `https://push.test/queue/${pushUrlId}/`, json)) === null) throw new Error('publish refused');
    };
    await publish();
    const { client, script } = await commandsDuring(keys, publish);
    expect(client.map((args) => args[0].toLowerCase())).toEqual(['evalsha']);
    const [evalsha] = client;
    expect(evalsha.slice(3, 3 + Number(evalsha[2]))).toEqual([keys.stream(uq), keys.pushUrls(uq), keys.channel(uq)]);
    // digest, sealed push URL, push URL JSON, notification JSON, replaceId
    expect(evalsha.length - 3 - Number(evalsha[2])).toBe(5);
    expect(script.map((args) => args[0].toLowerCase())).toEqual(['hexists', 'xadd', 'publish']);
    // the retention written into the text is the store's
    expect(script.find((args) => args[0].toLowerCase() === 'xadd')?.slice(2, 4)).toEqual(['MAXLEN', '7']);
    for (let i = 0; i < 10; i++) await publish();
    expect(await redis.xlen(keys.stream(uq))).toBe(7);
  });

  it("stamps key and timestamp from one TIME reading, in the published frame as in the answer and the stream", async () => {
    // the script builds both from TIME's text (microseconds padded to six digits): hundreds of publishes
    // cover readings below 100,000 µs and keys whose last three digits have leading zeros
    const { keys, uq, pushUrlId } = await setup();
    const store = new RedisMessageStore(redis, keys, { maxLen: 1000 }, secrets);
    const subscriber = await createRedisClient(TEST_REDIS_URL, 'push-stamp-subscriber');
    const frames: string[] = [];
    subscriber.on('message', (_ch: string, frame: string) => frames.push(frame));
    await subscriber.subscribe(keys.channel(uq));
    const url = `https://push.test/queue/${pushUrlId}/`;
    const { json } = normalizeNotification({ title: 'stamp' });
    const answers = [];
    try {
      for (let i = 0; i < 300; i++) {
        const stored = await store.publish(uq, pushUrlId, url, json);
        if (stored === null) throw new Error('publish refused');
        answers.push(stored);
        // spread the readings over the microseconds of a second
        if (i % 30 === 0) await new Promise((resolve) => setTimeout(resolve, 1 + (i % 7) * 13));
      }
      await waitFor(() => frames.length === answers.length);
    } finally {
      await subscriber.quit();
    }
    const stored = (await redis.xrange(keys.stream(uq), '-', '+')) as [string, string[]][];
    expect(stored.map(([id]) => id)).toEqual(answers.map((a) => a.key));
    answers.forEach((a, i) => {
      expect(a.key).toBe(keyFromMicros(parseTimestamp(a.timestamp) ?? -1));
      expect(frames[i]).toBe(a.frame);
      expect(JSON.parse(frames[i])).toEqual({ key: a.key, timestamp: a.timestamp, queue: url, body: JSON.parse(json) });
    });
  });

  it('a stamp not after the last id (same microsecond, clock stepped back) moves just past it', async () => {
    const { keys, uq, publish } = await setup();
    const first = await publish();
    // an entry a minute ahead of Redis's clock: the next stamp is behind it
    const aheadMs = Number(first.split('-')[0]) + 60_000;
    await redis.xadd(keys.stream(uq), `${aheadMs}-998`, 'q', 'x', 'b', '{"title":"ahead"}');
    const { script } = await commandsDuring(keys, publish);
    expect(script.map((args) => args[0].toLowerCase())).toEqual(['hexists', 'get', 'set', 'xadd', 'xinfo', 'xadd', 'publish']);
    const [newest] = (await redis.xrevrange(keys.stream(uq), '+', '-', 'COUNT', 1)) as [string, string[]][];
    expect(newest[0]).toBe(`${aheadMs}-999`);
    expect(await publish()).toBe(`${aheadMs + 1}-0`);
  });

  it('a publish refused by its push URL limit is one command too, and stores and publishes nothing', async () => {
    const keys = freshKeys();
    const store = new RedisMessageStore(redis, keys, { maxLen: 1000, publishLimit: { burst: 1, ratePerS: 1 } }, secrets);
    const uq = newUserQueueId();
    const pushUrlId = await new RedisPushUrlStore(redis, keys, secrets).findOrCreate(uq, 'example.com', codec.seal(uq));
    const { json } = normalizeNotification({ title: 'limited' });
    const publish = () => store.publish(uq, pushUrlId, `https://push.test/queue/${pushUrlId}/`, json);
    await publish();
    let refusal: unknown = null;
    const { client, script } = await commandsDuring(keys, () => publish().catch((err: unknown) => (refusal = err)));
    expect(refusal).toBeInstanceOf(RateLimitedError);
    expect((refusal as RateLimitedError).retryAfterS).toBe(1);
    expect(client.map((args) => args[0].toLowerCase())).toEqual(['evalsha']);
    expect(script.map((args) => args[0].toLowerCase())).toEqual(['hexists', 'get']);
  });

  it('one read marker is one command from the client too', async () => {
    const { keys, store, uq, publish } = await setup();
    const key = await publish();
    await store.markRead(uq, key, `https://push.test/queue/${uq}/`);
    const next = await publish();
    const { client, script } = await commandsDuring(keys, () => store.markRead(uq, next, `https://push.test/queue/${uq}/`));
    expect(client.map((args) => args[0].toLowerCase())).toEqual(['evalsha']);
    expect(script.map((args) => args[0].toLowerCase())).toEqual(['xrange', 'xadd', 'publish']);
  });
});

describe('publishes issued in one turn of the event loop', () => {
  const codec = new PushUrlCodec('one-turn-test-secret-of-at-least-32-chars');

  it('leave through the publish lane in one write to Redis, and each gets its own answer', async () => {
    const target = laneTarget(TEST_REDIS_URL);
    if (target === null) throw new Error('expected a single-server REDIS_URL');
    const lane = new ScriptLane(target, 'push-one-turn-test', 2_000);
    const single = jest.spyOn(Socket.prototype, '_write');
    const vectored = jest.spyOn(Socket.prototype, '_writev');
    try {
      const keys = freshKeys();
      const store = new RedisMessageStore(redis, keys, { maxLen: 1000 }, secrets, Date.now, lane);
      const uq = newUserQueueId();
      const pushUrlId = await new RedisPushUrlStore(redis, keys, secrets).findOrCreate(uq, 'example.com', codec.seal(uq));
      const url = `https://push.test/queue/${pushUrlId}/`;
      const publish = (n: number): Promise<string> =>
        store.publish(uq, pushUrlId, url, normalizeNotification({ title: `turn ${n}` }).json).then((m) => m?.key ?? 'refused');
      await publish(0); // opens the lane and sends the script in full (EVAL)
      single.mockClear();
      vectored.mockClear();
      const keysStored = await Promise.all(Array.from({ length: 20 }, (_, i) => publish(i + 1)));
      expect(single.mock.calls.length + vectored.mock.calls.length).toBe(1);
      expect(new Set(keysStored).size).toBe(20);
      expect(keysStored).not.toContain('refused');
      const entries = await redis.xrange(keys.stream(uq), '-', '+');
      expect(entries.map(([id]) => id)).toEqual(expect.arrayContaining(keysStored));
      expect(entries).toHaveLength(21);
      // the next turn's publish is written in its own turn, not held back
      single.mockClear();
      vectored.mockClear();
      await publish(21);
      expect(single.mock.calls.length + vectored.mock.calls.length).toBe(1);
    } finally {
      single.mockRestore();
      vectored.mockRestore();
      lane.close();
    }
  });
});

describe('publishes to different user queues in one turn of the event loop', () => {
  const codec = new PushUrlCodec('batch-test-secret-of-at-least-32-chars!');

  /** A lane, a store on it with `retention`, and `count` user queues with a live push URL each. */
  async function setUp(retention: Retention, count: number) {
    const target = laneTarget(TEST_REDIS_URL);
    if (target === null) throw new Error('expected a single-server REDIS_URL');
    const lane = new ScriptLane(target, 'push-batch-test', 2_000);
    const keys = freshKeys();
    const store = new RedisMessageStore(redis, keys, retention, secrets, Date.now, lane);
    const pushUrls = new RedisPushUrlStore(redis, keys, secrets);
    const queues = await Promise.all(
      Array.from({ length: count }, async () => {
        const uq = newUserQueueId();
        const id = await pushUrls.findOrCreate(uq, 'example.com', codec.seal(uq));
        return { uq, id, url: `https://push.test/queue/${id}/` };
      }),
    );
    const publish = (q: { uq: string; id: string; url: string }, title: string) =>
      store.publish(q.uq, q.id, q.url, normalizeNotification({ title }).json);
    return { lane, keys, store, pushUrls, queues, publish };
  }

  it('share one script call, each with its own answer, and a second publish to a queue goes after the first', async () => {
    const { lane, keys, pushUrls, queues, publish } = await setUp({ maxLen: 1000 }, 6);
    const run = jest.spyOn(lane, 'run');
    try {
      const [a, b, c, dead, wrong, f] = queues as [(typeof queues)[0], (typeof queues)[0], (typeof queues)[0], (typeof queues)[0], (typeof queues)[0], (typeof queues)[0]];
      await publish(a, 'warm-up'); // opens the lane
      await pushUrls.revoke(dead.uq, dead.id);
      // a stream key holding a string: XADD fails there with WRONGTYPE, for that publish only
      await redis.set(keys.stream(wrong.uq), 'not a stream');
      run.mockClear();
      const answers = await Promise.allSettled([publish(a, 'a1'), publish(b, 'b'), publish(c, 'c'), publish(dead, 'dead'), publish(wrong, 'wrong'), publish(f, 'f'), publish(a, 'a2')]);
      // the first six in one call of the batch script (3 keys each), the second to `a` in a call of its own after it
      expect(run.mock.calls.map((call) => call[2] ?? 3)).toEqual([18, 3]);
      const [a1, bb, cc, deadAnswer, wrongAnswer, ff, a2] = answers;
      for (const ok of [a1, bb, cc, ff, a2]) expect(ok).toMatchObject({ status: 'fulfilled', value: { key: expect.stringMatching(/^\d+-\d+$/) } });
      expect(deadAnswer).toEqual({ status: 'fulfilled', value: null });
      expect(wrongAnswer).toMatchObject({ status: 'rejected', reason: { message: expect.stringContaining('WRONGTYPE') } });
      const keyOf = (r: PromiseSettledResult<unknown>): string => ((r as PromiseFulfilledResult<{ key: string }>).value).key;
      const streamA = await redis.xrange(keys.stream(a.uq), '-', '+');
      expect(streamA.map(([id]) => id).slice(1)).toEqual([keyOf(a1), keyOf(a2)]);
      for (const q of [b, c, f]) expect(await redis.xlen(keys.stream(q.uq))).toBe(1);
      expect(await redis.exists(keys.stream(dead.uq))).toBe(0);
      expect(await redis.get(keys.stream(wrong.uq))).toBe('not a stream');
    } finally {
      run.mockRestore();
      lane.close();
    }
  });

  it('each meet their own push URL publish limit', async () => {
    const { lane, queues, publish } = await setUp({ maxLen: 1000, publishLimit: { burst: 1, ratePerS: 1 } }, 3);
    try {
      const [x, y, z] = queues as [(typeof queues)[0], (typeof queues)[0], (typeof queues)[0]];
      await publish(y, 'takes y\'s only token');
      const [xx, yy, zz] = await Promise.allSettled([publish(x, 'x'), publish(y, 'y'), publish(z, 'z')]);
      expect(xx).toMatchObject({ status: 'fulfilled', value: { key: expect.any(String) } });
      expect(zz).toMatchObject({ status: 'fulfilled', value: { key: expect.any(String) } });
      expect(yy).toMatchObject({ status: 'rejected', reason: expect.any(RateLimitedError) });
    } finally {
      lane.close();
    }
  });

  it('all fail when the lane cannot send them', async () => {
    const { lane, queues, publish } = await setUp({ maxLen: 1000 }, 2);
    const [x, y] = queues as [(typeof queues)[0], (typeof queues)[0]];
    await publish(x, 'opens the lane');
    lane.close();
    const settled = await Promise.allSettled([publish(x, 'x'), publish(y, 'y')]);
    expect(settled.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});

describe('commands issued in one turn of the event loop on a connection of createRedisClient', () => {
  it('leave in one write, each gets its own reply, and the next turn is not held back', async () => {
    const keys = freshKeys();
    const single = jest.spyOn(Socket.prototype, '_write');
    const vectored = jest.spyOn(Socket.prototype, '_writev');
    try {
      const k = (i: number): string => `${keys.prefix}turn:${i}`;
      await redis.set(k(0), 'v0');
      single.mockClear();
      vectored.mockClear();
      // what a gateway does for many sockets at once: look-ups, a read, a write, a pipeline
      const replies = await Promise.all([
        ...Array.from({ length: 10 }, (_, i) => redis.set(k(i + 1), `v${i + 1}`)),
        ...Array.from({ length: 11 }, (_, i) => redis.get(k(i))),
        redis.pipeline().incr(k(100)).incr(k(100)).exec(),
      ]);
      expect(single.mock.calls.length + vectored.mock.calls.length).toBe(1);
      expect(replies.slice(0, 10)).toEqual(Array(10).fill('OK'));
      // GETs written after the SETs of the same turn see them: order on the connection is kept
      expect(replies.slice(10, 21)).toEqual(Array.from({ length: 11 }, (_, i) => `v${i}`));
      expect(replies[21]).toEqual([
        [null, 1],
        [null, 2],
      ]);
      single.mockClear();
      vectored.mockClear();
      expect(await redis.get(k(5))).toBe('v5');
      expect(single.mock.calls.length + vectored.mock.calls.length).toBe(1);
    } finally {
      single.mockRestore();
      vectored.mockRestore();
    }
  });
});

describe('push URL ids at rest', () => {
  const codec = new PushUrlCodec('at-rest-test-secret-of-at-least-32-chars');

  it('stores neither a push URL id nor a push URL in plain text, and reads both back exactly', async () => {
    const keys = freshKeys();
    const pushUrls = new RedisPushUrlStore(redis, keys, secrets);
    const store = new RedisMessageStore(redis, keys, { maxLen: 1000 }, secrets);
    const uq = newUserQueueId();
    const id = await pushUrls.findOrCreate(uq, 'example.com', codec.seal(uq));
    const url = `https://push.test/queue/${id}/`;
    const { json } = normalizeNotification({ title: 'sealed' });
    const stored = await store.publish(uq, id, url, json);
    expect(stored?.frame).toContain(JSON.stringify(url));
    const raw = JSON.stringify([await redis.hgetall(keys.pushUrls(uq)), await redis.xrange(keys.stream(uq), '-', '+')]);
    expect(raw).not.toContain(id);
    expect(raw).not.toContain(Buffer.from(id, 'base64url').toString('hex'));
    expect(await pushUrls.list(uq)).toEqual({ 'example.com': id });
    expect((await store.history(uq, null, 10)).map((m) => m.queue)).toEqual([url]);
    expect(await pushUrls.revoke(uq, id)).toBe(true);
    expect(await store.publish(uq, id, url, json)).toBeNull();
  });
});
