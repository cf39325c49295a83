import {
  BucketLimit,
  BucketState,
  Clock,
  compareKeys,
  formatMicros,
  KeyParts,
  keyFromMicros,
  Message,
  MessageStore,
  Notification,
  parseKey,
  rateLimited,
  ReadMarker,
  Replay,
  ReplayedMessage,
  Since,
  SEQ_PER_MS,
  StoredMessage,
  systemClock,
  takeToken,
  timestampFromKey,
} from '@push/domain';
import { frameOf, PUSH_URL_LIMIT_MESSAGE } from '@push/redis';
import { InMemoryPushUrlStore } from './in-memory-push-url.store';

/** Retention of a user queue, as RedisMessageStore takes it. */
export interface InMemoryRetention {
  readonly maxLen: number;
  /** Token bucket of each push URL's publishes; absent or 0 = no limit. */
  readonly publishLimit?: BucketLimit;
}

/** Options of InMemoryMessageStore. */
export interface InMemoryMessageStoreOptions {
  /** Where the publish step checks that a push URL is live (the Redis script reads the same hash). */
  readonly pushUrls: InMemoryPushUrlStore;
  /** Stands in for Redis TIME (stamps) and for the store's own clock (the "future since" rule). */
  readonly clock?: Clock;
  /** Defaults to the service's defaults: 1,000 messages, 30 days. */
  readonly retention?: InMemoryRetention;
}

/** Receives the frame of every message appended to a user queue, as a subscriber of its channel would. */
export type FrameListener = (frame: string) => void;

/** One stream entry: the fields the Redis stream holds (q, b, r). */
interface Entry {
  readonly id: KeyParts;
  readonly key: string;
  readonly queue: string;
  readonly bodyJson: string;
  readonly replaceId?: string;
}

/** One user queue's stream, with the two ids XINFO STREAM reports that a replay depends on. */
interface Stream {
  entries: Entry[];
  lastGenerated: KeyParts;
  maxDeleted: KeyParts;
}

const ZERO: KeyParts = { ms: 0, seq: 0 };
const READ_MARKER_PREFIX = '{"read":';
const DEFAULT_RETENTION: InMemoryRetention = { maxLen: 1000 };

/** The first stamp (µs) after an entry id: what the append script's stamp_after computes. */
function stampAfter(id: KeyParts): number {
  return id.ms * SEQ_PER_MS + Math.min(id.seq, SEQ_PER_MS - 1) + 1;
}

function partsOf(key: string): KeyParts {
  const parts = parseKey(key);
  // Redis refuses such an id in XRANGE with this error; callers validate keys first
  if (parts === null) throw new Error('ERR Invalid stream ID specified as stream command argument');
  return parts;
}

function messageOf(e: Entry): Message {
  return { key: e.key, timestamp: timestampFromKey(e.id), queue: e.queue, body: JSON.parse(e.bodyJson) as Notification | ReadMarker };
}

function replayedOf(e: Entry): ReplayedMessage {
  const timestamp = timestampFromKey(e.id);
  return {
    key: e.key,
    timestamp,
    frame: frameOf(e.key, timestamp, e.queue, e.bodyJson),
    queue: e.queue,
    ...(e.replaceId !== undefined ? { replaceId: e.replaceId } : {}),
  };
}

/**
 * MessageStore in memory with RedisMessageStore's semantics: the publish and read-marker scripts
 * (stamp from the clock in µs, strictly after the newest entry and the stream's last generated id;
 * key `<ms>-<us % 1000>`; trim to maxLen, then by age relative to the new stamp; frame built once),
 * history and replay ranges, and the `recovered` rules. Routing is a per-user-queue listener list in
 * place of the pub/sub channel.
 *
 * Two deliberate differences from RedisMessageStore, both where it departs from the port's promise:
 * - Redis 7.0's XADD MAXLEN and XTRIM do not advance XINFO's `max-deleted-entry-id` (only XDEL does),
 *   so the Redis adapter cannot see trimming in `recovered`; here trimming advances it.
 * - A timestamp `since` counts as "in the future" only beyond both the clock and the newest stamp, so
 *   a frozen test clock (which stamps run ahead of) does not make stored messages look unreached.
 */
