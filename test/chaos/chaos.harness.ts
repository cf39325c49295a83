/**
 * The fault-injection harness shared by every `*.chaos-spec.ts`: a redis-server of the scenario's own
 * (AOF with appendfsync always, so it can be killed and restarted), the stack (api, gateways, monitor)
 * as real processes, clients that behave like a careful SDK (find a node with GET /nodes/, JSON hello,
 * record every key, on any loss reconnect to a live node and resume with `since=<last key>`),
 * publishers at a fixed total rate that record every acknowledged key, and the one check: per client,
 * delivered keys == acknowledged keys, each exactly once, in order.
 *
 * Scale: CHAOS_SCALE=ci (the default, what `npm test` runs) or CHAOS_SCALE=full (`npm run test:chaos`).
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IntervalHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { KeySchema } from '@push/redis';
import { AppProcess, REPO_ROOT, startApp, startApps, TestRedisCluster, TestRedisServer, uniquePrefix, waitFor } from '@push/testing';
import WebSocket from 'ws';
import { ApiClient, compareKeys, ControlFrame, WireMessage } from '../e2e/realtime.support';

/** How big a run is: `ci` fits `npm test` on a busy 2-core machine, `full` is the real exercise. */
export type ChaosScale = 'ci' | 'full';

/** The scale of this run, from CHAOS_SCALE (default ci). */
export const CHAOS_SCALE: ChaosScale = process.env.CHAOS_SCALE === 'full' ? 'full' : 'ci';

/** Picks the value of the current scale. */
export function atScale<T>(ci: T, full: T): T {
  return CHAOS_SCALE === 'full' ? full : ci;
}

/** Monitor period of every chaos stack: short, so that a dead node is seen within seconds. */
export const MONITOR_PERIOD_MS = 1_000;
/**
 * The gateway's ping interval in the chaos stacks: long enough that a test runner starved of CPU for a
 * few seconds on a busy machine still answers in time (a gateway drops a socket that missed one ping).
 */
export const WS_PING_INTERVAL_MS = 5_000;
/** How often a client pings its node itself, to notice a node that stopped answering. */
export const CLIENT_PING_EVERY_MS = 2_000;
/** A client that heard nothing (no pong, ping or message) for this long drops the socket and reconnects. */
export const CLIENT_DEAD_AFTER_MS = 3 * CLIENT_PING_EVERY_MS;

/**
 * Event-loop delay of the test process itself (clients and publishers live here): on a busy machine a
 * stalled runner, not the service, can explain a slow number, so every summary line shows it.
 */
const runnerLag: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 });
runnerLag.enable();

/**
 * The runner's event-loop delay over one window of a scenario, from now until `stop()` (which returns
 * its maximum in ms). A latency measured here is stamped on arrival in the runner, so a runner stalled
 * for d ms (e.g. parsing a burst the scenario itself caused) can add up to d ms to it.
 */
export function runnerLagWindow(): { stop(): number } {
  const window = monitorEventLoopDelay({ resolution: 20 });
  window.enable();
  return {
    stop(): number {
      window.disable();
      return window.max / 1e6;
    },
  };
}

/** Whatever a scenario left running when it failed half-way; ChaosStack.stop() ends it so that jest can exit. */
const running = new Set<{ halt(): void }>();

// ---------------------------------------------------------------------------------------------------
// Redis

// ---------------------------------------------------------------------------------------------------
// The stack

/** Options of ChaosStack.start. */
export interface StackOptions {
  /** Scenario name, for the key prefix. */
  readonly name: string;
  /** Gateway processes (default 2). */
  readonly gateways?: number;
  /** Extra environment of every process (e.g. STREAM_MAX_LEN). */
  readonly env?: Record<string, string>;
  /** Redis with an append-only file (appendfsync always), for scenarios that restart it. */
  readonly persistentRedis?: boolean;
  /** A Redis Cluster of three masters with a replica each (cluster-node-timeout 1 s) instead of one server. */
  readonly cluster?: boolean;
}

/** api + gateways + monitor on a TestRedisServer (or a TestRedisCluster), each a real process started from dist/. */
export class ChaosStack {
  /** Processes the scenario stopped on purpose: their exit is not a crash. */
  private readonly stoppedOnPurpose = new Set<AppProcess>();
  /** Every process ever started, for crash detection and cleanup. */
  private readonly all: AppProcess[] = [];

