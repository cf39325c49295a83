import {
  BucketLimit,
  compareKeys,
  DomainError,
  Message,
  MessageStore,
  newUserQueueId,
  normalizeNotification,
  parseKey,
  parseSince,
  parseTimestamp,
  PushUrlCodec,
  PushUrlStore,
  RateLimitedError,
  StoredMessage,
  timestampFromKey,
} from '@push/domain';
import { waitFor } from '../wait-for';

/** Retention a message store is built with (RedisMessageStore's and InMemoryMessageStore's shape). */
export interface ContractRetention {
  readonly maxLen: number;
  /** Token bucket of each push URL's publishes; absent = no limit. */
  readonly publishLimit?: BucketLimit;
}

/** Frames routed to one user queue, as a gateway subscribed to its channel receives them. */
export interface FrameTap {
  /** Every frame received so far, in order. */
  readonly frames: readonly string[];
  close(): Promise<void>;
}

/** One setup of the MessageStore port: the store, the push URL store whose liveness publish checks, and controls. */
export interface MessageStoreFixture {
  readonly messages: MessageStore;
  /** Shares state with `messages`: a push URL created here is live for publish. */
  readonly pushUrls: PushUrlStore;
  /** Starts receiving the frames routed to a user queue; resolves once it is listening. */
  listen(userQueueId: string): Promise<FrameTap>;
  /** Lets `ms` of the store's time pass: a fake moves its clock; Redis stamps with its own TIME, so it waits. */
  elapse(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** Builds a fresh, empty fixture with the given retention. */
export type MessageStoreFactory = (retention: ContractRetention) => Promise<MessageStoreFixture>;

const DEFAULT_RETENTION: ContractRetention = { maxLen: 1000 };
const BASE = 'https://push.test';
const codec = new PushUrlCodec('contract-suite-secret-of-at-least-32-chars');

/** A user queue with one live push URL, and helpers that publish through it. */
interface Queue {
  readonly fx: MessageStoreFixture;
  readonly userQueueId: string;
  readonly pushUrlId: string;
  readonly pushUrl: string;
  readonly userQueueUrl: string;
  publish(title: string, extra?: { body?: string; actionUrl?: string; replaceId?: string }): Promise<StoredMessage>;
  history(since?: string, limit?: number): Promise<Message[]>;
}

const titles = (messages: readonly Message[]): string[] => messages.map((m) => ('title' in m.body ? m.body.title : `read:${m.body.read}`));
const micros = (timestamp: string): number => parseTimestamp(timestamp) ?? Number.NaN;

/**
 * The MessageStore contract: what the api and gateway rely on, whichever adapter stores the user
 * queues. Run it against every implementation (socket.io-redis-adapter's test runner runs one suite
 * over several setups the same way).
 */
export function messageStoreContract(name: string, factory: MessageStoreFactory): void {
  describe(`MessageStore contract: ${name}`, () => {
    const open: MessageStoreFixture[] = [];
    const taps: FrameTap[] = [];

    afterEach(async () => {
      await Promise.all(taps.splice(0).map((t) => t.close()));
      await Promise.all(open.splice(0).map((f) => f.close()));
    });

    async function fixture(retention: ContractRetention = DEFAULT_RETENTION): Promise<MessageStoreFixture> {
      const fx = await factory(retention);
      open.push(fx);
      return fx;
    }

    async function queue(fx: MessageStoreFixture, domain = 'example.com'): Promise<Queue> {
      const userQueueId = newUserQueueId();
      const pushUrlId = await fx.pushUrls.findOrCreate(userQueueId, domain, codec.seal(userQueueId));
      const pushUrl = `${BASE}/queue/${pushUrlId}/`;
      return {
        fx,
        userQueueId,
        pushUrlId,
        pushUrl,
        userQueueUrl: `${BASE}/queue/${userQueueId}/`,
        async publish(title, extra = {}) {
          const { json } = normalizeNotification({ title, ...extra });
          const stored = await fx.messages.publish(userQueueId, pushUrlId, pushUrl, json, extra.replaceId);
          if (stored === null) throw new Error(`publish of "${title}" was refused`);
          return stored;
        },
        history: (since, limit = 100) => fx.messages.history(userQueueId, since === undefined ? null : parseSince(since), limit),
      };
    }

    async function tap(fx: MessageStoreFixture, userQueueId: string): Promise<FrameTap> {
      const t = await fx.listen(userQueueId);
      taps.push(t);
      return t;
    }

    async function publishMany(q: Queue, count: number, prefix = 'm'): Promise<StoredMessage[]> {
      const out: StoredMessage[] = [];
      for (let i = 0; i < count; i++) out.push(await q.publish(`${prefix}${i}`));
      return out;
    }

    describe('publish', () => {
      it('stores the notification and returns its key, timestamp and wire frame', async () => {
        const q = await queue(await fixture());
        const stored = await q.publish('hello', { body: 'hi', actionUrl: 'https://example.com/a', replaceId: 'inbox' });
        const parts = parseKey(stored.key);
        expect(parts).not.toBeNull();
        expect(stored.timestamp).toBe(timestampFromKey(parts!));
        expect(stored.timestamp).toMatch(/^\d+\.\d{6}$/);
        const [message] = await q.history();
        expect(message).toEqual({
          key: stored.key,
          timestamp: stored.timestamp,
          queue: q.pushUrl,
          body: { title: 'hello', body: 'hi', actionUrl: 'https://example.com/a', replaceId: 'inbox' },
        });
        expect(JSON.parse(stored.frame)).toEqual(message);
      });

      it('writes the frame with the fields in wire order and the body exactly as given', async () => {
        const q = await queue(await fixture());
        const { json } = normalizeNotification({ title: 'ünïcødé "quoted" </script>', body: '🔔' });
        const stored = await q.fx.messages.publish(q.userQueueId, q.pushUrlId, q.pushUrl, json);
        expect(stored!.frame).toBe(`{"key":"${stored!.key}","timestamp":"${stored!.timestamp}","queue":${JSON.stringify(q.pushUrl)},"body":${json}}`);
      });

      it('refuses a revoked push URL and stores nothing', async () => {
        const q = await queue(await fixture());
        expect(await q.fx.pushUrls.revoke(q.userQueueId, q.pushUrlId)).toBe(true);
        const { json } = normalizeNotification({ title: 'late' });
        expect(await q.fx.messages.publish(q.userQueueId, q.pushUrlId, q.pushUrl, json)).toBeNull();
        expect(await q.fx.messages.lastKey(q.userQueueId)).toBeNull();
        expect(await q.history()).toEqual([]);
      });

      it('refuses a push URL id that is not one of this user queue', async () => {
        const fx = await fixture();
        const a = await queue(fx);
        const b = await queue(fx);
        const { json } = normalizeNotification({ title: 'crossed' });
        expect(await fx.messages.publish(b.userQueueId, a.pushUrlId, a.pushUrl, json)).toBeNull();
        expect(await fx.messages.publish(a.userQueueId, codec.seal(a.userQueueId), a.pushUrl, json)).toBeNull();
        expect(await b.history()).toEqual([]);
        expect(await a.history()).toEqual([]);
      });

      it('keeps user queues apart', async () => {
        const fx = await fixture();
        const a = await queue(fx);
        const b = await queue(fx);
        await a.publish('for a');
        await b.publish('for b');
        expect(titles(await a.history())).toEqual(['for a']);
        expect(titles(await b.history())).toEqual(['for b']);
      });

      it('gives strictly increasing keys and timestamps, even for many publishes in one millisecond', async () => {
        const q = await queue(await fixture());
        const count = 300;
        const stored = await Promise.all(Array.from({ length: count }, (_, i) => q.publish(`burst ${i}`)));
        expect(new Set(stored.map((s) => s.key)).size).toBe(count);
        expect(new Set(stored.map((s) => s.timestamp)).size).toBe(count);
        const all = await q.history(undefined, count);
        expect(all).toHaveLength(count);
        for (let i = 1; i < all.length; i++) {
          expect(compareKeys(parseKey(all[i - 1].key)!, parseKey(all[i].key)!)).toBeLessThan(0);
          expect(micros(all[i].timestamp)).toBeGreaterThan(micros(all[i - 1].timestamp));
        }
        for (const m of all) {
          expect(parseKey(m.key)!.seq).toBeLessThan(1000);
          expect(m.timestamp).toBe(timestampFromKey(parseKey(m.key)!));
        }
        const msOf = all.map((m) => parseKey(m.key)!.ms);
        expect(new Set(msOf).size).toBeLessThan(count);
      });

      it('routes the frame to listeners of the user queue, and only there', async () => {
        const fx = await fixture();
        const a = await queue(fx);
        const b = await queue(fx);
        const tapA = await tap(fx, a.userQueueId);
        const tapB = await tap(fx, b.userQueueId);
        const one = await a.publish('one');
        await a.fx.pushUrls.revoke(a.userQueueId, a.pushUrlId);
        const { json } = normalizeNotification({ title: 'refused' });
        expect(await fx.messages.publish(a.userQueueId, a.pushUrlId, a.pushUrl, json)).toBeNull();
        const other = await b.publish('two');
        // frames of one channel arrive in order: once b's frame is in, a's would have been too
        await waitFor(() => tapB.frames.length === 1 && tapA.frames.length >= 1, 5000, 'routed frames');
        expect(tapA.frames).toEqual([one.frame]);
        expect(tapB.frames).toEqual([other.frame]);
      });
    });

    describe('markRead', () => {
      it('appends a read marker with the user queue URL as its queue, and routes it', async () => {
        const q = await queue(await fixture());
        const t = await tap(q.fx, q.userQueueId);
        const m = await q.publish('to read');
        const marker = await q.fx.messages.markRead(q.userQueueId, m.key, q.userQueueUrl);
        expect(marker).not.toBeNull();
        expect(compareKeys(parseKey(marker!.key)!, parseKey(m.key)!)).toBeGreaterThan(0);
        const all = await q.history();
        expect(all).toHaveLength(2);
        expect(all[1]).toEqual({ key: marker!.key, timestamp: marker!.timestamp, queue: q.userQueueUrl, body: { read: m.key } });
        expect(JSON.parse(marker!.frame)).toEqual(all[1]);
        await waitFor(() => t.frames.length === 2, 5000, 'routed frames');
        expect(t.frames).toEqual([m.frame, marker!.frame]);
        expect(await q.fx.messages.lastKey(q.userQueueId)).toBe(marker!.key);
      });

      it('refuses a key the user queue does not hold', async () => {
        const q = await queue(await fixture());
        const m = await q.publish('only');
        const parts = parseKey(m.key)!;
        for (const missing of ['0-0', '1-0', `${parts.ms}-${parts.seq + 1}`, `${parts.ms + 1000}-0`]) {
          expect(await q.fx.messages.markRead(q.userQueueId, missing, q.userQueueUrl)).toBeNull();
        }
        expect(await q.fx.messages.markRead(newUserQueueId(), m.key, q.userQueueUrl)).toBeNull();
        expect(await q.fx.messages.lastKey(q.userQueueId)).toBe(m.key);
      });

      it('refuses the key of a read marker', async () => {
        const q = await queue(await fixture());
        const m = await q.publish('read me');
        const marker = await q.fx.messages.markRead(q.userQueueId, m.key, q.userQueueUrl);
        expect(await q.fx.messages.markRead(q.userQueueId, marker!.key, q.userQueueUrl)).toBeNull();
        expect(await q.history()).toHaveLength(2);
      });

      it('refuses a message that was trimmed away', async () => {
        const q = await queue(await fixture({ maxLen: 2 }));
        const [first] = await publishMany(q, 3);
        expect(await q.fx.messages.markRead(q.userQueueId, first.key, q.userQueueUrl)).toBeNull();
      });
    });

    describe('history', () => {
      it('is empty for a user queue that holds nothing', async () => {
        const fx = await fixture();
        expect(await fx.messages.history(newUserQueueId(), null, 20)).toEqual([]);
        expect(await fx.messages.history(newUserQueueId(), parseSince('0-0'), 20)).toEqual([]);
      });

      it('without since: the newest `limit` messages, oldest first', async () => {
        const q = await queue(await fixture());
        await publishMany(q, 5);
        expect(titles(await q.history(undefined, 3))).toEqual(['m2', 'm3', 'm4']);
        expect(titles(await q.history(undefined, 10))).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
        expect(titles(await q.history(undefined, 1))).toEqual(['m4']);
      });

      it('since a timestamp: that message and the ones after it (inclusive)', async () => {
        const q = await queue(await fixture());
        const s = await publishMany(q, 5);
        expect(titles(await q.history(s[2].timestamp))).toEqual(['m2', 'm3', 'm4']);
        expect(titles(await q.history(s[0].timestamp))).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
        expect(titles(await q.history(s[4].timestamp))).toEqual(['m4']);
      });

      it('since a timestamp a fraction of a microsecond after a message: not that message', async () => {
        const q = await queue(await fixture());
        const s = await publishMany(q, 3);
        expect(titles(await q.history(`${s[1].timestamp}1`))).toEqual(['m2']);
      });

      it('since a timestamp before everything or after everything', async () => {
        const q = await queue(await fixture());
        const s = await publishMany(q, 2);
        expect(titles(await q.history('0'))).toEqual(['m0', 'm1']);
        const later = ((micros(s[1].timestamp) + 1_000_000) / 1_000_000).toFixed(6);
        expect(await q.history(later)).toEqual([]);
      });

      it('since a key: the messages after it (exclusive), for resuming', async () => {
        const q = await queue(await fixture());
        const s = await publishMany(q, 5);
        expect(titles(await q.history(s[2].key))).toEqual(['m3', 'm4']);
        expect(titles(await q.history(s[4].key))).toEqual([]);
        expect(titles(await q.history('0-0'))).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
      });

      it('with since: the first `limit` after it, so a client pages forward', async () => {
        const q = await queue(await fixture());
        await publishMany(q, 7);
        const page1 = await q.history('0-0', 3);
        expect(titles(page1)).toEqual(['m0', 'm1', 'm2']);
        const page2 = await q.history(page1[2].key, 3);
        expect(titles(page2)).toEqual(['m3', 'm4', 'm5']);
        const page3 = await q.history(page2[2].key, 3);
        expect(titles(page3)).toEqual(['m6']);
        expect(titles(await q.history(page1[0].timestamp, 2))).toEqual(['m0', 'm1']);
      });

      it('returns exactly what publish returned and routed', async () => {
        const q = await queue(await fixture());
        const s = [await q.publish('a', { replaceId: 'r' }), await q.publish('b', { body: 'x' })];
        const marker = await q.fx.messages.markRead(q.userQueueId, s[0].key, q.userQueueUrl);
        const frames = [...s, marker!].map((m) => JSON.parse(m.frame) as unknown);
        expect(await q.history()).toEqual(frames);
      });
    });

    describe('publish limit per push URL', () => {
      const limited = (burst: number, ratePerS: number): ContractRetention => ({ ...DEFAULT_RETENTION, publishLimit: { burst, ratePerS } });

      async function refusal(q: Queue, title: string): Promise<RateLimitedError> {
        const err: unknown = await q.publish(title).then(
          () => null,
          (e: unknown) => e,
        );
        if (!(err instanceof RateLimitedError)) throw new Error(`expected a RateLimitedError, got ${String(err)}`);
        return err;
      }

      it('takes a burst, then refuses with the seconds to wait, storing and routing nothing', async () => {
        const q = await queue(await fixture(limited(2, 1)));
        const t = await tap(q.fx, q.userQueueId);
        await publishMany(q, 2);
        const err = await refusal(q, 'over');
        expect(err).toBeInstanceOf(DomainError);
        expect([err.code, err.retryAfterS]).toEqual(['rate_limited', 1]);
        expect(titles(await q.history())).toEqual(['m0', 'm1']);
        await waitFor(() => t.frames.length === 2, 2000, 'the two accepted frames');
        expect(t.frames.map((f) => (JSON.parse(f) as Message).body)).toEqual([{ title: 'm0' }, { title: 'm1' }]);
      });

      it('refills at the steady rate', async () => {
        const q = await queue(await fixture(limited(1, 1)));
        await q.publish('first');
        await refusal(q, 'too soon');
        await q.fx.elapse(1100);
        await q.publish('later');
        expect(titles(await q.history())).toEqual(['first', 'later']);
      });

      it('limits each push URL on its own, even of one user queue', async () => {
        const fx = await fixture(limited(1, 1));
        const a = await queue(fx);
        const pushUrlId = await fx.pushUrls.findOrCreate(a.userQueueId, 'other.example', codec.seal(a.userQueueId));
        await a.publish('a');
        await refusal(a, 'a again');
        const { json } = normalizeNotification({ title: 'b' });
        expect(await fx.messages.publish(a.userQueueId, pushUrlId, `${BASE}/queue/${pushUrlId}/`, json)).not.toBeNull();
      });

      it('checks liveness first: a revoked push URL is refused as not live, not as limited', async () => {
        const q = await queue(await fixture(limited(1, 1)));
        await q.publish('only');
        await q.fx.pushUrls.revoke(q.userQueueId, q.pushUrlId);
        const { json } = normalizeNotification({ title: 'late' });
        expect(await q.fx.messages.publish(q.userQueueId, q.pushUrlId, q.pushUrl, json)).toBeNull();
      });
    });

    describe('retention', () => {
      it('keeps the newest maxLen messages', async () => {
        const q = await queue(await fixture({ maxLen: 3 }));
        await publishMany(q, 5);
        expect(titles(await q.history(undefined, 100))).toEqual(['m2', 'm3', 'm4']);
        expect(titles(await q.history('0-0', 100))).toEqual(['m2', 'm3', 'm4']);
      });

      it('counts read markers in maxLen', async () => {
        const q = await queue(await fixture({ maxLen: 2 }));
        const [m] = await publishMany(q, 1);
        await q.publish('second');
        await q.fx.messages.markRead(q.userQueueId, m.key, q.userQueueUrl);
        expect(titles(await q.history())).toEqual(['second', `read:${m.key}`]);
      });

      it('keeps strictly increasing keys after everything was trimmed', async () => {
        const q = await queue(await fixture({ maxLen: 1 }));
        const s = await publishMany(q, 4);
        for (let i = 1; i < s.length; i++) expect(compareKeys(parseKey(s[i - 1].key)!, parseKey(s[i].key)!)).toBeLessThan(0);
        expect(titles(await q.history())).toEqual(['m3']);
      });
    });

    describe('replay', () => {
      it('since a stored key: the messages after it, recovered, as the frames publish routed', async () => {
        const q = await queue(await fixture());
        const s = [await q.publish('a', { replaceId: 'r' }), await q.publish('b'), await q.publish('c', { replaceId: 'r' })];
        const replay = await q.fx.messages.replay(q.userQueueId, parseSince(s[0].key));
        expect(replay.recovered).toBe(true);
        expect(replay.messages).toEqual([
          { key: s[1].key, timestamp: s[1].timestamp, frame: s[1].frame, queue: q.pushUrl },
          { key: s[2].key, timestamp: s[2].timestamp, frame: s[2].frame, queue: q.pushUrl, replaceId: 'r' },
        ]);
      });

      it('since the newest key: nothing, recovered', async () => {
        const q = await queue(await fixture());
        const s = await publishMany(q, 2);
        expect(await q.fx.messages.replay(q.userQueueId, parseSince(s[1].key))).toEqual({ messages: [], recovered: true });
      });

      it('since a timestamp: from that message on (inclusive), recovered', async () => {
        const q = await queue(await fixture());
        const s = await publishMany(q, 3);
        const replay = await q.fx.messages.replay(q.userQueueId, parseSince(s[1].timestamp));
        expect(replay.recovered).toBe(true);
        expect(replay.messages.map((m) => m.frame)).toEqual([s[1].frame, s[2].frame]);
      });

      it('since 0-0 with nothing trimmed: everything, recovered', async () => {
        const fx = await fixture();
        const q = await queue(fx);
        expect(await fx.messages.replay(q.userQueueId, parseSince('0-0'))).toEqual({ messages: [], recovered: true });
        const s = await publishMany(q, 3);
        const replay = await fx.messages.replay(q.userQueueId, parseSince('0-0'));
        expect(replay).toEqual({ messages: expect.any(Array), recovered: true });
        expect(replay.messages.map((m) => m.frame)).toEqual(s.map((m) => m.frame));
      });

      it('carries read markers with the user queue URL as queue and no replaceId', async () => {
        const q = await queue(await fixture());
        const m = await q.publish('a', { replaceId: 'r' });
        const marker = await q.fx.messages.markRead(q.userQueueId, m.key, q.userQueueUrl);
        const replay = await q.fx.messages.replay(q.userQueueId, parseSince(m.key));
        expect(replay.messages).toEqual([{ key: marker!.key, timestamp: marker!.timestamp, frame: marker!.frame, queue: q.userQueueUrl }]);
      });

      it('not recovered: since a key that was trimmed', async () => {
        const q = await queue(await fixture({ maxLen: 3 }));
        const s = await publishMany(q, 6);
        const replay = await q.fx.messages.replay(q.userQueueId, parseSince(s[0].key));
        expect(replay.recovered).toBe(false);
        expect(replay.messages.map((m) => m.frame)).toEqual(s.slice(3).map((m) => m.frame));
      });

      it('not recovered: since a timestamp older than what was trimmed', async () => {
        const q = await queue(await fixture({ maxLen: 3 }));
        const s = await publishMany(q, 6);
        const replay = await q.fx.messages.replay(q.userQueueId, parseSince(s[0].timestamp));
        expect(replay.recovered).toBe(false);
        expect(replay.messages.map((m) => m.frame)).toEqual(s.slice(3).map((m) => m.frame));
      });

      it('not recovered: since 0-0 after something was trimmed', async () => {
        const q = await queue(await fixture({ maxLen: 2 }));
        const s = await publishMany(q, 3);
        const replay = await q.fx.messages.replay(q.userQueueId, parseSince('0-0'));
        expect(replay.recovered).toBe(false);
        expect(replay.messages.map((m) => m.frame)).toEqual(s.slice(1).map((m) => m.frame));
      });

      it('recovered: since the oldest key still stored, after trimming', async () => {
        const q = await queue(await fixture({ maxLen: 3 }));
        const s = await publishMany(q, 6);
        const replay = await q.fx.messages.replay(q.userQueueId, parseSince(s[3].key));
        expect(replay.recovered).toBe(true);
        expect(replay.messages.map((m) => m.frame)).toEqual(s.slice(4).map((m) => m.frame));
      });

      it('not recovered: since a key this user queue never had', async () => {
        const q = await queue(await fixture());
        const s = await publishMany(q, 3);
        const first = parseKey(s[0].key)!;
        const replay = await q.fx.messages.replay(q.userQueueId, parseSince(`${first.ms - 5}-0`));
        expect(replay.recovered).toBe(false);
        const other = await q.fx.messages.replay(newUserQueueId(), parseSince(s[0].key));
        expect(other).toEqual({ messages: [], recovered: false });
      });

      it('not recovered: since a key in the future', async () => {
        const q = await queue(await fixture());
        const s = await publishMany(q, 2);
        const future = `${parseKey(s[1].key)!.ms + 3_600_000}-0`;
        expect(await q.fx.messages.replay(q.userQueueId, parseSince(future))).toEqual({ messages: [], recovered: false });
      });

      it('not recovered: since a timestamp in the future', async () => {
        const q = await queue(await fixture());
        const s = await publishMany(q, 2);
        const future = ((micros(s[1].timestamp) + 3_600_000_000) / 1_000_000).toFixed(6);
        expect(await q.fx.messages.replay(q.userQueueId, parseSince(future))).toEqual({ messages: [], recovered: false });
      });
    });

    describe('lastKey and readAfter', () => {
      it('lastKey: null for an empty user queue, then the newest key', async () => {
        const q = await queue(await fixture());
        expect(await q.fx.messages.lastKey(q.userQueueId)).toBeNull();
        const s = await publishMany(q, 3);
        expect(await q.fx.messages.lastKey(q.userQueueId)).toBe(s[2].key);
      });

      it('readAfter: messages after a key (exclusive), oldest first, at most limit, as routed', async () => {
        const q = await queue(await fixture());
        const s = [await q.publish('a'), await q.publish('b', { replaceId: 'x' }), await q.publish('c'), await q.publish('d')];
        const after = await q.fx.messages.readAfter(q.userQueueId, s[0].key, 2);
        expect(after).toEqual([
          { key: s[1].key, timestamp: s[1].timestamp, frame: s[1].frame, queue: q.pushUrl, replaceId: 'x' },
          { key: s[2].key, timestamp: s[2].timestamp, frame: s[2].frame, queue: q.pushUrl },
        ]);
        expect((await q.fx.messages.readAfter(q.userQueueId, '0-0', 100)).map((m) => m.frame)).toEqual(s.map((m) => m.frame));
        expect(await q.fx.messages.readAfter(q.userQueueId, s[3].key, 10)).toEqual([]);
        expect(await q.fx.messages.readAfter(newUserQueueId(), '0-0', 10)).toEqual([]);
      });

      it('readAfter from lastKey sees exactly what is published next (the gateway closes its resume gap this way)', async () => {
        const q = await queue(await fixture());
        await publishMany(q, 2);
        const last = await q.fx.messages.lastKey(q.userQueueId);
        const next = await q.publish('next');
        expect((await q.fx.messages.readAfter(q.userQueueId, last!, 10)).map((m) => m.frame)).toEqual([next.frame]);
      });
    });

    describe('last_seen', () => {
      it('is null until set, then the last value set, per user queue', async () => {
        const fx = await fixture();
        const a = newUserQueueId();
        const b = newUserQueueId();
        expect(await fx.messages.getLastSeen(a)).toBeNull();
        await fx.messages.setLastSeen(a, '1764260000.123456');
        expect(await fx.messages.getLastSeen(a)).toBe('1764260000.123456');
        await fx.messages.setLastSeen(a, '1764260001.000000');
        expect(await fx.messages.getLastSeen(a)).toBe('1764260001.000000');
        expect(await fx.messages.getLastSeen(b)).toBeNull();
      });
    });
  });
}
