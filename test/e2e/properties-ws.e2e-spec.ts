/**
 * Property-based tests of the WebSocket gateway (fast-check, fixed seed) against a real gateway and
 * api: arbitrary first frames (seed and JSON hellos with right, wrong and malformed tokens and sinces,
 * JSON of any shape, text, binary, oversized) and arbitrary later frames end only with the documented
 * close codes, a valid hello always authenticates, later frames never close a live socket (except an
 * oversized one, 1009), and the gateway never crashes. Then the classics one by one, and a real publish
 * reaches a socket afterwards.
 *
 * Runs per property: PROPERTY_RUNS (e.g. 2000 for the full profile), else a count that keeps this
 * file well under 90 s on a busy machine.
 */
import fc from 'fast-check';
import { KeySchema } from '@push/redis';
import { AppProcess, deletePrefix, startApp, uniquePrefix, waitFor } from '@push/testing';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { ApiClient, baseEnv, testRedis, WsClient } from './realtime.support';
import { propertyRuns, PROPERTY_SEED } from './properties.support';

jest.setTimeout(300_000);

const RUNS = propertyRuns(300);
fc.configureGlobal({ seed: PROPERTY_SEED, numRuns: RUNS, interruptAfterTimeLimit: 240_000, markInterruptAsFailure: false });

/** WS_MAX_PAYLOAD_BYTES of this file's gateway (the default). */
const MAX_PAYLOAD_BYTES = 64 * 1024;
/** Short, so that the 4408 case does not wait 10 s. */
const AUTH_TIMEOUT_MS = 3_000;

/** Close codes a client may see (README "WebSocket"): the protocol's, ws's own refusals, and a normal close. */
const DOCUMENTED = [4400, 4401, 4408, 1007, 1008, 1009, 1000, 1005] as const;

const prefix = uniquePrefix('properties-ws-e2e');
// thousands of sockets from one address: the per address limits are tested in test/e2e/limits.e2e-spec.ts
const env = baseEnv(prefix, { WS_AUTH_TIMEOUT_MS: String(AUTH_TIMEOUT_MS), MAX_SOCKETS_PER_IP: '0', FAILED_ATTEMPTS_PER_IP: '0' });
let api: AppProcess;
let gateway: AppProcess;
let http: ApiClient;
let redis: Redis;
let keys: KeySchema;
let storedKey: string;

beforeAll(async () => {
  [api, gateway] = await Promise.all([startApp('api', { env }), startApp('gateway', { env })]);
  http = new ApiClient(api);
  redis = await testRedis();
  keys = new KeySchema(prefix);
  const seedClient = await http.newClient();
  storedKey = (await http.publish(seedClient.pushUrl, { title: 'fixture' })).key;
});

afterAll(async () => {
  redis?.disconnect();
  await Promise.all([api, gateway].filter((p) => p !== undefined).map((p) => p.stop()));
  await deletePrefix(prefix);
});

afterEach(() => {
  for (const p of [api, gateway]) {
    if (p.exit !== null) throw new Error(`${p.app} exited (${JSON.stringify(p.exit)}):\n${p.logs.slice(-5000)}`);
  }
});

// ---------------------------------------------------------------------------------------------------
// a socket that records how it ended

interface Outcome {
  /** The close code, or 'open' when the socket was still open after the checks. */
  readonly end: number | 'open';
  readonly helloSeen: boolean;
}

/** A socket that keeps every frame as text (WsClient parses them) and its close code. */
class RawSocket {
  readonly frames: string[] = [];
  closeCode: number | null = null;
  readonly closed: Promise<number>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.frames.push(data.toString()));
    ws.on('error', () => undefined);
    this.closed = new Promise((resolve) => ws.on('close', (code: number) => resolve((this.closeCode = code))));
  }
}