  private constructor(
    readonly name: string,
    private readonly backing: TestRedisServer | TestRedisCluster,
    readonly env: Record<string, string>,
    readonly keys: KeySchema,
    readonly api: AppProcess,
    readonly gateways: AppProcess[],
    readonly monitor: AppProcess,
  ) {
    this.all.push(api, monitor, ...gateways);
  }

  static async start(options: StackOptions): Promise<ChaosStack> {
    runnerLag.reset();
    const redis = options.cluster
      ? await TestRedisCluster.start(3, ['--cluster-node-timeout', '1000'], true)
      : await TestRedisServer.start(options.persistentRedis ?? false);
    const prefix = uniquePrefix(`chaos-${options.name}`);
    const env: Record<string, string> = {
      KEY_PREFIX: prefix,
      REDIS_URL: redis.url,
      PUSH_URL_SECRET: 'chaos-secret-chaos-secret-chaos-secret-42',
      MONITOR_PERIOD_MS: String(MONITOR_PERIOD_MS),
      MONITOR_TIMEOUT_MS: '500',
      WS_PING_INTERVAL_MS: String(WS_PING_INTERVAL_MS),
      LOG_LEVEL: 'log',
      // the load comes from one address and floods single push URLs on purpose (backlog, slow consumer,
      // a 2,000-socket storm onto one node): limits are tested in test/e2e/limits.e2e-spec.ts, not here
      PUBLISH_BURST_PER_PUSH_URL: '0',
      PUBLISH_BURST_PER_IP: '0',
      FAILED_ATTEMPTS_PER_IP: '0',
      MAX_SOCKETS_PER_IP: '0',
      ...options.env,
    };
    try {
      // startApps stops the ones that did start when another fails
      const [api, monitor, ...gateways] = await startApps(['api', 'monitor', ...Array.from({ length: options.gateways ?? 2 }, () => 'gateway' as const)], { env });
      const stack = new ChaosStack(options.name, redis, env, new KeySchema(prefix), api, gateways, monitor);
      await waitFor(async () => (await stack.nodes()).length === gateways.length, 10_000, 'every gateway in /nodes/');
      return stack;
    } catch (err) {
      await redis.destroy();
      throw err;
    }
  }

  /** The one Redis server of the stack (throws for a stack on a cluster). */
  get redis(): TestRedisServer {
    if (this.backing instanceof TestRedisCluster) throw new Error(`${this.name} runs on a Redis Cluster`);
    return this.backing;
  }

  /** The Redis Cluster of the stack (throws for a stack on one server). */
  get cluster(): TestRedisCluster {
    if (!(this.backing instanceof TestRedisCluster)) throw new Error(`${this.name} runs on one Redis server`);
    return this.backing;
  }

  /** `host:port` a gateway registers. */
  address(gw: AppProcess): string {
    return `127.0.0.1:${gw.port}`;
  }

  /** The api over HTTP. */
  get http(): ApiClient {
    return new ApiClient(this.api);
  }

  /** GET /nodes/ (throws when the api does not answer 200). */
  async nodes(): Promise<string[]> {
    return this.http.nodes();
  }

  /** Sends a signal to gateway `i`; SIGKILL and SIGTERM count as stopping it on purpose. */
  signalGateway(i: number, signal: NodeJS.Signals): void {
    if (signal === 'SIGKILL' || signal === 'SIGTERM') this.stoppedOnPurpose.add(this.gateways[i]);
    this.gateways[i].signal(signal);
  }

  /** Starts gateway `i` again on its port (after it exited). */
  async restartGateway(i: number): Promise<AppProcess> {
    const old = this.gateways[i];
    if (old.exit === null) throw new Error(`gateway ${i} (pid ${old.pid}) is still running`);
    const gw = await startApp('gateway', { env: this.env, port: old.port });
    this.gateways[i] = gw;
    this.all.push(gw);
    return gw;
  }

  /** Processes that exited without the scenario asking, with their exit and last output. */
  crashed(): string[] {
    return this.all
      .filter((p) => p.exit !== null && !this.stoppedOnPurpose.has(p))
      .map((p) => `${p.app} pid ${p.pid} port ${p.port} exited ${JSON.stringify(p.exit)}:\n${p.logs.slice(-3_000)}`);
  }

