/**
 * Routing: one Redis pub/sub channel per user queue (KeySchema.channel). A node SUBSCRIBEs to it on its
 * own subscriber connection while it holds at least one socket of that queue, and UNSUBSCRIBEs when the
 * last one leaves. Why this and not a channel per node with a routing table: the publish script then
 * needs no look-up of where a queue's sockets are (no table to keep consistent with crashes), Redis
 * itself sends a publish only to the nodes that subscribed, the cost of a publish does not grow with
 * the number of nodes, and a dead node's routing state vanishes with its subscriber connection (which
 * the monitor kills by name). The cost, one SUBSCRIBE per queue and node, is paid once per first socket.
 *
 * Delivery: the published payload is the ready JSON frame; it arrives here as a Buffer and is sent as is
 * to every socket of the queue (parsed for its key only, serialised never). Each connection drops any
 * frame whose key is not newer than the last it had, so replay, live traffic and repair can overlap
 * without a gap or a duplicate.
 *
 * Pub/sub is at-most-once: while the subscriber connection is down nothing arrives, so after it comes
 * back every subscribed queue is read from its stream after the oldest key its sockets had (repair),
 * with live frames held back until the repair is done.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { collapseReplaced, DomainError, KeyParts, parseKey, Since, SEQ_PER_MS } from '@push/domain';
import type { MessageStore } from '@push/domain';
import { PUSH_CONFIG } from '@push/config';
import type { PushConfig } from '@push/config';
import { GatewayMetrics } from '@push/observability';
import { KEY_SCHEMA, MESSAGE_STORE } from '@push/redis';
import type { KeySchema, PubSubConnection } from '@push/redis';
import { WebSocket } from 'ws';
import { ClientSocket, closeSocket, PHASE } from '../connection/client-socket';
import { CLOSE } from '../connection/close-codes';
import { NODE_ID } from '../lifecycle/node-identity.module';
import { frameKey } from './frame-key';
import { SUBSCRIBER } from './subscriber.provider';

/** The sockets of one user queue on this node, and the SUBSCRIBE that routes its channel here. */
interface QueueRoute {
  readonly userQueueId: string;
  readonly channel: string;
  readonly sockets: Set<ClientSocket>;
  /** Settles when Redis confirmed the SUBSCRIBE. */
  readonly subscribed: Promise<void>;
}

/** A published frame received while a repair was running. */
interface HeldFrame {
  readonly channel: string;
  readonly frame: Buffer;
}

const TEXT = { binary: false } as const;
const ZERO: KeyParts = { ms: 0, seq: 0 };
/** Pause between repair attempts while Redis does not answer. */
const REPAIR_RETRY_MS = 500;
/** Reads of one queue's stream in a repair before its sockets are closed, other queues having been read (see giveUpRoute). */
const ROUTE_REPAIR_ATTEMPTS = 3;
/**
 * Queues a repair reads at once: one at a time, a repair after a reconnect took a round trip per queue,
 * and on a cluster every queue of a dead node waited out its timeouts before the next was read.
 */
const REPAIR_CONCURRENCY = 32;

/** Marks Redis failures as the domain's "unavailable", so the edge closes with 1013. */
function unavailable(err: unknown): DomainError {
  return err instanceof DomainError ? err : new DomainError('unavailable', `redis: ${err instanceof Error ? err.message : String(err)}`);
}

/** The greatest key before the start of a since: frames with a key above it are after since. */
function boundOf(since: Since): KeyParts {
  if (since.kind === 'key') return since.key;
  const ms = Math.floor(since.micros / SEQ_PER_MS);
  const seq = since.micros % SEQ_PER_MS;
  if (seq > 0) return { ms, seq: seq - 1 };
  return ms > 0 ? { ms: ms - 1, seq: Number.MAX_SAFE_INTEGER } : ZERO;
}

function keyText(k: KeyParts): string {
  return `${k.ms}-${k.seq}`;
}

