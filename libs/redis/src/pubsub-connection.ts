import { EventEmitter } from 'node:events';
import { Redis, RedisOptions } from 'ioredis';

/**
 * What a gateway needs of its pub/sub connection: SUBSCRIBE, UNSUBSCRIBE and PING on the connection
 * that carries the messages, and 'close' / 'ready' around every outage, so that it knows when to hold
 * live frames and when to read the streams for what it missed (DeliveryService's repair). A single
 * server's ioredis connection is one as it is; on Redis Cluster it is a ClusterNodeSubscriber.
 */
export interface PubSubConnection {
  readonly status: string;
  on(event: 'messageBuffer', listener: (channel: Buffer, message: Buffer) => void): this;
  on(event: 'close' | 'ready', listener: () => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  subscribe(...channels: string[]): Promise<unknown>;
  unsubscribe(...channels: string[]): Promise<unknown>;
  ping(): Promise<string>;
  quit(): Promise<string>;
}

/** A node of a cluster, as a client connects to it. */
export interface NodeAddress {
  readonly host: string;
  readonly port: number;
}

/** Reconnect attempts to the same node before its subscriber moves to another one. */
export const SAME_NODE_ATTEMPTS = 3;

/**
 * How often a ClusterNodeSubscriber PINGs its node, and how long the answer may take before it moves to
 * another: a node that hangs (stopped, swapping, cut off with its TCP connections still up) closes
 * nothing, so without the check its subscribers would wait for it for as long as it hangs.
 */
export const NODE_CHECK_MS = 3_000;

/**
 * The pub/sub connection of a gateway on Redis Cluster: a plain connection to one node. A `PUBLISH` on a
 * cluster reaches every node, so any one node delivers every channel; what ioredis's cluster client does
 * instead (a subscriber on a node it picks, re-picked and re-subscribed in the background when that node
 * goes) gave the gateway no 'close' or 'ready' of its own, so the messages published while the subscriber
 * moved were never delivered to the sockets that stayed open (test/e2e/redis-cluster-failover.e2e-spec.ts).
 *
 * Here the connection is the gateway's own: it reconnects to its node a few times (SAME_NODE_ATTEMPTS),
 * then moves to the next node that `nodes()` lists (the cluster client's current view), re-subscribes every
 * channel there before it says 'ready', and it forwards 'close' and 'ready' of every connection it holds.
 * PING goes over the same connection, so its reply proves the re-subscriptions are in place. Every
 * NODE_CHECK_MS it PINGs its node; no answer within as long again, and it moves on as if the node had died.
 */
export class ClusterNodeSubscriber extends EventEmitter implements PubSubConnection {
  private current: Redis;
  private readonly channels = new Set<string>();
  /** Index into nodes() of the next node to try; starts anywhere, so that gateways spread over the nodes. */
  private next: number;
  private stopping = false;
  private checking = false;
  private readonly checkTimer: NodeJS.Timeout;

  constructor(
    private readonly nodes: () => readonly NodeAddress[],
    private readonly options: Omit<RedisOptions, 'host' | 'port' | 'retryStrategy' | 'autoResubscribe'>,
    private readonly retryDelayMs: (attempt: number) => number,
    private readonly checkMs = NODE_CHECK_MS,
  ) {
    super();
    this.next = Math.floor(Math.random() * Math.max(1, nodes().length));
    this.current = this.open();
    this.checkTimer = setInterval(() => this.check(), checkMs);
    this.checkTimer.unref();
  }

  get status(): string {
    return this.current.status;
  }

  /** The node the connection is on (or is trying). */
  get node(): NodeAddress {
    return { host: this.current.options.host ?? '127.0.0.1', port: this.current.options.port ?? 6379 };
  }

  async connect(): Promise<void> {
    await this.current.connect();
  }

  async subscribe(...channels: string[]): Promise<unknown> {
    for (const c of channels) this.channels.add(c);
    try {
      return await this.current.subscribe(...channels);
    } catch (err) {
      // refused (no connection): the caller tries again with its next socket; nothing to resubscribe
      for (const c of channels) this.channels.delete(c);
      throw err;
    }
  }

  async unsubscribe(...channels: string[]): Promise<unknown> {
    for (const c of channels) this.channels.delete(c);
    return this.current.unsubscribe(...channels);
  }

  async ping(): Promise<string> {
    return this.current.ping();
  }

  async quit(): Promise<string> {
    this.stopping = true;
    clearInterval(this.checkTimer);
    return this.current.quit();
  }

  /** The node check (NODE_CHECK_MS): a PING that gets no answer in time moves the connection on. */
  private check(): void {
    const redis = this.current;
    if (this.checking || this.stopping || redis.status !== 'ready') return;
    this.checking = true;
    const timer = setTimeout(() => {
      if (redis !== this.current || this.stopping) return;
      const { host, port } = this.node;
      redis.removeAllListeners();
      // the hung node may still answer the disconnect's close with an error: nobody listens any more
      redis.on('error', () => undefined);
      redis.disconnect();
      this.reportError(new Error(`no PING answer from ${host}:${port} in ${this.checkMs} ms, moving to another node`));
      this.emit('close');
      this.moveOn();
    }, this.checkMs);
    redis
      .ping()
      .catch(() => 'no answer')
      .finally(() => {
        clearTimeout(timer);
        this.checking = false;
      });
  }

  /** Leaves the current node for the next one (a lazy connection connects on its first command). */
  private moveOn(): void {
    this.current = this.open();
    // a failed first attempt is retried like any other (then 'end' moves on again)
    this.current.connect().catch((err: unknown) => this.reportError(err instanceof Error ? err : new Error(String(err))));
  }

  /** 'error' without a listener would throw (EventEmitter); the caller listens once it has started. */
  private reportError(err: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  /** A connection to the next node, whose events this one forwards while it is the current one. */
  private open(): Redis {
    const listed = this.nodes();
    const node = listed.length === 0 ? { host: '127.0.0.1', port: 6379 } : listed[this.next++ % listed.length];
    const redis = new Redis({
      ...this.options,
      host: node.host,
      port: node.port,
      lazyConnect: true,
      // resubscribed here, before 'ready' is forwarded (see 'ready' below), also after a reconnect
      autoResubscribe: false,
      retryStrategy: (attempt: number) => (attempt <= SAME_NODE_ATTEMPTS ? this.retryDelayMs(attempt) : null),
    });
    redis.on('messageBuffer', (channel: Buffer, message: Buffer) => this.emit('messageBuffer', channel, message));
    redis.on('error', (err: Error) => this.reportError(err));
    redis.on('close', () => {
      if (redis === this.current) this.emit('close');
    });
    redis.on('ready', () => {
      if (redis !== this.current) return;
      // queued before the caller's PING after 'ready': its reply comes after these SUBSCRIBEs'
      if (this.channels.size > 0) redis.subscribe(...this.channels).catch((err: unknown) => this.reportError(err instanceof Error ? err : new Error(String(err))));
      this.emit('ready');
    });
    redis.on('end', () => {
      // the node did not come back: another one
      if (redis === this.current && !this.stopping) this.moveOn();
    });
    return redis;
  }
}