  /** Processes in which ioredis reported an error nobody listened to (each failed reconnect prints one). */
  unhandledRedisErrors(): string[] {
    return this.all.filter((p) => p.logs.includes('Unhandled error event')).map((p) => `${p.app} pid ${p.pid}`);
  }

  /** Stops the scenario's clients and publishers, every process and the Redis server, and deletes its files. */
  async stop(): Promise<void> {
    for (const r of [...running]) r.halt();
    // every process's output, for reading after a failure
    const dir = join(REPO_ROOT, 'test-artifacts', 'chaos', 'logs', this.name);
    mkdirSync(dir, { recursive: true });
    for (const p of this.all) writeFileSync(join(dir, `${p.app}-${p.port}-${p.pid}.log`), p.logs);
    await Promise.all(this.all.map((p) => p.stop().catch(() => p.signal('SIGKILL'))));
    await this.backing.destroy();
  }
}

// ---------------------------------------------------------------------------------------------------
// Clients

/** An acknowledged publish: the key the api answered and when. */
export interface Ack {
  readonly key: string;
  readonly atMs: number;
}

/** A hello control frame as the client saw it. */
export interface HelloSeen {
  readonly atMs: number;
  readonly address: string;
  readonly node: string;
  readonly recovered: boolean;
}

/** Options shared by the clients of a pool. */
export interface ClientOptions {
  /** Upper bound of the random wait before the first reconnect attempt (a thundering herd spreads out). */
  readonly reconnectJitterMs: number;
  /** Record each message's latency (publisher send time → arrival). */
  readonly recordLatency: boolean;
  /** A live socket silent (no pong, ping or message) for this long is dropped. */
  readonly deadAfterMs: number;
}

const DEFAULT_CLIENT_OPTIONS: ClientOptions = { reconnectJitterMs: 500, recordLatency: false, deadAfterMs: CLIENT_DEAD_AFTER_MS };
/** How long an upgrade may take before the client tries the next node (a SIGSTOPped node never answers). */
const HANDSHAKE_TIMEOUT_MS = 3_000;
/** How long the hello answer may take before the client tries again. */
const HELLO_TIMEOUT_MS = 10_000;

function monotonicMs(): number {
  return performance.now();
}

/**
 * One client as a careful SDK behaves: it connects to a node from GET /nodes/, sends the JSON hello
 * `{token, since}`, records every message key in arrival order, pings its node and treats a socket
 * that has been silent for deadAfterMs as lost, and after any loss reconnects (jittered backoff, to a node other
 * than the one it lost first) resuming after the last key it has.
 */
export class ChaosClient {
  /** Message keys in arrival order, across all its sockets. */
  readonly delivered: string[] = [];
  /** What the publishers got 200 for, in completion order. */
  readonly acked: Ack[] = [];
  /** Publishes to this client that failed in a way that might still have stored them (5xx, network). */
  uncertain = 0;
  /** Keys received that were not newer than the previous one and had been received before. */
  duplicates = 0;
  /** Keys received that were not newer than the previous one and had not been received before. */
  outOfOrder = 0;
  readonly hellos: HelloSeen[] = [];
  /** Close codes of its sockets after they were live. */
  readonly closes: { atMs: number; code: number }[] = [];
  /** Time from losing a live socket to the next hello, per reconnect. */
  readonly reconnectMs: number[] = [];
  /** (arrival time, latency) per message, when recordLatency. */
  readonly latencies: { atMs: number; ms: number }[] = [];
  /** The address of the live socket, or null. */
  address: string | null = null;
  /** When the last message arrived (Date.now()), or 0. */
  lastMessageAtMs = 0;

  private readonly seen = new Set<string>();
  private ws: WebSocket | null = null;
  private live = false;
  private paused = false;
  private offline = false;
  private stopped = false;
  private reconnecting = false;
  private lostAtMs: number | null = null;
  private lastHeardMs = 0;
  private lastPingMs = 0;
  private lastKeyValue: string | null = null;

  constructor(
    readonly index: number,
    readonly apiUrl: string,
    readonly token: string,
    readonly pushUrl: string,
    readonly userQueue: string,
    readonly userQueueId: string,
    private readonly options: ClientOptions,
  ) {}

  /** The newest key received. */
  get lastKey(): string | null {
    return this.lastKeyValue;
  }

  /** True while a socket is open and its hello was answered. */
  get isLive(): boolean {
    return this.live;
  }