export class InMemoryMessageStore implements MessageStore {
  private readonly streams = new Map<string, Stream>();
  private readonly lastSeen = new Map<string, string>();
  private readonly listeners = new Map<string, Set<FrameListener>>();
  private readonly pushUrls: InMemoryPushUrlStore;
  private readonly clock: Clock;
  private readonly retention: InMemoryRetention;
  /** Publish buckets by push URL id (the Redis store keeps one key per push URL). */
  private readonly buckets = new Map<string, BucketState>();

  constructor(options: InMemoryMessageStoreOptions) {
    this.pushUrls = options.pushUrls;
    this.clock = options.clock ?? systemClock;
    this.retention = options.retention ?? DEFAULT_RETENTION;
  }

  async publish(userQueueId: string, pushUrlId: string, pushUrl: string, notificationJson: string, replaceId?: string): Promise<StoredMessage | null> {
    if (!this.pushUrls.isLive(userQueueId, pushUrlId)) return null;
    const limit = this.retention.publishLimit ?? { burst: 0, ratePerS: 0 };
    const taken = takeToken(limit, this.buckets.get(pushUrlId), this.clock.nowMs());
    if (!taken.allowed) throw rateLimited(PUSH_URL_LIMIT_MESSAGE, taken.retryAfterS);
    this.buckets.set(pushUrlId, taken.state);
    return this.append(userQueueId, pushUrl, notificationJson, replaceId ?? '');
  }

  async markRead(userQueueId: string, key: string, userQueueUrl: string): Promise<StoredMessage | null> {
    const id = partsOf(key);
    const found = this.streams.get(userQueueId)?.entries.find((e) => compareKeys(e.id, id) === 0);
    if (found === undefined || found.bodyJson.startsWith(READ_MARKER_PREFIX)) return null;
    return this.append(userQueueId, userQueueUrl, JSON.stringify({ read: key }), '');
  }

  async history(userQueueId: string, since: Since | null, limit: number): Promise<Message[]> {
    const entries = this.streams.get(userQueueId)?.entries ?? [];
    if (limit <= 0) return [];
    if (since === null) return entries.slice(-limit).map(messageOf);
    return this.from(entries, since).slice(0, limit).map(messageOf);
  }

  async replay(userQueueId: string, since: Since): Promise<Replay> {
    const stream = this.streams.get(userQueueId);
    const ids = stream ? { lastGenerated: stream.lastGenerated, maxDeleted: stream.maxDeleted } : { lastGenerated: ZERO, maxDeleted: ZERO };
    const all = stream?.entries ?? [];
    // inclusive start for a key, so that we learn whether the key itself is still stored
    const entries = (since.kind === 'key' ? all.filter((e) => compareKeys(e.id, since.key) >= 0) : this.from(all, since)).slice(0, this.retention.maxLen + 1);
    let recovered: boolean;
    if (since.kind === 'key') {
      const stored = entries.length > 0 && compareKeys(entries[0].id, since.key) === 0;
      if (stored) entries.shift();
      const known = stored || compareKeys(since.key, ids.maxDeleted) === 0 || compareKeys(since.key, ZERO) === 0;
      recovered = known && compareKeys(since.key, ids.maxDeleted) >= 0 && compareKeys(since.key, ids.lastGenerated) <= 0;
    } else {
      const startKey = partsOf(keyFromMicros(since.micros));
      const trimmedAfter = compareKeys(ids.maxDeleted, startKey) >= 0;
      // a frozen test clock falls behind the stamps it forced ahead; a time the queue has reached is not the future
      const reached = Math.max(this.clock.nowMs() * 1000, ids.lastGenerated.ms * SEQ_PER_MS + Math.min(ids.lastGenerated.seq, SEQ_PER_MS - 1));
      const future = since.micros > reached;
      recovered = !trimmedAfter && !future;
    }
    return { messages: entries.map(replayedOf), recovered };
  }

