/**
 * Helpers of the realtime e2e tests: an HTTP client of the api and a recording WebSocket client. Each
 * test file starts its own processes with startApp() under its own KEY_PREFIX.
 */
import { KeySchema } from '@push/redis';
import { AppProcess, startApps, TEST_REDIS_URL, TestRedisCluster, waitFor } from '@push/testing';
import { Redis } from 'ioredis';
import WebSocket from 'ws';

/** A message as the api returns it and the gateway sends it. */
export interface WireMessage {
  key: string;
  timestamp: string;
  queue: string;
  body: Record<string, unknown>;
}

/** A control frame from the gateway (JSON hello only). */
export interface ControlFrame {
  type: string;
  node?: string;
  recovered?: boolean;
}

/** How a socket ended. */
export interface CloseInfo {
  code: number;
  reason: string;
}

/** The environment every process of one test file shares. */
export function baseEnv(prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    KEY_PREFIX: prefix,
    REDIS_URL: TEST_REDIS_URL,
    PUSH_URL_SECRET: 'e2e-secret-e2e-secret-e2e-secret-e2e-secret',
    MONITOR_PERIOD_MS: '1000',
    MONITOR_TIMEOUT_MS: '500',
    // these tests flood single push URLs from one address on purpose; test/e2e/limits.e2e-spec.ts tests both limits
    PUBLISH_BURST_PER_PUSH_URL: '0',
    PUBLISH_BURST_PER_IP: '0',
    ...extra,
  };
}

/** Orders stream keys `<ms>-<seq>`. */
export function compareKeys(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am !== bm ? am - bm : as - bs;
}

/** The api over HTTP, as a website and a browser use it. */
export class ApiClient {
  constructor(readonly api: AppProcess) {}

  private async call<T>(method: string, path: string, init: { token?: string; json?: unknown } = {}): Promise<T> {
    const url = path.startsWith('http') ? path : `${this.api.url}${path}`;
    const headers: Record<string, string> = {};
    if (init.token !== undefined) headers['x-auth-token'] = init.token;
    if (init.json !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(url, { method, headers, body: init.json === undefined ? undefined : JSON.stringify(init.json) });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
    return JSON.parse(text) as T;
  }

  /** POST /token/ */
  createClient(): Promise<{ token: string; queue: string }> {
    return this.call('POST', '/token/');
  }

  /** POST /queue/ → the push URL of (token, domain). */
  async createPushUrl(token: string, domain: string): Promise<string> {
    return (await this.call<{ queue: string }>('POST', '/queue/', { token, json: { domain } })).queue;
  }

  /** A new client with one push URL. */
  async newClient(domain = 'example.com'): Promise<{ token: string; userQueue: string; pushUrl: string; userQueueId: string }> {
    const { token, queue } = await this.createClient();
    const pushUrl = await this.createPushUrl(token, domain);
    return { token, userQueue: queue, pushUrl, userQueueId: userQueueIdOf(queue) };
  }

  /** POST <push URL> */
  publish(pushUrl: string, notification: Record<string, unknown>): Promise<WireMessage> {
    return this.call('POST', pushUrl, { json: notification });
  }

  /** POST <user queue> action=read */
  markRead(token: string, userQueue: string, key: string): Promise<WireMessage> {
    return this.call('POST', userQueue, { token, json: { action: 'read', key } });
  }

  /** GET <user queue> */
  async history(token: string, userQueue: string, query = ''): Promise<WireMessage[]> {
    return (await this.call<{ messages: WireMessage[] }>('GET', `${userQueue}${query}`, { token })).messages;
  }

  /** Every stored message after `since` (a key), paging forward. */
  async historyAfter(token: string, userQueue: string, since: string): Promise<WireMessage[]> {
    const all: WireMessage[] = [];
    let after = since;
    for (;;) {
      const page = await this.history(token, userQueue, `?since=${after}&limit=100`);
      all.push(...page);
      if (page.length < 100) return all;
      after = page[page.length - 1].key;
    }
  }

  /** GET /nodes/ */
  async nodes(): Promise<string[]> {
    return (await this.call<{ nodes: string[] }>('GET', '/nodes/')).nodes;
  }
}

/** The id at the end of a user queue URL `.../queue/<id>/`. */
export function userQueueIdOf(userQueueUrl: string): string {
  const m = /\/queue\/([0-9a-f]{32})\/$/.exec(userQueueUrl);
  if (!m) throw new Error(`not a user queue URL: ${userQueueUrl}`);
  return m[1];
}

/** A WebSocket client that records every frame and how it closed. */
export class WsClient {
  readonly messages: WireMessage[] = [];
  readonly controls: ControlFrame[] = [];
  readonly closed: Promise<CloseInfo>;
  closeInfo: CloseInfo | null = null;
  readonly opened: Promise<void>;

