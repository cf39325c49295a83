import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import { loadConfig } from '@push/config';
import { Message, MessageStore, parseKey, Replay, ReplayedMessage, Since, StoredMessage, timestampFromKey } from '@push/domain';
import { createMetricsRegistry, GatewayMetrics } from '@push/observability';
import { KeySchema } from '@push/redis';
import type { RedisClient } from '@push/redis';
import { WebSocket } from 'ws';
import { ClientSocket, PHASE } from '../connection/client-socket';
import { DeliveryService } from './delivery.service';

const UQ = 'a'.repeat(32);
const keys = new KeySchema('t:');

function frameOf(key: string, title = key): string {
  const parts = parseKey(key);
  if (!parts) throw new Error(key);
  return `{"key":"${key}","timestamp":"${timestampFromKey(parts)}","queue":"https://p/queue/x/","body":{"title":"${title}"}}`;
}

/** A user queue in memory: only what DeliveryService reads. */
class InMemoryQueue implements Pick<MessageStore, 'lastKey' | 'readAfter' | 'replay'> {
  readonly entries: ReplayedMessage[] = [];
  /** Runs right after the next read took its result, as a publish racing with the reply. */
  duringNextRead: (() => void) | null = null;
  /** User queues whose reads fail (their node is down); '*' fails every read. */
  readonly unreadable = new Set<string>();

  append(key: string, replaceId?: string): ReplayedMessage {
    const parts = parseKey(key);
    if (!parts) throw new Error(key);
    const m: ReplayedMessage = { key, timestamp: timestampFromKey(parts), frame: frameOf(key), queue: 'https://p/queue/x/', ...(replaceId ? { replaceId } : {}) };
    this.entries.push(m);
    return m;
  }

  private after(key: string): ReplayedMessage[] {
    const k = parseKey(key) ?? { ms: 0, seq: 0 };
    return this.entries.filter((e) => {
      const p = parseKey(e.key);
      return p !== null && (p.ms > k.ms || (p.ms === k.ms && p.seq > k.seq));
    });
  }

  private hook(): void {
    const fn = this.duringNextRead;
    this.duringNextRead = null;
    fn?.();
  }

  async lastKey(): Promise<string | null> {
    const tip = this.entries.at(-1)?.key ?? null;
    this.hook();
    return tip;
  }

  async readAfter(uq: string, key: string, limit: number): Promise<ReplayedMessage[]> {
    if (this.unreadable.has(uq) || this.unreadable.has('*')) throw new Error('Command timed out');
    const entries = this.after(key).slice(0, limit);
    this.hook();
    return entries;
  }

  async replay(_uq: string, since: Since): Promise<Replay> {
    if (since.kind !== 'key') throw new Error('test uses keys');
    const messages = this.after(since.raw);
    this.hook();
    return { messages, recovered: true };
  }
}

/** The store port with only the reads implemented. */
function storeOf(queue: InMemoryQueue): MessageStore {
  const unused = (): never => {
    throw new Error('not used by delivery');
  };
  return {
    lastKey: () => queue.lastKey(),
    readAfter: (uq: string, key: string, limit: number) => queue.readAfter(uq, key, limit),
    replay: (uq: string, since: Since) => queue.replay(uq, since),
    publish: unused as () => Promise<StoredMessage | null>,
    markRead: unused as () => Promise<StoredMessage | null>,
    history: unused as () => Promise<Message[]>,
    setLastSeen: unused as () => Promise<void>,
    getLastSeen: unused as () => Promise<string | null>,
  };
}

/** The subscriber connection: an emitter whose SUBSCRIBE and PING answer at once. */
class FakeSubscriber extends EventEmitter {
  status = 'ready';
  readonly channels = new Set<string>();

  async subscribe(channel: string): Promise<number> {
    this.channels.add(channel);
    return this.channels.size;
  }