  /** The latest hello. */
  get lastHello(): HelloSeen | undefined {
    return this.hellos.at(-1);
  }

  /** Connects to `address` (or a node from /nodes/) and resolves at the hello. */
  async start(address?: string): Promise<void> {
    if (address !== undefined && (await this.tryConnect(address))) return;
    await this.reconnect(null, 0);
    if (!this.live) throw new Error(`client ${this.index} could not connect`);
  }

  /** Stops reading from its socket at the TCP level (a consumer that cannot keep up). */
  pause(): void {
    this.paused = true;
    this.ws?.pause();
  }

  /** Reads again. */
  resume(): void {
    this.paused = false;
    this.lastHeardMs = monotonicMs();
    this.ws?.resume();
  }

  /** Closes its socket and stays offline until goOnline(). */
  goOffline(): void {
    this.offline = true;
    this.dropSocket();
  }

  /** Connects again, resuming after the last key; resolves at the hello. */
  async goOnline(): Promise<HelloSeen> {
    this.offline = false;
    const before = this.hellos.length;
    void this.reconnect(null, 0);
    return waitFor(() => this.hellos[before], 30_000, `client ${this.index} back online`);
  }

  /** Stops for good. */
  stop(): void {
    this.stopped = true;
    this.dropSocket();
  }

  /** Called by the pool's sweeper: pings the node now and then, and drops a live socket that has been silent too long. */
  checkAlive(nowMs: number): void {
    if (!this.live || this.paused || this.ws === null) return;
    if (nowMs - this.lastHeardMs > this.options.deadAfterMs) {
      this.ws.terminate();
      return;
    }
    if (nowMs - this.lastPingMs >= CLIENT_PING_EVERY_MS) {
      this.lastPingMs = nowMs;
      this.ws.ping();
    }
  }

  /** True when every acknowledged key (acknowledged before `beforeMs`, if given) has arrived. */
  caughtUp(beforeMs = Infinity): boolean {
    for (const a of this.acked) if (a.atMs < beforeMs && !this.seen.has(a.key)) return false;
    return true;
  }

  private dropSocket(): void {
    const ws = this.ws;
    this.ws = null;
    this.live = false;
    this.address = null;
    ws?.terminate();
  }

  /** Reconnects until a hello is answered, or the client is stopped or taken offline. */
  private async reconnect(avoid: string | null, firstDelayMs: number): Promise<void> {
    if (this.reconnecting) return;
    this.reconnecting = true;
    try {
      for (let attempt = 0; !this.stopped && !this.offline; attempt++) {
        const waitMs = attempt === 0 ? firstDelayMs : Math.min(2_000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2);
        if (waitMs > 0) await sleep(waitMs);
        let nodes: string[];
        try {
          nodes = await this.nodes();
        } catch {
          continue; // the api is unreachable or Redis is down (503): retry later
        }
        const ordered = [...nodes.filter((a) => a !== avoid), ...nodes.filter((a) => a === avoid)];
        for (const address of ordered) {
          if (this.stopped || this.offline) return;
          if (await this.tryConnect(address)) return;
        }
      }
    } finally {
      this.reconnecting = false;
    }
  }

