import {
  BucketLimit,
  bucketEnabled,
  compareKeys,
  KeyParts,
  keyFromMicros,
  Message,
  MessageStore,
  parseKey,
  PushUrlSecrets,
  rangeStart,
  Replay,
  ReplayedMessage,
  rateLimited,
  SEQ_PER_MS,
  Since,
  StoredMessage,
} from '@push/domain';
import { KeySchema } from './key-schema';
import { MARK_READ_LUA, publishBatchLua, publishKeyCount, publishLua } from './lua.scripts';
import { PublishBatcher } from './publish-batcher';
import { RespValue, Script, ScriptLane } from './script-lane';
import { markSealed } from './sealed-value';
import { frameOfJson, messageOf, RawEntry, replayedOf, timestampOf } from './stream-entry';
import { RedisClient } from './redis-client.factory';

/** Retention of a user queue at publish: its length cap (the age limit is the monitor's RetentionTrimmerService). */
export interface Retention {
  readonly maxLen: number;
  /** Token bucket of each push URL's publishes; absent or 0 = no limit. */
  readonly publishLimit?: BucketLimit;
}

/** The publish script's answer: the stored message's key, null (not live), or seconds to wait (limit reached). */
type PublishResult = string | null | number;

/** The message of a refused publish, naming the limit. */
export const PUSH_URL_LIMIT_MESSAGE = 'too many publishes to this push URL';

/** A publish script's command: keys (the bucket last, with a limit only) then arguments (publishLua). */
type PublishCommand = (...keysThenArgv: string[]) => Promise<RespValue>;

interface ScriptClient {
  pushMarkRead(stream: string, channel: string, ...argv: string[]): Promise<string | null>;
}

const ZERO: KeyParts = { ms: 0, seq: 0 };

/** The publish script's reply (lane or ioredis): the key, nil (false), or an integer. */
function publishResultOf(reply: RespValue): PublishResult {
  if (reply === null || typeof reply === 'number' || typeof reply === 'string') return reply;
  throw new Error(`unexpected publish script reply: ${JSON.stringify(reply)}`);
}

/** An appended message from its key and the parts sent: the timestamp and frame the script published. */
function storedOf(key: string, queueJson: string, bodyJson: string): StoredMessage {
  const timestamp = timestampOf(key);
  return { key, timestamp, frame: frameOfJson(key, timestamp, queueJson, bodyJson) };
}

function keyOrZero(id: string | null | undefined): KeyParts {
  return (id && parseKey(id)) || ZERO;
}

/** What XINFO STREAM tells about a replay's completeness. */
interface StreamIds {
  readonly lastGenerated: KeyParts;
  readonly maxDeleted: KeyParts;
  /** True when entries were trimmed (MAXLEN/MINID do not move max-deleted-entry-id, but they count in entries-added). */
  readonly trimmed: boolean;
  /** The oldest stored entry, or null when the stream is empty. */
  readonly first: KeyParts | null;
}

/** Reads the flat XINFO STREAM reply. */
function streamIds(info: unknown): StreamIds {
  let lastGenerated = ZERO;
  let maxDeleted = ZERO;
  let first: KeyParts | null = null;
  let length = 0;
  let added = 0;
  if (Array.isArray(info)) {
    for (let i = 0; i + 1 < info.length; i += 2) {
      const v: unknown = info[i + 1];
      if (info[i] === 'last-generated-id') lastGenerated = keyOrZero(String(v));
      else if (info[i] === 'max-deleted-entry-id') maxDeleted = keyOrZero(String(v));
      else if (info[i] === 'length') length = Number(v);
      else if (info[i] === 'entries-added') added = Number(v);
      else if (info[i] === 'first-entry' && Array.isArray(v)) first = parseKey(String(v[0]));
    }
  }
  return { lastGenerated, maxDeleted, trimmed: added > length, first };
}

