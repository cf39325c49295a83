import { Backoff, BackoffOptions } from './backoff.js';
import { FetchLike, apiBase, defaultFetch, httpUrl, request, stringField } from './http.js';
import { PushMessage, ReadMarker, isMessageKey, isReadMarker, parseMessage } from './message.js';
import { Connection, PushConnection, Timers } from './push-connection.js';
import { PushError } from './push-error.js';
import { PushStorage, lastKeyStorageKey, memoryStorage } from './storage.js';
import { WebSocketConstructorLike, globalWebSocket } from './websocket.js';

/** Options of PushClient and connect(). */
export interface PushClientOptions {
  /** Base URL of the HTTP API, e.g. `http://127.0.0.1:5001`. */
  api: string;
  /** The client's secret token. */
  token: string;
  /** The user queue URL that createToken returned (the API has no route from a token to its queue). */
  queue: string;
  /** Where the last key is kept across restarts; default memoryStorage(). */
  storage?: PushStorage;
  /** Default: globalThis.WebSocket (the Node entry: the `ws` package). */
  WebSocket?: WebSocketConstructorLike;
  /** Default: globalThis.fetch. */
  fetch?: FetchLike;
  /** Reconnect backoff; defaults 500 ms base, 20 s cap, reset after 10 s up. */
  backoff?: BackoffOptions;
  /** Page size of the history reload after `recovered: false`; default 100 (the API's maximum). */
  historyPageSize?: number;
  /** How long a socket may take to open before the next node is tried; default 10000. */
  openTimeoutMs?: number;
}

/** Options of PushClient.connect. */
export interface ConnectOptions {
  /** A message key to start after, instead of the stored last key (it replaces the stored one). */
  since?: string;
}

/** Options of PushClient.history. */
export interface HistoryQuery {
  /** A message key (exclusive) or a timestamp in seconds (inclusive); without it, the newest messages. */
  since?: string;
  /** 1..100 (larger is clamped by the server); default 20. */
  limit?: number;
}

/** A page of the user queue. */
export interface HistoryPage {
  /** Oldest first. */
  messages: PushMessage[];
  /** What setLastSeen last stored (any device), or null. */
  lastSeen: string | null;
}

const DEFAULT_HISTORY_PAGE = 100;
const DEFAULT_OPEN_TIMEOUT_MS = 10_000;

const globalTimers: Timers = {
  setTimeout: (fn, ms) => (globalThis as unknown as { setTimeout(f: () => void, ms: number): unknown }).setTimeout(fn, ms),
  clearTimeout: (handle) => (globalThis as unknown as { clearTimeout(h: unknown): void }).clearTimeout(handle),
};

function requiredString(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new PushError('invalid_input', `${what} is required`);
  return value;
}

function parseHistory(body: unknown): HistoryPage | null {
  if (typeof body !== 'object' || body === null) return null;
  const { messages, last_seen: lastSeen } = body as { messages?: unknown; last_seen?: unknown };
  if (!Array.isArray(messages) || (lastSeen !== null && typeof lastSeen !== 'string')) return null;
  const parsed = messages.map(parseMessage);
  if (parsed.some((m) => m === null)) return null;
  return { messages: parsed as PushMessage[], lastSeen };
}

/** The HTTP API of one token, and its live connection (connect()). */
export class PushClient {
  /** API base URL without a trailing slash. */
  readonly api: string;
  /** The user queue URL. */
  readonly queue: string;
  private readonly token: string;
  private readonly fetchFn: FetchLike;

  constructor(private readonly options: PushClientOptions) {
    if (typeof options !== 'object' || options === null) throw new PushError('invalid_input', 'options are required');
    this.api = apiBase(options.api);
    this.token = requiredString(options.token, 'token');
    this.queue = httpUrl(options.queue, 'queue').href;
    this.fetchFn = options.fetch ?? defaultFetch();
  }

  /** POST /queue/: the push URL of this token for a site (the same one until revoked). */
  async createPushUrl(domain: string): Promise<string> {
    return request(this.fetchFn, {
      method: 'POST',
      url: `${this.api}/queue/`,
      what: 'createPushUrl',
      token: this.token,
      json: { domain: requiredString(domain, 'domain') },
      parse: stringField('queue'),
    });
  }