/** Opens a socket to the gateway. */
function open(): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${gateway.port}/`, { perMessageDeflate: false, maxPayload: 10 * 1024 * 1024 });
    const client = new RawSocket(ws);
    ws.once('open', () => resolve(client));
    ws.once('error', reject);
  });
}

/** A ping answered by a pong: every frame sent before it has been read by the server. False when the socket closed first. */
function roundTrip(ws: WebSocket): Promise<boolean> {
  if (ws.readyState !== WebSocket.OPEN) return Promise.resolve(false);
  return within(
    new Promise<boolean>((resolve) => {
      const done = (answered: boolean): void => {
        ws.off('pong', onPong);
        ws.off('close', onClose);
        resolve(answered);
      };
      const onPong = (): void => done(true);
      const onClose = (): void => done(false);
      ws.on('pong', onPong);
      ws.on('close', onClose);
      ws.ping();
    }),
    10_000,
    false,
  );
}

/** The promise's value, or `fallback` after `ms` (the timer is cleared either way, so nothing outlives the test). */
async function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** True once `n` connections subscribe to a user queue's channel: its socket authenticated. */
async function subscribed(userQueueId: string): Promise<boolean> {
  const reply = (await redis.pubsub('NUMSUB', keys.channel(userQueueId))) as [string, number];
  return Number(reply[1]) >= 1;
}

// ---------------------------------------------------------------------------------------------------
// arbitraries

/** What a frame is. */
interface Frame {
  readonly data: Buffer;
  readonly binary: boolean;
}

/** A first frame and what it must lead to: authenticated ('open'), or a close with one of the codes. */
interface FirstFrame {
  readonly make: (token: string) => Frame;
  readonly expect: 'open' | readonly number[];
  readonly form: 'seed' | 'json' | 'other';
}

const text = (s: string): Frame => ({ data: Buffer.from(s), binary: false });

const tokenShaped = fc.stringMatching(/^[A-Za-z0-9_-]{43}$/);
const junk = fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 }), tokenShaped);

const validSince = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constantFrom('0-0', '1-0', '1764260000.5', '1764260000', '99999999999999-0'),
  fc.nat().map((n) => `${n}-${n % 1000}`),
);
const invalidSince = fc.oneof(
  fc.constantFrom('yesterday', '', '-1', '1-', '-0', '1e5', 'NaN', '0x10', '1.2.3', '99999999999999999999999-1'),
  fc.integer(),
  fc.boolean(),
  fc.jsonValue({ maxDepth: 2 }).filter((v) => typeof v !== 'string' && v !== null),
);

/** Extra members of a JSON hello: anything, prototype names included (they must change nothing). */
const extraMembers = fc.dictionary(
  fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'type', 'node')).filter((k) => k !== 'token' && k !== 'since'),
  fc.jsonValue({ maxDepth: 2 }),
  { maxKeys: 3 },
);

const firstFrame: fc.Arbitrary<FirstFrame> = fc.oneof(
  // the seed form with the client's own token, in the spellings the parser takes
  {
    weight: 3,
    arbitrary: fc.tuple(fc.constantFrom('token: ', 'token:', 'token:\t', 'token:  '), fc.constantFrom('', '\n', '\r\n', ' ', '\t'), fc.constantFrom('', ' ', '\n')).map(
      ([head, tail, lead]): FirstFrame => ({ make: (t) => text(`${lead}${head}${t}${tail}`), expect: 'open', form: 'seed' }),
    ),
  },
  // the seed form gone wrong: a foreign or malformed token, another spelling, something after it
  {
    weight: 3,
    arbitrary: fc.tuple(fc.constantFrom('token: ', 'TOKEN: ', 'Token: ', 'token ', 'token=', 'tokens: ', ''), junk, fc.constantFrom('', ' extra', '\u0000')).map(
      ([head, other, tail]): FirstFrame => ({ make: () => text(`${head}${other}${tail}`), expect: [4401], form: 'seed' }),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('TOKEN: ', 'token = ', 'token:: ').map((head): FirstFrame => ({ make: (t) => text(`${head}${t}`), expect: [4401], form: 'seed' })),
  },
  // the JSON hello, valid, with and without since, with extra members
  {
    weight: 4,
    arbitrary: fc.tuple(validSince, extraMembers).map(([since, extra]): FirstFrame => ({
      make: (t) => text(JSON.stringify({ ...extra, token: t, ...(since === undefined ? {} : { since }) })),
      expect: 'open',
      form: 'json',
    })),
  },
  // a valid token with a bad since: 4400
  {
    weight: 2,
    arbitrary: fc.tuple(invalidSince, extraMembers).map(([since, extra]): FirstFrame => ({ make: (t) => text(JSON.stringify({ ...extra, token: t, since })), expect: [4400], form: 'json' })),
  },
  // a JSON hello whose token is wrong: unknown, malformed, not a string, absent
  {
    weight: 3,
    arbitrary: fc.tuple(fc.oneof(junk, fc.jsonValue({ maxDepth: 2 })), fc.oneof(validSince, invalidSince)).map(([token, since]): FirstFrame => ({
      make: () => text(JSON.stringify({ token, since })),
      expect: [4401],
      form: 'json',
    })),
  },
  { weight: 1, arbitrary: fc.constant<FirstFrame>({ make: (t) => text(JSON.stringify([{ token: t }])), expect: [4401], form: 'json' }) },
  { weight: 1, arbitrary: fc.constant<FirstFrame>({ make: (t) => text(JSON.stringify({ token: [t] })), expect: [4401], form: 'json' }) },
  { weight: 1, arbitrary: fc.constant<FirstFrame>({ make: (t) => text(`{"token": "${t}"`), expect: [4401], form: 'json' }) },
  // JSON of any shape, any text, any bytes
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v): FirstFrame => ({ make: () => text(JSON.stringify(v) ?? 'null'), expect: [4401], form: 'other' })) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((s): FirstFrame => ({ make: () => text(s), expect: [4401], form: 'other' })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b): FirstFrame => ({ make: () => ({ data: Buffer.from(b), binary: true }), expect: [4401], form: 'other' })) },
  // the right token in a binary frame is still not a hello
  { weight: 1, arbitrary: fc.constant<FirstFrame>({ make: (t) => ({ data: Buffer.from(`token: ${t}`), binary: true }), expect: [4401], form: 'other' }) },
  // bytes that are not UTF-8 in a text frame: ws refuses them itself
  { weight: 1, arbitrary: fc.constant<FirstFrame>({ make: () => ({ data: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), binary: false }), expect: [1007], form: 'other' }) },
  // oversized
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 5000 }).map((extra): FirstFrame => ({ make: (t) => text(`token: ${t}${' '.repeat(MAX_PAYLOAD_BYTES + extra)}`), expect: [1009], form: 'seed' })) },
);

/** Frames after the hello: ignored by the protocol, except one over the payload limit (1009). */
const laterFrame: fc.Arbitrary<Frame> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 200 }).map(text) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => text(JSON.stringify(v) ?? 'null')) },
  { weight: 1, arbitrary: fc.constantFrom('token: x', '{"token":"x"}', '{"type":"hello"}', '{"event":"x","data":{}}', 'ping').map(text) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b): Frame => ({ data: Buffer.from(b), binary: true })) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: MAX_PAYLOAD_BYTES + 5_000 }).map((n) => text('x'.repeat(n))) },
);
const laterFrames = fc.array(laterFrame, { maxLength: 4 });

// ---------------------------------------------------------------------------------------------------
// the property

async function runCase(first: FirstFrame, later: readonly Frame[]): Promise<Outcome> {
  const needsClient = first.expect === 'open' || (Array.isArray(first.expect) && first.expect.includes(4400));
  const fresh = needsClient ? await http.createClient() : null;
  const token = fresh?.token ?? 'A'.repeat(43);
  const userQueueId = fresh ? /\/queue\/([0-9a-f]{32})\/$/.exec(fresh.queue)?.[1] ?? '' : '';
  const client = await open();
  try {
    const frame = first.make(token);
    client.ws.send(frame.data, { binary: frame.binary });
    if (first.expect !== 'open') {
      const code = await within(client.closed, 15_000, -1);
      return { end: code === -1 ? 'open' : code, helloSeen: false };
    }
    // authenticated: the JSON form says hello, the seed form subscribes its queue's channel
    await waitFor(
      async () => client.closeCode !== null || (first.form === 'json' ? client.frames.some((f) => f.includes('"type":"hello"')) : await subscribed(userQueueId)),
      10_000,
      'the socket to authenticate',
    );
    if (client.closeCode !== null) return { end: client.closeCode, helloSeen: false };
    const helloSeen = client.frames.some((f) => f.includes('"type":"hello"'));
    for (const f of later) client.ws.send(f.data, { binary: f.binary });
    const answered = await roundTrip(client.ws);
    if (!answered || client.closeCode !== null) {
      return { end: await within(client.closed, 5_000, -1), helloSeen };
    }
    client.ws.close(1000);
    return { end: (await client.closed) === 1000 ? 'open' : (client.closeCode ?? -1), helloSeen };
  } finally {
    client.ws.terminate();
  }
}

describe(`WebSocket frames, arbitrary (${RUNS} runs, seed ${PROPERTY_SEED})`, () => {
  it('first and later frames end only in documented ways; a valid hello always authenticates', async () => {
    await fc.assert(
      fc.asyncProperty(firstFrame, laterFrames, async (first, later) => {
        const outcome = await runCase(first, later);
        const sample = first.make('T'.repeat(43)).data.toString().slice(0, 120);
        if (outcome.end !== 'open' && !(DOCUMENTED as readonly number[]).includes(outcome.end)) {
          throw new Error(`closed with ${outcome.end}, not a documented code (first frame ${JSON.stringify(sample)})`);
        }
        if (first.expect === 'open') {
          const oversized = later.some((f) => f.data.length > MAX_PAYLOAD_BYTES);
          const wanted = oversized ? 1009 : 'open';
          if (outcome.end !== wanted) throw new Error(`a valid ${first.form} hello ended ${outcome.end}, wanted ${wanted} (first frame ${JSON.stringify(sample)})`);
          if (first.form === 'json' && !outcome.helloSeen) throw new Error('a JSON hello got no hello frame');
        } else if (!first.expect.includes(outcome.end as number)) {
          throw new Error(`ended ${outcome.end}, wanted ${first.expect.join(' or ')} (first frame ${JSON.stringify(sample)})`);
        }
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// the classics

describe('classic hostile frames', () => {
  async function firstFrameCloses(data: Buffer | string, binary = false): Promise<number> {
    const client = await open();
    client.ws.send(data, { binary });
    return client.closed;
  }

  it('no hello within the auth timeout: 4408', async () => {
    const client = await open();
    expect(await client.closed).toBe(4408);
  });

  it('a frame of exactly the payload limit is read (4401); one byte more is 1009', async () => {
    expect(await firstFrameCloses('x'.repeat(MAX_PAYLOAD_BYTES))).toBe(4401);
    expect(await firstFrameCloses('x'.repeat(MAX_PAYLOAD_BYTES + 1))).toBe(1009);
    expect(await firstFrameCloses(Buffer.alloc(10 * 1024 * 1024, 0x41), true)).toBe(1009);
  });

  it('deeply nested JSON, prototype keys and duplicate keys in the hello', async () => {
    expect(await firstFrameCloses(`${'['.repeat(32_000)}${']'.repeat(32_000)}`)).toBe(4401);
    expect(await firstFrameCloses(`{"token":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`)).toBe(4401);
    const { token } = await http.createClient();
    expect(await firstFrameCloses(`{"__proto__":{"token":"${token}"}}`)).toBe(4401);
    expect(await firstFrameCloses(`{"constructor":{"prototype":{"token":"${token}"}}}`)).toBe(4401);
    // the last duplicate counts, as in JSON.parse
    const client = await open();
    client.ws.send(`{"token":"${'A'.repeat(43)}","token":"${token}","since":"yesterday","since":null}`);
    await waitFor(() => client.frames.some((f) => f.includes('"type":"hello"')), 10_000, 'hello');
    client.ws.close(1000);
    expect(await client.closed).toBe(1000);
  });

  it('a flood of frames after the hello changes nothing; a later oversized one is 1009', async () => {
    const fresh = await http.newClient();
    const client = await WsClient.connect(gateway.url);
    try {
      await client.jsonHello(fresh.token);
      for (let i = 0; i < 2_000; i++) client.ws.send(i % 2 === 0 ? `{"token":"x${i}"}` : Buffer.from([i % 256]), { binary: i % 2 === 1 });
      expect(await roundTrip(client.ws)).toBe(true);
      const sent = await http.publish(fresh.pushUrl, { title: 'after the flood' });
      expect((await client.waitForMessages(1))[0]).toEqual(sent);
      client.ws.send('y'.repeat(MAX_PAYLOAD_BYTES + 1));
      expect((await client.closed).code).toBe(1009);
    } finally {
      client.close();
    }
  });
});

describe('afterwards', () => {
  it('the gateway is alive, logged no error, and a real publish reaches a new socket', async () => {
    expect(gateway.exit).toBeNull();
    expect(api.exit).toBeNull();
    expect(gateway.logs).not.toMatch(/\bERROR\b|internal error/);
    const a = await http.newClient('after.example');
    const b = await http.newClient('after.example');
    const seed = await WsClient.connect(gateway.url);
    const json = await WsClient.connect(gateway.url);
    try {
      seed.seedHello(a.token);
      expect((await json.jsonHello(b.token, storedKey)).recovered).toBe(false);
      await waitFor(() => subscribed(a.userQueueId), 10_000, 'the seed socket to subscribe');
      const toSeed = await http.publish(a.pushUrl, { title: 'after the properties' });
      const toJson = await http.publish(b.pushUrl, { title: 'after the properties' });
      expect((await seed.waitForMessages(1))[0]).toEqual(toSeed);
      expect((await json.waitForMessages(1))[0]).toEqual(toJson);
    } finally {
      seed.close();
      json.close();
    }
  });
});