  async unsubscribe(channel: string): Promise<number> {
    this.channels.delete(channel);
    return this.channels.size;
  }

  async ping(): Promise<string> {
    return 'PONG';
  }

  async quit(): Promise<string> {
    return 'OK';
  }

  /** Redis delivering a published frame. */
  publish(key: string): void {
    this.emit('messageBuffer', Buffer.from(keys.channel(UQ)), Buffer.from(frameOf(key)));
  }
}

/** A socket that records what it was sent. */
class RecordingSocket extends ClientSocket {
  readonly sent: string[] = [];
  closedWith: number | null = null;
  buffered = 0;

  constructor() {
    // as ws's server constructs its sockets: no address, the server's options
    super(...([null, undefined, { autoPong: true }] as unknown as [null]));
    Object.defineProperty(this, 'readyState', { get: () => (this.closedWith === null ? WebSocket.OPEN : WebSocket.CLOSING) });
    Object.defineProperty(this, 'bufferedAmount', { get: () => this.buffered });
    this.phase = PHASE.syncing;
    this.wantsControl = true;
  }

  override send(data: unknown, _options?: unknown, cb?: (err?: Error) => void): void {
    this.sent.push(String(data));
    cb?.();
  }

  override close(code?: number): void {
    this.closedWith = code ?? 1005;
  }

  /** Keys of the message frames received, in order. */
  get messageKeys(): string[] {
    return this.sent.map((s) => JSON.parse(s) as { key?: string }).flatMap((f) => (f.key ? [f.key] : []));
  }

  get controls(): unknown[] {
    return this.sent.map((s) => JSON.parse(s) as { type?: string }).filter((f) => f.type !== undefined);
  }
}