/** Routes published frames from Redis to this node's sockets; see the top of this file. */
@Injectable()
export class DeliveryService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryService.name);
  /** Routes by channel name (what pub/sub messages carry). */
  private readonly routes = new Map<string, QueueRoute>();
  /** Channels whose UNSUBSCRIBE failed (Redis away); retried after the next reconnect. */
  private readonly staleChannels = new Set<string>();
  private readonly maxBufferedBytes: number;
  private readonly repairLimit: number;
  private wasReady = false;
  /** True from a subscriber disconnect until its repair is done; live frames are held meanwhile. */
  private repairing = false;
  private repairRequested = false;
  private repairRunning = false;
  private held: HeldFrame[] = [];
  /** Channels to SUBSCRIBE with the next batch, and that batch (see subscribeSoon). */
  private subscribeQueue: string[] = [];
  private subscribeBatch: Promise<void> | null = null;
  private stopping = false;
  private subscriberErrorLogged = false;

  constructor(
    @Inject(PUSH_CONFIG) config: PushConfig,
    @Inject(KEY_SCHEMA) private readonly keys: KeySchema,
    @Inject(MESSAGE_STORE) private readonly store: MessageStore,
    @Inject(SUBSCRIBER) private readonly subscriber: PubSubConnection,
    @Inject(NODE_ID) private readonly nodeId: string,
    private readonly metrics: GatewayMetrics,
  ) {
    this.maxBufferedBytes = config.wsMaxBufferedBytes;
    // a queue never holds more than STREAM_MAX_LEN entries, so this reads all that a socket can have missed
    this.repairLimit = config.streamMaxLen;
  }

  onModuleInit(): void {
    this.wasReady = this.subscriber.status === 'ready';
    this.subscriber.on('messageBuffer', (channel: Buffer, frame: Buffer) => this.onPublished(channel, frame));
    this.subscriber.on('close', () => this.onSubscriberLost());
    this.subscriber.on('ready', () => this.onSubscriberReady());
    this.subscriber.on('error', (err: Error) => {
      // ioredis reports every failed reconnect attempt: say it once per outage
      if (this.subscriberErrorLogged) return;
      this.subscriberErrorLogged = true;
      this.logger.warn(`nodeId=${this.nodeId} subscriber error: ${err.message}`);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.subscriber.quit().catch((err: unknown) => this.logger.warn(`nodeId=${this.nodeId} subscriber quit: ${String(err)}`));
  }

  /**
   * Makes an authenticated socket live: subscribe, fix where it starts (the tip when the hello came, or
   * a replay after `since` with the replaceId rule), send the hello and what was stored since that
   * start, then the live frames held meanwhile. Throws DomainError('unavailable') when Redis does not answer.
   */
  async open(ws: ClientSocket, userQueueId: string, since: Since | null): Promise<void> {
    ws.userQueueId = userQueueId;
    ws.pending = [];
    try {
      if (since === null) {
        // the tip is read before SUBSCRIBE and what came between is read after it, so that every message
        // stored after the node got the hello reaches the socket (reading the tip after SUBSCRIBE would
        // skip one published in between)
        const tip = await this.store.lastKey(userQueueId);
        await this.attach(ws, userQueueId);
        if (ws.isClosed()) return;
        this.startAt(ws, tip);
        this.sendHello(ws, true);
        for (const m of await this.store.readAfter(userQueueId, tip ?? keyText(ZERO), this.repairLimit)) {
          const key = parseKey(m.key);
          if (key) await this.sendPaced(ws, key, Buffer.from(m.frame));
          if (ws.isClosed()) return;
        }
      } else {
        await this.attach(ws, userQueueId);
        if (ws.isClosed()) return;
        const bound = boundOf(since);
        this.startAt(ws, keyText(bound));
        const replay = await this.store.replay(userQueueId, since);
        if (ws.isClosed()) return;
        if (replay.messages.length === 0 && !replay.recovered) {
          // unknown or future since: nothing to replay, so start at the tip rather than hold back live frames
          this.startAt(ws, await this.store.lastKey(userQueueId));
        }
        this.sendHello(ws, replay.recovered);
        this.metrics.resumed(replay.recovered);
        for (const m of collapseReplaced(replay.messages)) {
          const key = parseKey(m.key);
          if (key) await this.sendPaced(ws, key, Buffer.from(m.frame));
          if (ws.isClosed()) return;
        }
        // frames collapsed away after the last one sent count as had too
        const lastKey = parseKey(replay.messages.at(-1)?.key ?? '');
        if (lastKey && ws.isNew(lastKey.ms, lastKey.seq)) {
          ws.lastMs = lastKey.ms;
          ws.lastSeq = lastKey.seq;
        }
      }
    } catch (err) {
      throw unavailable(err);
    }
    if (ws.isClosed()) return;
    const pending = ws.pending ?? [];
    ws.pending = null;
    ws.phase = PHASE.live;
    for (const p of pending) this.send(ws, p.ms, p.seq, p.frame);
  }

  /** Forgets a closed socket; the last socket of a queue unsubscribes its channel. */
  detach(ws: ClientSocket): void {
    if (ws.userQueueId === null) return;
    const channel = this.keys.channel(ws.userQueueId);
    const route = this.routes.get(channel);
    if (!route || !route.sockets.delete(ws) || route.sockets.size > 0) return;
    this.routes.delete(channel);
    if (this.stopping) return;
    this.subscriber.unsubscribe(channel).catch((err: unknown) => {
      this.staleChannels.add(channel);
      this.logger.warn(`nodeId=${this.nodeId} unsubscribe failed, retried after reconnect: ${String(err)}`);
    });
  }

  private async attach(ws: ClientSocket, userQueueId: string): Promise<void> {
    const channel = this.keys.channel(userQueueId);
    let route = this.routes.get(channel);
    if (!route) {
      this.staleChannels.delete(channel);
      const created: QueueRoute = {
        userQueueId,
        channel,
        sockets: new Set(),
        subscribed: this.subscribeSoon(channel),
      };
      created.subscribed.catch(() => {
        // the next socket of this queue tries again
        if (this.routes.get(channel) === created) this.routes.delete(channel);
      });
      this.routes.set(channel, created);
      route = created;
    }
    route.sockets.add(ws);
    await route.subscribed;
  }

  /**
   * SUBSCRIBEs the channels asked for within one turn of the event loop with one command. ioredis does
   * not auto-pipeline a subscriber connection, so during a connect storm one SUBSCRIBE per socket was one
   * socket write each, the largest Redis cost of a connect (CPU profile of the bench's idle run).
   */
  private subscribeSoon(channel: string): Promise<void> {
    this.subscribeQueue.push(channel);
    this.subscribeBatch ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      const channels = this.subscribeQueue;
      this.subscribeQueue = [];
      this.subscribeBatch = null;
      await this.subscriber.subscribe(...channels);
    });
    return this.subscribeBatch;
  }

  /** Sets where a syncing socket stands: frames up to this key are not sent (nothing live was sent yet). */
  private startAt(ws: ClientSocket, key: string | null): void {
    const k = (key !== null && parseKey(key)) || ZERO;
    ws.lastMs = k.ms;
    ws.lastSeq = k.seq;
  }

  private sendHello(ws: ClientSocket, recovered: boolean): void {
    if (!ws.wantsControl || ws.readyState !== WebSocket.OPEN) return;
    ws.send(JSON.stringify({ type: 'hello', node: this.nodeId, recovered }));
  }

  private onPublished(channelBuf: Buffer, frame: Buffer): void {
    const channel = channelBuf.toString();
    if (this.repairing) {
      this.held.push({ channel, frame });
      return;
    }
    this.route(channel, frame);
  }

  private route(channel: string, frame: Buffer): void {
    const route = this.routes.get(channel);
    if (!route) return;
    const key = frameKey(frame);
    if (key === null) {
      this.logger.warn(`nodeId=${this.nodeId} dropped a published frame without a key prefix`);
      return;
    }
    for (const ws of route.sockets) this.offer(ws, key.ms, key.seq, frame);
    // once per message and node, after its sends: the key is the publish's stamp, so no parsing
    this.metrics.observeDelivery(key.ms, key.seq);
  }

  /** Hands a frame to a socket: held while it syncs, else sent through the key filter. */
  private offer(ws: ClientSocket, ms: number, seq: number, frame: Buffer): void {
    if (ws.pending !== null) ws.pending.push({ ms, seq, frame });
    else this.send(ws, ms, seq, frame);
  }

  private send(ws: ClientSocket, ms: number, seq: number, frame: Buffer): void {
    if (ws.isClosed() || ws.readyState !== WebSocket.OPEN || !ws.isNew(ms, seq)) return;
    ws.lastMs = ms;
    ws.lastSeq = seq;
    ws.send(frame, TEXT);
    this.metrics.liveDeliveries.inc();
    if (ws.bufferedAmount > this.maxBufferedBytes) {
      this.logger.warn(
        `nodeId=${this.nodeId} connectionId=${ws.connectionId} closed code=${CLOSE.tryAgainLater} reason=slow-consumer bufferedBytes=${ws.bufferedAmount}`,
      );
      closeSocket(ws, CLOSE.tryAgainLater, 'cannot keep up');
    }
  }

  /** A replay may exceed the live send-buffer limit on purpose: it waits for the socket to drain instead. */
  private async sendPaced(ws: ClientSocket, key: KeyParts, frame: Buffer): Promise<void> {
    if (ws.isClosed() || ws.readyState !== WebSocket.OPEN || !ws.isNew(key.ms, key.seq)) return;
    ws.lastMs = key.ms;
    ws.lastSeq = key.seq;
    this.metrics.replayDeliveries.inc();
    if (ws.bufferedAmount <= this.maxBufferedBytes) {
      ws.send(frame, TEXT);
      return;
    }
    await new Promise<void>((resolve) => ws.send(frame, TEXT, () => resolve()));
  }

  private onSubscriberLost(): void {
    if (!this.wasReady || this.stopping) return;
    if (!this.repairing) this.logger.warn(`nodeId=${this.nodeId} subscriber connection lost; holding live frames until repaired`);
    this.repairing = true;
  }

  private onSubscriberReady(): void {
    this.wasReady = true;
    this.subscriberErrorLogged = false;
    if (!this.repairing || this.stopping) return;
    this.repairRequested = true;
    if (!this.repairRunning) void this.runRepair();
  }

  /** Reads from the streams what the sockets may have missed while the subscriber was away. */
  private async runRepair(): Promise<void> {
    this.repairRunning = true;
    let routes = 0;
    let frames = 0;
    let failures = 0;
    try {
      while (this.repairRequested && !this.stopping) {
        this.repairRequested = false;
        try {
          // ioredis re-sent the SUBSCRIBEs before 'ready'; the PING reply proves Redis has applied them
          await this.subscriber.ping();
          for (const channel of this.staleChannels) {
            if (!this.routes.has(channel)) await this.subscriber.unsubscribe(channel);
            this.staleChannels.delete(channel);
          }
          routes = 0;
          frames = 0;
          let left = [...this.routes.values()];
          for (let attempt = 1; left.length > 0; attempt++) {
            const failed: { route: QueueRoute; err: unknown }[] = [];
            for (let i = 0; i < left.length; i += REPAIR_CONCURRENCY) {
              const batch = left.slice(i, i + REPAIR_CONCURRENCY);
              const read = await Promise.allSettled(batch.map((route) => this.repairRoute(route)));
              for (const [j, r] of read.entries()) {
                if (r.status === 'fulfilled') {
                  frames += r.value;
                  routes++;
                } else {
                  failed.push({ route: batch[j], err: r.reason });
                }
              }
            }
            if (failed.length === 0) break;
            if (attempt >= ROUTE_REPAIR_ATTEMPTS) {
              // no queue could be read: Redis is away (or still reconnecting), not one node of it; all again
              if (routes === 0) throw failed[0].err;
              for (const f of failed) this.giveUpRoute(f.route, f.err);
              break;
            }
            left = failed.map((f) => f.route);
            await delay(REPAIR_RETRY_MS);
          }
        } catch (err) {
          if (failures++ === 0) this.logger.warn(`nodeId=${this.nodeId} repair failed, retrying every ${REPAIR_RETRY_MS} ms: ${String(err)}`);
          this.repairRequested = true;
          await delay(REPAIR_RETRY_MS);
        }
      }
    } finally {
      this.repairRunning = false;
    }
    // dropped again while repairing: the next 'ready' repairs again, still holding live frames
    if (this.subscriber.status !== 'ready' || this.stopping) return;
    const held = this.held;
    this.held = [];
    this.repairing = false;
    for (const h of held) this.route(h.channel, h.frame);
    this.metrics.repaired();
    this.logger.log(`nodeId=${this.nodeId} subscriber repaired queues=${routes} framesRead=${frames} held=${held.length} failedAttempts=${failures}`);
  }

  /**
   * A queue whose stream could not be read after ROUTE_REPAIR_ATTEMPTS while other queues' could (on
   * Redis Cluster: its node is down while the others answer): its sockets are closed with 1013, so that
   * they resume with `since` once it is back, instead of every other queue's frames being held until it
   * is. When no queue can be read the whole repair is retried, as before, and no socket is closed.
   */
  private giveUpRoute(route: QueueRoute, err: unknown): void {
    this.logger.warn(
      `nodeId=${this.nodeId} repair of a queue failed ${ROUTE_REPAIR_ATTEMPTS} times, closing its sockets=${route.sockets.size} code=${CLOSE.tryAgainLater}: ${String(err)}`,
    );
    this.metrics.closedByRepair(route.sockets.size);
    for (const ws of [...route.sockets]) closeSocket(ws, CLOSE.tryAgainLater, 'queue unavailable, resume later');
  }

  private async repairRoute(route: QueueRoute): Promise<number> {
    let oldest: KeyParts | null = null;
    for (const ws of route.sockets) {
      if (ws.isClosed()) continue;
      if (oldest === null || ws.isNew(oldest.ms, oldest.seq)) oldest = { ms: ws.lastMs, seq: ws.lastSeq };
    }
    if (oldest === null) return 0;
    const entries = await this.store.readAfter(route.userQueueId, keyText(oldest), this.repairLimit);
    for (const e of entries) {
      const key = parseKey(e.key);
      if (!key) continue;
      const frame = Buffer.from(e.frame);
      for (const ws of route.sockets) this.offer(ws, key.ms, key.seq, frame);
    }
    return entries.length;
  }
}