  constructor(
    readonly url: string,
    readonly ws: WebSocket,
  ) {
    this.opened = new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
      });
    });
    ws.on('error', () => undefined);
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as WireMessage | ControlFrame;
      if ('type' in frame) this.controls.push(frame);
      else this.messages.push(frame);
    });
  }

  /** Opens a socket to a gateway (`http://host:port` or `host:port`). */
  static async connect(gateway: string, options: WebSocket.ClientOptions = {}): Promise<WsClient> {
    const url = `ws://${gateway.replace(/^https?:\/\//, '')}/`;
    const client = new WsClient(url, new WebSocket(url, { perMessageDeflate: false, ...options }));
    await client.opened;
    return client;
  }

  /** Sends the seed hello and returns at once (a seed client gets no answer). */
  seedHello(token: string): void {
    this.ws.send(`token: ${token}`);
  }

  /** Sends the JSON hello and waits for the hello control frame. */
  async jsonHello(token: string, since?: string, timeoutMs = 5_000): Promise<ControlFrame> {
    this.ws.send(JSON.stringify(since === undefined ? { token } : { token, since }));
    return waitFor(() => this.controls.find((c) => c.type === 'hello') ?? (this.closeInfo ? Promise.reject(new Error(`closed ${this.closeInfo.code}`)) : null), timeoutMs, 'hello frame');
  }

  /** Waits until `n` messages arrived. */
  async waitForMessages(n: number, timeoutMs = 10_000): Promise<WireMessage[]> {
    await waitFor(() => this.messages.length >= n, timeoutMs, `${n} messages on ${this.url} (have ${this.messages.length})`);
    return this.messages;
  }

  /** The last key received, if any. */
  get lastKey(): string | undefined {
    return this.messages.at(-1)?.key;
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }
}

/** A Redis connection of the test itself, for looking at pub/sub and client state. */
export async function testRedis(): Promise<Redis> {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
  await redis.connect();
  return redis;
}

/** Waits until `count` connections subscribe to a user queue's channel (a seed client's only sign of being live). */
export async function waitSubscribed(redis: Redis, prefix: string, userQueueId: string, count = 1): Promise<void> {
  const channel = new KeySchema(prefix).channel(userQueueId);
  await waitFor(
    async () => {
      const reply = (await redis.pubsub('NUMSUB', channel)) as [string, number];
      return Number(reply[1]) >= count;
    },
    5_000,
    `${count} subscriber(s) on ${channel}`,
  );
}

/** Asserts that keys are strictly increasing (in order, no duplicate). */
export function expectStrictlyIncreasing(keys: readonly string[]): void {
  for (let i = 1; i < keys.length; i++) {
    if (compareKeys(keys[i - 1], keys[i]) >= 0) throw new Error(`keys out of order or duplicated at ${i}: ${keys[i - 1]} then ${keys[i]}`);
  }
}

/** A new client (ApiClient.newClient) and the port of the master that holds its user queue's stream. */
export interface HomedClient {
  readonly client: Awaited<ReturnType<ApiClient['newClient']>>;
  readonly master: number;
}

/**
 * At least `min` new clients, and more until every master of `cluster` holds the user queue of some
 * (random queue ids leave a master without one in ~2 % of draws of 12).
 */
export async function clientsOnEveryMaster(http: ApiClient, cluster: TestRedisCluster, keys: KeySchema, domain: string, min: number): Promise<HomedClient[]> {
  const clients: HomedClient[] = [];
  while (clients.length < min || new Set(clients.map((c) => c.master)).size < cluster.ports.length) {
    if (clients.length >= 10 * min) throw new Error(`${clients.length} clients and still a master without a user queue`);
    const client = await http.newClient(domain);
    clients.push({ client, master: await cluster.masterOf(keys.stream(client.userQueueId)) });
  }
  return clients;
}

/**
 * An api and a gateway on `cluster`, under `prefix`, for the tests that fail its nodes: Redis commands time
 * out after 1 s (not the default 2 s), so that a dead node fails them promptly.
 */
export async function startOnCluster(prefix: string, cluster: TestRedisCluster): Promise<{ api: AppProcess; gateway: AppProcess; http: ApiClient }> {
  const env = baseEnv(prefix, { REDIS_URL: cluster.url, REDIS_COMMAND_TIMEOUT_MS: '1000' });
  const [api, gateway] = await startApps(['api', 'gateway'], { env });
  return { api, gateway, http: new ApiClient(api) };
}