  /** GET /queue/: the token's push URLs by domain. */
  async listPushUrls(): Promise<Record<string, string>> {
    return request(this.fetchFn, {
      method: 'GET',
      url: `${this.api}/queue/`,
      what: 'listPushUrls',
      token: this.token,
      parse: (body) => {
        if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
        const entries = Object.entries(body as Record<string, unknown>);
        return entries.every(([, v]) => typeof v === 'string') ? (body as Record<string, string>) : null;
      },
    });
  }

  /** DELETE <push URL>: publishing to it is refused from now on. */
  async revoke(pushUrl: string): Promise<void> {
    await request(this.fetchFn, {
      method: 'DELETE',
      url: httpUrl(pushUrl, 'pushUrl').href,
      what: 'revoke',
      token: this.token,
      parse: stringField('queue'),
    });
  }

  /** GET <user queue>: stored messages and read markers, oldest first. */
  async history(query: HistoryQuery = {}): Promise<HistoryPage> {
    const params: string[] = [];
    if (query.since !== undefined) params.push(`since=${encodeURIComponent(requiredString(query.since, 'since'))}`);
    if (query.limit !== undefined) {
      if (!Number.isInteger(query.limit) || query.limit < 1) throw new PushError('invalid_input', 'limit must be a positive integer');
      params.push(`limit=${query.limit}`);
    }
    return request(this.fetchFn, {
      method: 'GET',
      url: params.length === 0 ? this.queue : `${this.queue}?${params.join('&')}`,
      what: 'history',
      token: this.token,
      parse: parseHistory,
    });
  }

  /** POST <user queue> action=read: marks a message read on every device; resolves to the read marker. */
  async markRead(key: string): Promise<PushMessage<ReadMarker>> {
    if (typeof key !== 'string' || !isMessageKey(key)) throw new PushError('invalid_input', 'key must be a message key <ms>-<seq>');
    return request(this.fetchFn, {
      method: 'POST',
      url: this.queue,
      what: 'markRead',
      token: this.token,
      json: { action: 'read', key },
      parse: (body) => {
        const m = parseMessage(body);
        return m !== null && isReadMarker(m) ? m : null;
      },
    });
  }

  /** PUT <user queue>: records when the client last looked (seconds since the epoch); resolves to the stored value. */
  async setLastSeen(timestamp: string): Promise<string> {
    return request(this.fetchFn, {
      method: 'PUT',
      url: this.queue,
      what: 'setLastSeen',
      token: this.token,
      json: { timestamp: requiredString(timestamp, 'timestamp') },
      parse: stringField('last_seen'),
    });
  }

  /**
   * Opens the live connection (it starts at once and keeps itself up until close()). `since` starts it
   * after that key instead of the stored one, e.g. right after the history a page just showed.
   */
  connect(options: ConnectOptions = {}): PushConnection {
    if (options.since !== undefined && (typeof options.since !== 'string' || !isMessageKey(options.since))) {
      throw new PushError('invalid_input', 'since must be a message key <ms>-<seq>');
    }
    const WebSocket = this.options.WebSocket ?? globalWebSocket();
    if (WebSocket === null) {
      throw new PushError('invalid_input', 'no WebSocket in this environment: pass options.WebSocket, or use the Node entry of @push/client');
    }
    const pageSize = this.options.historyPageSize ?? DEFAULT_HISTORY_PAGE;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) {
      throw new PushError('invalid_input', 'historyPageSize must be an integer from 1 to 100');
    }
    return new Connection({
      api: this.api,
      token: this.token,
      queue: this.queue,
      storage: this.options.storage ?? memoryStorage(),
      storageKey: lastKeyStorageKey(this.queue),
      since: options.since,
      WebSocket,
      nodes: () =>
        request(this.fetchFn, {
          method: 'GET',
          url: `${this.api}/nodes/`,
          what: 'GET /nodes/',
          parse: (body) => {
            const nodes = (body as { nodes?: unknown } | null)?.nodes;
            return Array.isArray(nodes) && nodes.every((n) => typeof n === 'string') ? (nodes as string[]) : null;
          },
        }),
      history: async (query) => (await this.history(query)).messages,
      backoff: new Backoff(this.options.backoff),
      historyPageSize: pageSize,
      openTimeoutMs: this.options.openTimeoutMs ?? DEFAULT_OPEN_TIMEOUT_MS,
      timers: globalTimers,
    });
  }
}

/** Opens a live connection: `new PushClient(options).connect(options)`. */
export function connect(options: PushClientOptions & ConnectOptions): PushConnection {
  return new PushClient(options).connect(options);
}