  private async nodes(): Promise<string[]> {
    const res = await fetch(`${this.apiUrl}/nodes/`, { signal: AbortSignal.timeout(5_000) });
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new Error(`GET /nodes/ answered ${res.status}`);
    }
    return ((await res.json()) as { nodes: string[] }).nodes;
  }

  /** Opens a socket to `address` and sends the hello; true once it is answered. */
  private tryConnect(address: string): Promise<boolean> {
    return new Promise((resolve) => {
      const ws = new WebSocket(`ws://${address}/`, { perMessageDeflate: false, handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
      let settled = false;
      const settle = (ok: boolean): void => {
        if (settled) return;
        settled = true;
        clearTimeout(helloTimer);
        if (!ok) ws.terminate();
        resolve(ok);
      };
      const helloTimer = setTimeout(() => settle(false), HANDSHAKE_TIMEOUT_MS + HELLO_TIMEOUT_MS);
      ws.on('error', () => settle(false));
      ws.on('unexpected-response', () => settle(false));
      ws.on('open', () => {
        const since = this.lastKeyValue ?? '0-0';
        ws.send(JSON.stringify({ token: this.token, since }));
      });
      const heard = (): void => {
        this.lastHeardMs = monotonicMs();
      };
      ws.on('ping', heard);
      ws.on('pong', heard);
      ws.on('message', (data: WebSocket.RawData) => {
        this.lastHeardMs = monotonicMs();
        const frame = JSON.parse(data.toString()) as WireMessage | ControlFrame;
        if ('type' in frame) {
          if (frame.type !== 'hello' || settled || this.stopped || this.offline) return;
          this.ws = ws;
          this.live = true;
          this.address = address;
          if (this.paused) ws.pause();
          const atMs = Date.now();
          this.hellos.push({ atMs, address, node: frame.node ?? '', recovered: frame.recovered === true });
          if (this.lostAtMs !== null) this.reconnectMs.push(atMs - this.lostAtMs);
          this.lostAtMs = null;
          settle(true);
          return;
        }
        if (this.ws !== ws) return; // a socket that lost its race with the hello timeout
        this.onMessage(frame);
      });
      ws.on('close', (code: number) => {
        settle(false);
        if (this.ws !== ws) return;
        this.ws = null;
        this.live = false;
        this.address = null;
        this.closes.push({ atMs: Date.now(), code });
        this.lostAtMs = Date.now();
        if (!this.stopped && !this.offline) void this.reconnect(address, Math.random() * this.options.reconnectJitterMs);
      });
    });
  }

  private onMessage(frame: WireMessage): void {
    const key = frame.key;
    if (this.lastKeyValue !== null && compareKeys(key, this.lastKeyValue) <= 0) {
      if (this.seen.has(key)) this.duplicates++;
      else this.outOfOrder++;
    } else {
      this.lastKeyValue = key;
    }
    this.delivered.push(key);
    this.seen.add(key);
    this.lastMessageAtMs = Date.now();
    if (this.options.recordLatency) {
      const sentAt = Number(String(frame.body.body ?? '').split(' ')[0]);
      if (Number.isFinite(sentAt)) this.latencies.push({ atMs: Date.now(), ms: monotonicMs() - sentAt });
    }
  }
}

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}

/** The clients of a scenario, each with its own token and push URL, and the sweeper that finds silent sockets. */
export class ClientPool {
  private readonly sweeper: NodeJS.Timeout;

  private constructor(readonly clients: ChaosClient[]) {
    // checked after the poll phase (setImmediate), so that after a stall of this process the frames that
    // arrived meanwhile count before a socket is judged silent
    this.sweeper = setInterval(() => {
      setImmediate(() => {
        const now = monotonicMs();
        for (const c of this.clients) c.checkAlive(now);
      });
    }, 250);
    running.add(this);
  }

  /** Creates `n` clients (token + one push URL each) on the stack's api; none is connected yet. */
  static async create(stack: ChaosStack, n: number, options: Partial<ClientOptions> = {}): Promise<ClientPool> {
    const http = stack.http;
    const opts = { ...DEFAULT_CLIENT_OPTIONS, ...options };
    const clients = await mapLimit(Array.from({ length: n }, (_, i) => i), 32, async (i) => {
      const c = await http.newClient(`site${i}.example`);
      return new ChaosClient(i, stack.api.url, c.token, c.pushUrl, c.userQueue, c.userQueueId, opts);
    });
    return new ClientPool(clients);
  }

  /** Connects every client: to `placement(i)` when given, else through /nodes/. */
  async connectAll(placement?: (i: number) => string): Promise<void> {
    await mapLimit(this.clients, 64, (c, i) => c.start(placement?.(i)));
  }

  /** Stops every client. */
  stop(): void {
    running.delete(this);
    clearInterval(this.sweeper);
    for (const c of this.clients) c.stop();
  }

  /** Same as stop(). */
  halt(): void {
    this.stop();
  }
}

// ---------------------------------------------------------------------------------------------------
// Publishers

/** One failed publish. */
export interface PublishFailure {
  /** HTTP status, or the error name for a network failure or timeout. */
  readonly status: number | string;
  readonly retryAfter: string | null;
  readonly elapsedMs: number;
  readonly atMs: number;
}

/** Options of a Publisher. */
export interface PublisherOptions {
  /** Bytes of padding in each message body (the body also carries the send time). */
  readonly padBytes?: number;
  /** Publishes in flight at most; beyond it a due publish is skipped (and counted). */
  readonly maxInFlight?: number;
  /** A request that takes longer is aborted and counted as a failure. */
  readonly timeoutMs?: number;
}