/** True when an entry at or after `start` may have been removed: XDEL'd, or trimmed (trimming removes the oldest, all before `first`). */
function removedFrom(start: KeyParts, ids: StreamIds): boolean {
  if (compareKeys(ids.maxDeleted, start) >= 0 && compareKeys(ids.maxDeleted, ZERO) > 0) return true;
  if (!ids.trimmed) return false;
  return ids.first === null ? compareKeys(start, ids.lastGenerated) <= 0 : compareKeys(start, ids.first) < 0;
}

/**
 * User queues as Redis streams; a publish is one script: check, append, trim, publish. No push URL id
 * is stored in plain text: the liveness check looks up the id's digest, and the entry's `q` holds the
 * push URL sealed (the published frame and the answer carry it plain; reads open it again).
 */
export class RedisMessageStore implements MessageStore {
  private readonly scripts: ScriptClient;
  private readonly pushPublish: PublishCommand;
  /** The publish limit when it limits anything: the script then takes a bucket key. */
  private readonly publishLimit: BucketLimit | null;
  private readonly toMessage: (entry: RawEntry) => Message;
  private readonly toReplayed: (entry: RawEntry) => ReplayedMessage;
  /** The publishes of a turn in as few script calls as their order allows (lane only). */
  private readonly batcher: PublishBatcher | null;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySchema,
    private readonly retention: Retention,
    private readonly secrets: PushUrlSecrets,
    private readonly nowMs: () => number = Date.now,
    /** Publishes go through this connection of their own when given (single server); else through `redis`. */
    lane: ScriptLane | null = null,
  ) {
    this.toMessage = (entry) => messageOf(entry, secrets);
    this.toReplayed = (entry) => replayedOf(entry, secrets);
    const limit = retention.publishLimit;
    this.publishLimit = limit !== undefined && bucketEnabled(limit) ? limit : null;
    // the settings are in the script's text, so its command is named after them: stores with other
    // settings on the same connection (tests) define their own
    const settings = { maxLen: retention.maxLen, limit: this.publishLimit };
    const name = `pushPublish_${settings.maxLen}_${this.publishLimit ? `${this.publishLimit.burst}_${this.publishLimit.ratePerS}` : 'unlimited'}`;
    const commands = redis as unknown as Record<string, PublishCommand | undefined>;
    const lua = publishLua(settings);
    const numberOfKeys = publishKeyCount(this.publishLimit);
    if (commands[name] === undefined) redis.defineCommand(name, { numberOfKeys, lua });
    this.pushPublish = (commands[name] as PublishCommand).bind(redis);
    this.batcher = lane === null ? null : new PublishBatcher(lane, new Script(lua, numberOfKeys), new Script(publishBatchLua(settings), 0), numberOfKeys);
    redis.defineCommand('pushMarkRead', { numberOfKeys: 2, lua: MARK_READ_LUA });
    this.scripts = redis as unknown as ScriptClient;
  }

  async publish(userQueueId: string, pushUrlId: string, pushUrl: string, notificationJson: string, replaceId?: string): Promise<StoredMessage | null> {
    const digest = this.secrets.digest(pushUrlId);
    const stream = this.keys.stream(userQueueId);
    const urls = this.keys.pushUrls(userQueueId);
    const channel = this.keys.channel(userQueueId);
    // stored sealed; the frame is built from the plain JSON text
    const sealed = markSealed(this.secrets.sealPushUrl(pushUrlId, pushUrl));
    const urlJson = JSON.stringify(pushUrl);
    const keysThenArgs = this.publishLimit
      ? [stream, urls, channel, this.keys.publishBucket(userQueueId, digest), digest, sealed, urlJson, notificationJson, replaceId ?? '']
      : [stream, urls, channel, digest, sealed, urlJson, notificationJson, replaceId ?? ''];
    const r = publishResultOf(this.batcher !== null ? await this.batcher.publish(stream, keysThenArgs) : await this.pushPublish(...keysThenArgs));
    if (typeof r === 'number') throw rateLimited(PUSH_URL_LIMIT_MESSAGE, r);
    return r === null ? null : storedOf(r, urlJson, notificationJson);
  }

  async markRead(userQueueId: string, key: string, userQueueUrl: string): Promise<StoredMessage | null> {
    const urlJson = JSON.stringify(userQueueUrl);
    const bodyJson = JSON.stringify({ read: key });
    const r = await this.scripts.pushMarkRead(this.keys.stream(userQueueId), this.keys.channel(userQueueId), key, String(this.retention.maxLen), userQueueUrl, urlJson, bodyJson);
    return r === null ? null : storedOf(r, urlJson, bodyJson);
  }

  async history(userQueueId: string, since: Since | null, limit: number): Promise<Message[]> {
    const stream = this.keys.stream(userQueueId);
    if (since === null) {
      const newest = (await this.redis.xrevrange(stream, '+', '-', 'COUNT', limit)) as RawEntry[];
      return newest.reverse().map(this.toMessage);
    }
    const entries = (await this.redis.xrange(stream, rangeStart(since), '+', 'COUNT', limit)) as RawEntry[];
    return entries.map(this.toMessage);
  }

  async replay(userQueueId: string, since: Since): Promise<Replay> {
    const stream = this.keys.stream(userQueueId);
    // inclusive start for a key, so that we learn whether the key itself is still stored
    const start = since.kind === 'key' ? `${since.key.ms}-${since.key.seq}` : rangeStart(since);
    const results = await this.redis
      .multi()
      .xrange(stream, start, '+', 'COUNT', this.retention.maxLen + 1)
      .call('XINFO', 'STREAM', stream)
      .exec();
    const entries = ((results?.[0]?.[1] ?? []) as RawEntry[]).slice();
    const infoErr = results?.[1]?.[0];
    const ids: StreamIds = infoErr ? { lastGenerated: ZERO, maxDeleted: ZERO, trimmed: false, first: null } : streamIds(results?.[1]?.[1]);
    let recovered: boolean;
    if (since.kind === 'key') {
      const stored = entries.length > 0 && entries[0][0] === `${since.key.ms}-${since.key.seq}`;
      if (stored) entries.shift();
      const known = stored || compareKeys(since.key, ids.maxDeleted) === 0 || compareKeys(since.key, ZERO) === 0;
      const after: KeyParts = { ms: since.key.ms, seq: since.key.seq + 1 };
      recovered = known && compareKeys(since.key, ids.lastGenerated) <= 0 && !removedFrom(after, ids);
    } else {
      const startKey = keyOrZero(keyFromMicros(since.micros));
      // a time the queue has reached (its newest stamp) is not the future, nor is any microsecond of the
      // current millisecond: Date.now() has no finer grain, and a since taken from a message just stored
      // (Redis stamps it in microseconds) would otherwise look future within the same millisecond
      const reachedMicros = Math.max(
        (this.nowMs() + 1) * SEQ_PER_MS - 1,
        ids.lastGenerated.ms * SEQ_PER_MS + Math.min(ids.lastGenerated.seq, SEQ_PER_MS - 1),
      );
      const future = since.micros > reachedMicros;
      recovered = !removedFrom(startKey, ids) && !future;
    }
    return { messages: entries.map(this.toReplayed), recovered };
  }

  async lastKey(userQueueId: string): Promise<string | null> {
    const newest = (await this.redis.xrevrange(this.keys.stream(userQueueId), '+', '-', 'COUNT', 1)) as RawEntry[];
    return newest.length > 0 ? newest[0][0] : null;
  }

  async readAfter(userQueueId: string, key: string, limit: number): Promise<ReplayedMessage[]> {
    const entries = (await this.redis.xrange(this.keys.stream(userQueueId), `(${key}`, '+', 'COUNT', limit)) as RawEntry[];
    return entries.map(this.toReplayed);
  }

  async setLastSeen(userQueueId: string, timestamp: string): Promise<void> {
    await this.redis.set(this.keys.lastSeen(userQueueId), timestamp);
  }

  async getLastSeen(userQueueId: string): Promise<string | null> {
    return this.redis.get(this.keys.lastSeen(userQueueId));
  }
}
