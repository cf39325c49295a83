import { Backoff } from './backoff.js';
import { Notification, PushMessage, ReadMarker, compareKeys, isMessageKey, isReadMarker, parseMessage } from './message.js';
import { PushError } from './push-error.js';
import { PushStorage } from './storage.js';
import { CLOSE, WebSocketConstructorLike, WebSocketLike } from './websocket.js';

/** Where a connection stands: opening or waiting for the hello, live, or without a socket (waiting to retry, or stopped). */
export type ConnectionState = 'connecting' | 'connected' | 'offline';

/** A read marker arrived: `key` is the message that was read (on this or another device). */
export interface ReadEvent {
  key: string;
  marker: PushMessage<ReadMarker>;
}

/** Listener types per event name. */
export interface PushConnectionEvents {
  message: (message: PushMessage<Notification>) => void;
  read: (read: ReadEvent) => void;
  state: (state: ConnectionState) => void;
  error: (error: PushError) => void;
}

/** A live connection of one token: finds a gateway, resumes, reconnects, hands out each message once. */
export interface PushConnection {
  /** Where it stands now. */
  readonly state: ConnectionState;
  /** Key of the newest message or read marker handed out: what a resume starts after. */
  readonly lastKey: string | null;
  /** Id of the gateway node of the current socket (from its hello), null without one. */
  readonly node: string | null;
  /** Adds a listener; returns the function that removes it. */
  on<E extends keyof PushConnectionEvents>(event: E, listener: PushConnectionEvents[E]): () => void;
  /** Stops for good: closes the socket with 1000, cancels a pending retry, no more events. */
  close(): void;
}

/** Timers, injectable for tests. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** What a connection needs from its PushClient. */
export interface ConnectionDeps {
  /** API base URL without a trailing slash. */
  api: string;
  token: string;
  /** User queue URL; also names the storage slot. */
  queue: string;
  storage: PushStorage;
  storageKey: string;
  WebSocket: WebSocketConstructorLike;
  /** Start after this key instead of the stored one (and store it). */
  since?: string;
  /** GET /nodes/ */
  nodes(): Promise<string[]>;
  /** GET <user queue> */
  history(query: { since?: string; limit: number }): Promise<PushMessage[]>;
  backoff: Backoff;
  historyPageSize: number;
  /** How long a socket may take to open before the next node is tried. */
  openTimeoutMs: number;
  timers: Timers;
}

/** Close codes after which retrying cannot help. */
const FINAL_CLOSES: ReadonlySet<number> = new Set([CLOSE.policy, CLOSE.tooLarge]);

/** Hello control frame of the gateway. */
interface HelloFrame {
  type: 'hello';
  node?: unknown;
  recovered?: unknown;
}

/** The PushConnection implementation; created by PushClient.connect(). */
export class Connection implements PushConnection {
  private currentState: ConnectionState = 'connecting';
  private key: string | null = null;
  private nodeId: string | null = null;
  private readonly listeners: { [E in keyof PushConnectionEvents]: Set<PushConnectionEvents[E]> } = {
    message: new Set(),
    read: new Set(),
    state: new Set(),
    error: new Set(),
  };
  private socket: WebSocketLike | null = null;
  /** Bumped whenever a socket is given up, so late callbacks of an old one do nothing. */
  private generation = 0;
  private stopped = false;
  private retryTimer: unknown = null;
  private keyLoaded = false;
  /** Frames held while the history is reloaded; null when frames go straight out. */
  private held: PushMessage[] | null = null;
  /** Whether the current attempt sent a `since`, so a 4400 knows whether dropping it can help. */
  private sentSince = false;
  /** Storage writes in order, even when the storage is asynchronous. */
  private persisting: Promise<void> = Promise.resolve();