/**
 * Publishes to the push URLs of its targets, round robin, at a fixed total rate, and records the key of
 * every 200 on its client and every failure here.
 */
export class Publisher {
  readonly failures: PublishFailure[] = [];
  sent = 0;
  ackedCount = 0;
  /** Due publishes not sent because maxInFlight were in flight. */
  skipped = 0;
  /** Slowest answer of any kind. */
  maxElapsedMs = 0;
  private inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private due = 0;
  private next = 0;
  private readonly pad: string;

  constructor(
    private targets: readonly ChaosClient[],
    private readonly ratePerS: number,
    private readonly options: PublisherOptions = {},
  ) {
    this.pad = 'x'.repeat(options.padBytes ?? 0);
  }

  /** Starts publishing. */
  start(): this {
    const startMs = monotonicMs();
    this.timer = setInterval(() => {
      const target = Math.floor(((monotonicMs() - startMs) * this.ratePerS) / 1000);
      for (; this.due < target; this.due++) {
        if (this.inFlight.size >= (this.options.maxInFlight ?? 1_000)) {
          this.skipped++;
          continue;
        }
        const client = this.targets[this.next++ % this.targets.length];
        const p = this.publishOne(client).finally(() => this.inFlight.delete(p));
        this.inFlight.add(p);
      }
    }, 10);
    running.add(this);
    return this;
  }

  /** Stops and waits for the publishes in flight. */
  async stop(): Promise<void> {
    this.halt();
    await Promise.all([...this.inFlight]);
  }