/** Polls `done` every 20 ms for up to 5 s (the repair waits 500 ms between attempts). */
async function waitUntil(done: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 5_000; !done(); ) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('DeliveryService', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']));

  let queue: InMemoryQueue;
  let subscriber: FakeSubscriber;
  let delivery: DeliveryService;
  let metrics: GatewayMetrics;

  beforeEach(() => {
    queue = new InMemoryQueue();
    subscriber = new FakeSubscriber();
    const config = loadConfig({ WS_MAX_BUFFERED_BYTES: '4096' });
    metrics = new GatewayMetrics(createMetricsRegistry(false), 'node0001');
    delivery = new DeliveryService(config, keys, storeOf(queue), subscriber as unknown as RedisClient, 'node0001', metrics);
    delivery.onModuleInit();
  });

  /** Publishes as the Lua script does: store, then route. */
  function publish(key: string): void {
    queue.append(key);
    subscriber.publish(key);
  }

  it('starts a hello without since at the tip and delivers each live frame once, in order', async () => {
    queue.append('100-0');
    const a = new RecordingSocket();
    const b = new RecordingSocket();
    await delivery.open(a, UQ, null);
    await delivery.open(b, UQ, null);
    expect(subscriber.channels).toEqual(new Set([keys.channel(UQ)]));
    publish('101-0');
    publish('101-1');
    subscriber.publish('101-0'); // a duplicate (repair overlap) is dropped
    publish('102-0');
    for (const s of [a, b]) {
      expect(s.controls).toEqual([{ type: 'hello', node: 'node0001', recovered: true }]);
      expect(s.messageKeys).toEqual(['101-0', '101-1', '102-0']);
    }
    // one delivery per message and socket; latency once per routed frame
    expect(metrics.liveDeliveries.value).toBe(6);
    expect(metrics.deliveryLatency.observations).toBe(4);
  });

  it('delivers a message stored between the tip read and the SUBSCRIBE', async () => {
    queue.append('100-0');
    const s = new RecordingSocket();
    // stored after the tip read, published before the SUBSCRIBE took effect: pub/sub loses it
    queue.duringNextRead = () => queue.append('100-5');
    await delivery.open(s, UQ, null);
    expect(s.messageKeys).toEqual(['100-5']);
  });

  it('replays after since, holds live frames that arrive during the replay, and flushes them without duplicate', async () => {
    for (const k of ['100-0', '101-0', '102-0']) queue.append(k);
    const s = new RecordingSocket();
    queue.duringNextRead = () => publish('104-0'); // after the replay's read: held only
    const opening = delivery.open(s, UQ, { kind: 'key', key: { ms: 100, seq: 0 }, raw: '100-0' });
    publish('103-0'); // before the replay's read: in the replay and held
    await opening;
    expect(s.phase).toBe(PHASE.live);
    expect(s.messageKeys).toEqual(['101-0', '102-0', '103-0', '104-0']);
    expect([metrics.replayDeliveries.value, metrics.liveDeliveries.value]).toEqual([3, 1]);
  });

  it('collapses replaceId in a replay only', async () => {
    queue.append('100-0');
    queue.append('101-0', 'r');
    queue.append('102-0');
    queue.append('103-0', 'r');
    const s = new RecordingSocket();
    await delivery.open(s, UQ, { kind: 'key', key: { ms: 100, seq: 0 }, raw: '100-0' });
    expect(s.messageKeys).toEqual(['102-0', '103-0']);
  });

  it('repairs from the stream after the subscriber connection drops, then sends the frames held meanwhile', async () => {
    const s = new RecordingSocket();
    await delivery.open(s, UQ, null);
    publish('100-0');
    subscriber.emit('close');
    queue.append('101-0'); // published while the subscriber was away: never arrives live
    queue.append('102-0');
    subscriber.emit('ready');
    publish('103-0'); // arrives live during the repair: held
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(s.messageKeys).toEqual(['100-0', '101-0', '102-0', '103-0']);
    publish('104-0');
    expect(s.messageKeys.at(-1)).toBe('104-0');
  });

  it("closes with 1013 the sockets of a queue whose stream cannot be read in a repair while others' can", async () => {
    const other = 'b'.repeat(32);
    const s = new RecordingSocket();
    const down = new RecordingSocket();
    await delivery.open(s, UQ, null);
    await delivery.open(down, other, null);
    subscriber.emit('close');
    queue.append('101-0');
    queue.unreadable.add(other);
    subscriber.emit('ready');
    await waitUntil(() => down.closedWith !== null);
    expect(down.closedWith).toBe(1013);
    expect(s.closedWith).toBeNull();
    expect(s.messageKeys).toEqual(['101-0']);
  });

  it('retries the whole repair, closing nothing, while no stream can be read', async () => {
    const s = new RecordingSocket();
    await delivery.open(s, UQ, null);
    subscriber.emit('close');
    queue.append('101-0');
    queue.unreadable.add('*');
    subscriber.emit('ready');
    // three reads half a second apart fail, then the whole repair is tried again
    await new Promise((r) => setTimeout(r, 1_200));
    queue.unreadable.clear();
    await waitUntil(() => s.messageKeys.length > 0);
    expect(s.closedWith).toBeNull();
    expect(s.messageKeys).toEqual(['101-0']);
  });

  it('closes with 1013 a socket whose send buffer passes the limit', async () => {
    const s = new RecordingSocket();
    await delivery.open(s, UQ, null);
    s.buffered = 5000;
    publish('100-0');
    expect(s.closedWith).toBe(1013);
    publish('101-0');
    expect(s.messageKeys).toEqual(['100-0']);
  });

  it('unsubscribes when the last socket of the queue leaves', async () => {
    const a = new RecordingSocket();
    const b = new RecordingSocket();
    await delivery.open(a, UQ, null);
    await delivery.open(b, UQ, null);
    delivery.detach(a);
    expect(subscriber.channels.size).toBe(1);
    delivery.detach(b);
    await new Promise((r) => setImmediate(r));
    expect(subscriber.channels.size).toBe(0);
  });
});