  constructor(private readonly deps: ConnectionDeps) {
    void this.attempt();
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  get lastKey(): string | null {
    return this.key;
  }

  get node(): string | null {
    return this.nodeId;
  }

  on<E extends keyof PushConnectionEvents>(event: E, listener: PushConnectionEvents[E]): () => void {
    const set = this.listeners[event] as Set<PushConnectionEvents[E]> | undefined;
    if (!set) throw new PushError('invalid_input', `unknown event ${String(event)}: use message, read, state or error`);
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  close(): void {
    if (this.stopped) return;
    this.stop();
  }

  private stop(): void {
    this.stopped = true;
    this.generation += 1;
    if (this.retryTimer !== null) this.deps.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.dropSocket(CLOSE.normal);
    this.held = null;
    this.nodeId = null;
    this.setState('offline');
  }

  /** One connection attempt: load the last key, list the nodes, open the first that answers, say hello. */
  private async attempt(): Promise<void> {
    this.retryTimer = null;
    if (this.stopped) return;
    const gen = ++this.generation;
    this.setState('connecting');
    await this.loadLastKey();
    if (this.stopped || gen !== this.generation) return;

    let nodes: string[];
    try {
      nodes = await this.deps.nodes();
    } catch (err) {
      return this.failAttempt(gen, toPushError(err, 'network', 'GET /nodes/ failed'));
    }
    if (this.stopped || gen !== this.generation) return;
    if (nodes.length === 0) return this.failAttempt(gen, new PushError('no_nodes', 'GET /nodes/ listed no gateway'));

    const scheme = new URL(this.deps.api).protocol === 'https:' ? 'wss' : 'ws';
    for (const node of nodes) {
      if (await this.open(gen, `${scheme}://${node}/`)) return;
      if (this.stopped || gen !== this.generation) return;
    }
    this.failAttempt(gen, new PushError('network', `no gateway answered (tried ${nodes.join(', ')})`));
  }

  /**
   * Opens a socket and, in the open event itself (so no frame can slip past), says hello on it. Resolves
   * false when it fails, does not open within openTimeoutMs, or the attempt was given up meanwhile.
   */
  private open(gen: number, url: string): Promise<boolean> {
    return new Promise((resolve) => {
      let socket: WebSocketLike;
      try {
        socket = new this.deps.WebSocket(url);
      } catch (err) {
        this.emit('error', toPushError(err, 'network', `cannot open ${url}`));
        resolve(false);
        return;
      }
      const settle = (opened: boolean): void => {
        this.deps.timers.clearTimeout(timer);
        socket.onopen = socket.onclose = null;
        // the `ws` package throws an 'error' event nobody listens to: keep a listener for the late ones
        socket.onerror = () => undefined;
        const ok = opened && !this.stopped && gen === this.generation;
        if (ok) this.hello(gen, socket);
        else safeClose(socket);
        resolve(ok);
      };
      const timer = this.deps.timers.setTimeout(() => settle(false), this.deps.openTimeoutMs);
      socket.onopen = () => settle(true);
      socket.onerror = () => settle(false);
      socket.onclose = () => settle(false);
    });
  }

  private hello(gen: number, socket: WebSocketLike): void {
    this.socket = socket;
    socket.onmessage = (event) => this.onFrame(gen, event.data);
    socket.onclose = (event) => this.onClose(gen, event.code, event.reason);
    // a close follows every error, and carries the code
    socket.onerror = () => undefined;
    this.sentSince = this.key !== null;
    socket.send(JSON.stringify(this.key === null ? { token: this.deps.token } : { token: this.deps.token, since: this.key }));
  }

  private onFrame(gen: number, data: unknown): void {
    if (gen !== this.generation || this.stopped) return;
    if (typeof data !== 'string') return this.emit('error', new PushError('protocol', 'the gateway sent a binary frame'));
    let value: unknown;
    try {
      value = JSON.parse(data);
    } catch (err) {
      return this.emit('error', new PushError('protocol', `the gateway sent a frame that is not JSON: ${data.slice(0, 100)}`, { cause: err }));
    }
    if (typeof value === 'object' && value !== null && 'type' in value) {
      // control frames other than hello may come in later versions: ignore what is not known
      if ((value as { type: unknown }).type === 'hello') this.onHello(gen, value as HelloFrame);
      return;
    }
    const message = parseMessage(value);
    if (message === null) return this.emit('error', new PushError('protocol', `the gateway sent a frame that is not a message: ${data.slice(0, 100)}`));
    if (this.held !== null) this.held.push(message);
    else this.deliver(message);
  }

  private onHello(gen: number, hello: HelloFrame): void {
    this.nodeId = typeof hello.node === 'string' ? hello.node : null;
    if (hello.recovered === false) {
      this.held = [];
      void this.reload(gen);
      return;
    }
    this.live();
  }

  private live(): void {
    this.deps.backoff.connected();
    this.setState('connected');
  }

  /** recovered:false — the replay cannot be trusted: hand out the history from HTTP, then what was held. */
  private async reload(gen: number): Promise<void> {
    try {
      await this.reloadHistory(gen);
    } catch (err) {
      if (gen !== this.generation || this.stopped) return;
      // the next attempt resumes from the same key and gets recovered:false again, so nothing is lost
      this.emit('error', toPushError(err, 'network', 'reloading the history failed'));
      this.dropSocket(CLOSE.normal);
      this.retry();
      return;
    }
    if (gen !== this.generation || this.stopped) return;
    const held = this.held ?? [];
    this.held = null;
    for (const m of held) this.deliver(m);
    this.live();
  }

  private async reloadHistory(gen: number): Promise<void> {
    const limit = this.deps.historyPageSize;
    const stale = (): boolean => gen !== this.generation || this.stopped;
    if (this.key === null) {
      const latest = await this.deps.history({ limit });
      if (!stale()) latest.forEach((m) => this.deliver(m));
      return;
    }
    for (let since = this.key, first = true; ; first = false) {
      const page = await this.deps.history({ since, limit });
      if (stale()) return;
      if (first && page.length === 0) {
        // nothing after our key: either nothing new, or the queue restarted below it (Redis lost its data)
        const latest = await this.deps.history({ limit });
        if (stale()) return;
        const newest = latest.at(-1);
        if (newest && compareKeys(newest.key, since) < 0) {
          this.key = null;
          latest.forEach((m) => this.deliver(m));
        }
        return;
      }
      page.forEach((m) => this.deliver(m));
      const last = page.at(-1);
      if (page.length < limit || !last) return;
      since = last.key;
    }
  }

  /** Hands a message out unless it is not newer than the last one. */
  private deliver(message: PushMessage): void {
    if (this.key !== null && compareKeys(message.key, this.key) <= 0) return;
    this.key = message.key;
    this.persist(message.key);
    if (isReadMarker(message)) this.emit('read', { key: message.body.read, marker: message });
    else this.emit('message', message as PushMessage<Notification>);
  }

  private onClose(gen: number, code: number, reason: string): void {
    if (gen !== this.generation || this.stopped) return;
    this.socket = null;
    this.held = null;
    this.nodeId = null;
    const why = reason ? `${code} ${reason}` : String(code);
    if (code === CLOSE.invalidToken) {
      this.emit('error', new PushError('invalid_token', `the gateway refused the token (close ${why})`, { closeCode: code }));
      this.stop();
      return;
    }
    if (FINAL_CLOSES.has(code)) {
      this.emit('error', new PushError('closed', `the gateway closed the socket with ${why}; not retrying`, { closeCode: code }));
      this.stop();
      return;
    }
    if (code === CLOSE.abnormal) {
      this.emit('error', new PushError('network', `the connection to the gateway dropped (close ${why})`, { closeCode: code }));
    } else {
      this.emit('error', new PushError('closed', `the gateway closed the socket with ${why}`, { closeCode: code }));
    }
    if (code === CLOSE.badSince && this.sentSince) {
      // the stored key is not one the gateway accepts: start afresh rather than retry it forever
      this.key = null;
      this.persist('');
      this.generation += 1;
      this.setState('offline');
      void this.attempt();
      return;
    }
    this.retry();
  }

  private failAttempt(gen: number, error: PushError): void {
    if (gen !== this.generation || this.stopped) return;
    this.emit('error', error);
    this.retry();
  }

  private retry(): void {
    this.generation += 1;
    this.setState('offline');
    this.retryTimer = this.deps.timers.setTimeout(() => void this.attempt(), this.deps.backoff.nextDelayMs());
  }

  private dropSocket(code: number): void {
    const socket = this.socket;
    this.socket = null;
    if (!socket) return;
    socket.onmessage = socket.onclose = null;
    safeClose(socket, code);
  }

  private async loadLastKey(): Promise<void> {
    if (this.keyLoaded) return;
    this.keyLoaded = true;
    if (this.deps.since !== undefined) {
      this.key = this.deps.since;
      this.persist(this.deps.since);
      return;
    }
    try {
      const stored = await this.deps.storage.getItem(this.deps.storageKey);
      // an empty value is how a dropped key is stored (PushStorage has no delete)
      if (stored && isMessageKey(stored) && this.key === null) this.key = stored;
    } catch (err) {
      this.emit('error', toPushError(err, 'storage', 'storage.getItem failed; starting without a last key'));
    }
  }

  private persist(key: string): void {
    const { storage, storageKey } = this.deps;
    this.persisting = this.persisting
      .then(() => storage.setItem(storageKey, key))
      .catch((err: unknown) => this.emit('error', toPushError(err, 'storage', 'storage.setItem failed')));
  }

  private setState(state: ConnectionState): void {
    if (this.currentState === state) return;
    this.currentState = state;
    // the final 'offline' of close() is still reported; after it, nothing is
    for (const listener of [...this.listeners.state]) callListener(listener, state);
  }

  private emit<E extends Exclude<keyof PushConnectionEvents, 'state'>>(event: E, arg: Parameters<PushConnectionEvents[E]>[0]): void {
    if (this.stopped) return;
    for (const listener of [...this.listeners[event]]) callListener(listener as (a: typeof arg) => void, arg);
  }
}

/** Calls a listener; what it throws is reported as an uncaught error without breaking the connection's loop. */
function callListener<A>(listener: (arg: A) => void, arg: A): void {
  try {
    listener(arg);
  } catch (err) {
    const g = globalThis as { setTimeout?: (fn: () => void, ms: number) => unknown };
    g.setTimeout?.(() => {
      throw err;
    }, 0);
  }
}

function safeClose(socket: WebSocketLike, code: number = CLOSE.normal): void {
  try {
    socket.close(code);
  } catch (err) {
    // closing a socket that never opened throws in some implementations; it is gone either way
    void err;
  }
}

/** A PushError as is, anything else wrapped with the given code. */
function toPushError(err: unknown, code: PushError['code'], message: string): PushError {
  if (err instanceof PushError) return err;
  return new PushError(code, `${message}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