  /** Stops publishing (publishes in flight end by themselves). */
  halt(): void {
    running.delete(this);
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Failures counted by status. */
  failuresByStatus(): Record<string, number> {
    const by: Record<string, number> = {};
    for (const f of this.failures) by[String(f.status)] = (by[String(f.status)] ?? 0) + 1;
    return by;
  }

  private async publishOne(client: ChaosClient): Promise<void> {
    const n = this.sent++;
    const started = monotonicMs();
    const body = JSON.stringify({ title: `m${n}`, body: `${started} ${this.pad}` });
    try {
      const res = await fetch(client.pushUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      const text = await res.text();
      const elapsedMs = monotonicMs() - started;
      this.maxElapsedMs = Math.max(this.maxElapsedMs, elapsedMs);
      if (res.status === 200) {
        client.acked.push({ key: (JSON.parse(text) as WireMessage).key, atMs: Date.now() });
        this.ackedCount++;
        return;
      }
      if (res.status >= 500) client.uncertain++;
      this.failures.push({ status: res.status, retryAfter: res.headers.get('retry-after'), elapsedMs, atMs: Date.now() });
    } catch (err) {
      const elapsedMs = monotonicMs() - started;
      this.maxElapsedMs = Math.max(this.maxElapsedMs, elapsedMs);
      client.uncertain++;
      this.failures.push({ status: err instanceof Error ? err.name : 'error', retryAfter: null, elapsedMs, atMs: Date.now() });
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// The check

/** What the check found over a set of clients. */
export interface Verdict {
  readonly clients: number;
  readonly acked: number;
  readonly delivered: number;
  /** Acknowledged keys that never arrived. */
  readonly lost: number;
  /** Keys that arrived more than once. */
  readonly duplicated: number;
  /** Keys that arrived after a newer one. */
  readonly outOfOrder: number;
  /** Keys that arrived without having been acknowledged (allowed only for uncertain publishes). */
  readonly unacked: number;
  /** Publishes whose failure leaves it open whether they were stored. */
  readonly uncertain: number;
  /** Clients with an unacked key beyond their uncertain publishes. */
  readonly unexplained: number;
  /** A few examples of what went wrong, for the failure message. */
  readonly examples: string[];
}

/** Compares what each client got with what was acknowledged to it. */
export function verify(clients: readonly ChaosClient[]): Verdict {
  let acked = 0;
  let delivered = 0;
  let lost = 0;
  let duplicated = 0;
  let outOfOrder = 0;
  let unacked = 0;
  let uncertain = 0;
  let unexplained = 0;
  const examples: string[] = [];
  for (const c of clients) {
    const got = new Set(c.delivered);
    const ackedKeys = new Set(c.acked.map((a) => a.key));
    acked += ackedKeys.size;
    delivered += c.delivered.length;
    duplicated += c.delivered.length - got.size;
    outOfOrder += c.outOfOrder;
    uncertain += c.uncertain;
    const missing = [...ackedKeys].filter((k) => !got.has(k));
    lost += missing.length;
    const extra = [...got].filter((k) => !ackedKeys.has(k));
    unacked += extra.length;
    if (extra.length > c.uncertain) unexplained++;
    if (examples.length < 5 && (missing.length > 0 || c.delivered.length > got.size || c.outOfOrder > 0 || extra.length > c.uncertain)) {
      examples.push(
        `client ${c.index}: acked=${ackedKeys.size} delivered=${c.delivered.length} missing=${missing.slice(0, 3).join(',')} ` +
          `dup=${c.delivered.length - got.size} outOfOrder=${c.outOfOrder} unacked=${extra.length} uncertain=${c.uncertain} ` +
          `hellos=${JSON.stringify(c.hellos.slice(-3))} closes=${JSON.stringify(c.closes.slice(-3))}`,
      );
    }
  }
  return { clients: clients.length, acked, delivered, lost, duplicated, outOfOrder, unacked, uncertain, unexplained, examples };
}

/** Waits until `predicate` holds and returns how long after `sinceMs` (a Date.now()) that was. */
export async function msUntil(sinceMs: number, predicate: () => boolean | Promise<boolean>, timeoutMs: number, what: string, intervalMs = 50): Promise<number> {
  await waitFor(predicate, timeoutMs, what, intervalMs);
  return Date.now() - sinceMs;
}

/** Waits until every client has every acknowledged key (or the time is up: the verdict then shows what is lost). */
export async function settle(clients: readonly ChaosClient[], timeoutMs = 30_000): Promise<void> {
  await waitFor(() => clients.every((c) => c.caughtUp()), timeoutMs, 'every acknowledged key delivered', 100).catch(() => undefined);
}

/** Asserts 0 lost, 0 duplicated, in order, nothing unexplained. */
export function expectClean(v: Verdict): void {
  expect({ lost: v.lost, duplicated: v.duplicated, outOfOrder: v.outOfOrder, unexplained: v.unexplained, examples: v.examples }).toEqual({
    lost: 0,
    duplicated: 0,
    outOfOrder: 0,
    unexplained: 0,
    examples: [],
  });
  expect(v.acked).toBeGreaterThan(0);
}

/** The p-th percentile (0..100) of `values`, or 0 when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Prints one scenario's summary line and appends it to test-artifacts/chaos/summary-<scale>.txt. */
export function report(scenario: string, v: Verdict, extra: Record<string, string | number>, publishers: readonly Publisher[] = []): string {
  const failures: Record<string, number> = {};
  for (const p of publishers) for (const [s, n] of Object.entries(p.failuresByStatus())) failures[s] = (failures[s] ?? 0) + n;
  const errorCount = Object.values(failures).reduce((a, b) => a + b, 0);
  const errorText = errorCount === 0 ? '0' : `${errorCount} (${Object.entries(failures).map(([s, n]) => `${s}=${n}`).join(' ')})`;
  const fields: Record<string, string | number> = {
    clients: v.clients,
    acked: v.acked,
    delivered: v.delivered,
    lost: v.lost,
    dup: v.duplicated,
    unordered: v.outOfOrder,
    unacked: v.unacked,
    ...extra,
    'publish-errors': errorText,
  };
  if (publishers.length > 0) fields['publish-max-ms'] = maxOf(publishers.map((p) => p.maxElapsedMs));
  fields['runner-lag-max-ms'] = Math.round(runnerLag.max / 1e6);
  const skipped = publishers.reduce((n, p) => n + p.skipped, 0);
  if (skipped > 0) fields['publish-skipped'] = skipped;
  const line = `chaos[${CHAOS_SCALE}] ${scenario}: ${Object.entries(fields).map(([k, val]) => `${k}=${val}`).join(' ')}`;
  process.stdout.write(`\n${line}\n`);
  const dir = join(REPO_ROOT, 'test-artifacts', 'chaos');
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, `summary-${CHAOS_SCALE}.txt`), `${new Date().toISOString()} ${line}\n`);
  return line;
}

/** `max` of a list, 0 when empty, rounded. */
export function maxOf(values: readonly number[]): number {
  return Math.round(values.reduce((a, b) => Math.max(a, b), 0));
}