  async lastKey(userQueueId: string): Promise<string | null> {
    return this.streams.get(userQueueId)?.entries.at(-1)?.key ?? null;
  }

  async readAfter(userQueueId: string, key: string, limit: number): Promise<ReplayedMessage[]> {
    const after = partsOf(key);
    if (limit <= 0) return [];
    const entries = this.streams.get(userQueueId)?.entries ?? [];
    return entries.filter((e) => compareKeys(e.id, after) > 0).slice(0, limit).map(replayedOf);
  }

  async setLastSeen(userQueueId: string, timestamp: string): Promise<void> {
    this.lastSeen.set(userQueueId, timestamp);
  }

  async getLastSeen(userQueueId: string): Promise<string | null> {
    return this.lastSeen.get(userQueueId) ?? null;
  }

  /** Listens to a user queue's channel; returns the unsubscribe function. */
  subscribe(userQueueId: string, listener: FrameListener): () => void {
    let set = this.listeners.get(userQueueId);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(userQueueId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(userQueueId);
    };
  }

  /** Removes one entry, as XDEL would (advances max-deleted-entry-id); true when it was stored. */
  deleteEntry(userQueueId: string, key: string): boolean {
    const stream = this.streams.get(userQueueId);
    const id = partsOf(key);
    const i = stream?.entries.findIndex((e) => compareKeys(e.id, id) === 0) ?? -1;
    if (stream === undefined || i < 0) return false;
    stream.entries.splice(i, 1);
    if (compareKeys(id, stream.maxDeleted) > 0) stream.maxDeleted = id;
    return true;
  }

  /** Entries from a `since`: after a key (exclusive) or at a time (inclusive), as rangeStart() reads. */
  private from(entries: readonly Entry[], since: Since): Entry[] {
    if (since.kind === 'key') return entries.filter((e) => compareKeys(e.id, since.key) > 0);
    const start = partsOf(keyFromMicros(since.micros));
    return entries.filter((e) => compareKeys(e.id, start) >= 0);
  }

  /** The append script: stamp, add, trim by length then by age, publish the frame. */
  private append(userQueueId: string, queue: string, bodyJson: string, replaceId: string): StoredMessage {
    let stream = this.streams.get(userQueueId);
    if (stream === undefined) {
      stream = { entries: [], lastGenerated: ZERO, maxDeleted: ZERO };
      this.streams.set(userQueueId, stream);
    }
    let now = Math.floor(this.clock.nowMs() * 1000);
    const last = stream.entries.at(-1);
    if (last !== undefined) now = Math.max(now, stampAfter(last.id));
    // XADD refuses an id at or below the last generated one (the newest entry may have been trimmed)
    if (compareKeys(partsOf(keyFromMicros(now)), stream.lastGenerated) <= 0) now = stampAfter(stream.lastGenerated);
    const key = keyFromMicros(now);
    const id = partsOf(key);
    stream.entries.push({ id, key, queue, bodyJson, ...(replaceId !== '' ? { replaceId } : {}) });
    stream.lastGenerated = id;
    const excess = stream.entries.length - this.retention.maxLen;
    if (excess > 0) this.dropOldest(stream, excess);
    const timestamp = formatMicros(now);
    const frame = frameOf(key, timestamp, queue, bodyJson);
    for (const listener of [...(this.listeners.get(userQueueId) ?? [])]) listener(frame);
    return { key, timestamp, frame };
  }

  private dropOldest(stream: Stream, count: number): void {
    if (count <= 0) return;
    const dropped = stream.entries.splice(0, count);
    const newest = dropped[dropped.length - 1].id;
    if (compareKeys(newest, stream.maxDeleted) > 0) stream.maxDeleted = newest;
  }
}
