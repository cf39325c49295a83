import { Backoff } from './backoff';
import { PushMessage } from './message';
import { Connection, ConnectionDeps, ConnectionState, Timers } from './push-connection';
import { PushError } from './push-error';
import { PushStorage, memoryStorage } from './storage';
import { WebSocketLike } from './websocket';

/** A WebSocket the test drives from the server's side. */
class FakeSocket implements WebSocketLike {
  static all: FakeSocket[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly sent: string[] = [];
  closedWith: number | null = null;

  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }

  send(data: string): void {
    this.sent.push(data);
  }

  close(code?: number): void {
    this.closedWith = code ?? 1005;
  }

  open(): void {
    this.onopen?.({});
  }

  fail(): void {
    this.onerror?.({});
    this.onclose?.({ code: 1006, reason: '' });
  }

  frame(value: unknown): void {
    this.onmessage?.({ data: JSON.stringify(value) });
  }

  serverClose(code: number): void {
    this.onclose?.({ code, reason: '' });
  }

  get hello(): { token: string; since?: string } {
    return JSON.parse(this.sent[0]) as { token: string; since?: string };
  }
}

/** Timers that run only when the test says so. */
class ManualTimers implements Timers {
  private nextId = 1;
  readonly pending = new Map<number, { fn: () => void; ms: number }>();

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.pending.set(id, { fn, ms });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** Timers other than the socket-open timeout (which uses OPEN_TIMEOUT_MS). */
  retries(): number[] {
    return [...this.pending.values()].filter((t) => t.ms !== OPEN_TIMEOUT_MS).map((t) => t.ms);
  }

  runRetries(): void {
    for (const [id, t] of [...this.pending]) {
      if (t.ms === OPEN_TIMEOUT_MS) continue;
      this.pending.delete(id);
      t.fn();
    }
  }
}

const OPEN_TIMEOUT_MS = 123_456;
const QUEUE = 'http://api.test/queue/0123456789abcdef0123456789abcdef/';

let seq = 0;
function msg(key: string, title = `m${++seq}`): PushMessage {
  return { key, timestamp: '1.000000', queue: 'http://api.test/queue/pu/', body: { title } };
}

/** Lets the connection's awaits (storage, GET /nodes/) run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

interface Harness {
  conn: Connection;
  timers: ManualTimers;
  storage: PushStorage;
  messages: PushMessage[];
  reads: string[];
  errors: PushError[];
  states: ConnectionState[];
  historyCalls: Array<{ since?: string; limit: number }>;
}

function start(
  overrides: Partial<ConnectionDeps> & { stored?: Array<PushMessage> } = {},
  storage: PushStorage = memoryStorage(),
): Harness {
  FakeSocket.all = [];
  const timers = new ManualTimers();
  const historyCalls: Array<{ since?: string; limit: number }> = [];
  const stored = overrides.stored ?? [];
  const deps: ConnectionDeps = {
    api: 'http://api.test',
    token: 'tok',
    queue: QUEUE,
    storage,
    storageKey: 'k',
    WebSocket: FakeSocket,
    nodes: () => Promise.resolve(['n1:1', 'n2:2']),
    history: (q) => {
      historyCalls.push(q);
      const after = q.since === undefined ? stored.slice(-q.limit) : stored.filter((m) => m.key > q.since!).slice(0, q.limit);
      return Promise.resolve(after);
    },
    backoff: new Backoff({ baseMs: 100, capMs: 1_000 }, { random: () => 0.5, now: () => 0 }),
    historyPageSize: 2,
    openTimeoutMs: OPEN_TIMEOUT_MS,
    timers,
    ...overrides,
  };
  const conn = new Connection(deps);
  const h: Harness = { conn, timers, storage, messages: [], reads: [], errors: [], states: [], historyCalls };
  conn.on('message', (m) => h.messages.push(m));
  conn.on('read', (r) => h.reads.push(r.key));
  conn.on('error', (e) => h.errors.push(e));
  conn.on('state', (s) => h.states.push(s));
  return h;
}

/** Opens the newest socket and answers its hello. */
async function goLive(recovered = true): Promise<FakeSocket> {
  await flush();
  const socket = FakeSocket.all.at(-1)!;
  socket.open();
  socket.frame({ type: 'hello', node: 'node-a', recovered });
  await flush();
  return socket;
}

describe('Connection', () => {
  it('says hello with the token, goes live on the hello frame, hands out each key once and in order', async () => {
    const h = start();
    const socket = await goLive();
    expect(socket.url).toBe('ws://n1:1/');
    expect(socket.hello).toEqual({ token: 'tok' });
    expect(h.conn.state).toBe('connected');
    expect(h.conn.node).toBe('node-a');

    socket.frame(msg('10-0'));
    socket.frame(msg('10-0'));
    socket.frame(msg('9-5'));
    socket.frame(msg('10-1'));
    expect(h.messages.map((m) => m.key)).toEqual(['10-0', '10-1']);
    expect(h.conn.lastKey).toBe('10-1');
    await flush();
    expect(await h.storage.getItem('k')).toBe('10-1');
  });

  it('emits read markers as read events only', async () => {
    const h = start();
    const socket = await goLive();
    socket.frame({ key: '11-0', timestamp: '0.011000', queue: QUEUE, body: { read: '10-0' } });
    expect(h.reads).toEqual(['10-0']);
    expect(h.messages).toEqual([]);
    expect(h.conn.lastKey).toBe('11-0');
  });

  it('resumes with the stored key', async () => {
    const storage = memoryStorage();
    await storage.setItem('k', '5-3');
    start({}, storage);
    const socket = await goLive();
    expect(socket.hello).toEqual({ token: 'tok', since: '5-3' });
  });

  it('starts after an explicit since instead of the stored key, and stores it', async () => {
    const storage = memoryStorage();
    await storage.setItem('k', '5-3');
    start({ since: '7-0' }, storage);
    const socket = await goLive();
    expect(socket.hello).toEqual({ token: 'tok', since: '7-0' });
    expect(await storage.getItem('k')).toBe('7-0');
  });

  it('tries the next node when one does not open', async () => {
    start();
    await flush();
    FakeSocket.all[0].fail();
    await flush();
    expect(FakeSocket.all.map((s) => s.url)).toEqual(['ws://n1:1/', 'ws://n2:2/']);
  });

  it('reconnects with backoff after 1006 and resumes after the last key', async () => {
    const h = start();
    const first = await goLive();
    first.frame(msg('20-0'));
    first.serverClose(1006);
    expect(h.conn.state).toBe('offline');
    expect(h.errors.map((e) => e.code)).toEqual(['network']);
    expect(h.timers.retries()).toEqual([50]);

    h.timers.runRetries();
    const second = await goLive();
    expect(second.hello).toEqual({ token: 'tok', since: '20-0' });
    second.frame(msg('20-0')); // the replay overlaps: not handed out again
    second.frame(msg('21-0'));
    expect(h.messages.map((m) => m.key)).toEqual(['20-0', '21-0']);
    expect(h.states).toEqual(['connected', 'offline', 'connecting', 'connected']);
  });

  it.each([1001, 1011, 1012, 1013, 4408])('reconnects after close %i', async (code) => {
    const h = start();
    const socket = await goLive();
    socket.serverClose(code);
    expect(h.errors[0].code).toBe('closed');
    expect(h.errors[0].closeCode).toBe(code);
    expect(h.timers.retries()).toHaveLength(1);
  });

  it('stops on 4401: invalid_token, offline, no retry', async () => {
    const h = start();
    await flush();
    const socket = FakeSocket.all[0];
    socket.open();
    socket.serverClose(4401);
    await flush();
    expect(h.errors.map((e) => e.code)).toEqual(['invalid_token']);
    expect(h.conn.state).toBe('offline');
    expect(h.timers.retries()).toEqual([]);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it('on 4400 drops the stored key and reconnects at once without since', async () => {
    const storage = memoryStorage();
    await storage.setItem('k', '5-3');
    const h = start({}, storage);
    await flush();
    FakeSocket.all[0].open();
    FakeSocket.all[0].serverClose(4400);
    await flush();
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1].open();
    expect(FakeSocket.all[1].hello).toEqual({ token: 'tok' });
    expect(await storage.getItem('k')).toBe('');
    expect(h.conn.lastKey).toBeNull();
  });

  it('on recovered:false reloads the history page by page, then hands out the held frames, each once', async () => {
    const storage = memoryStorage();
    await storage.setItem('k', '1-0');
    const stored = [msg('1-0'), msg('2-0'), msg('3-0'), msg('4-0'), msg('5-0')];
    const h = start({ stored }, storage);
    await flush();
    const socket = FakeSocket.all[0];
    socket.open();
    socket.frame({ type: 'hello', node: 'n', recovered: false });
    socket.frame(msg('4-0')); // a partial replay and a live frame arrive during the reload
    socket.frame(msg('6-0'));
    expect(h.conn.state).toBe('connecting');
    await flush();
    expect(h.historyCalls).toEqual([
      { since: '1-0', limit: 2 },
      { since: '3-0', limit: 2 },
      { since: '5-0', limit: 2 },
    ]);
    expect(h.messages.map((m) => m.key)).toEqual(['2-0', '3-0', '4-0', '5-0', '6-0']);
    expect(h.conn.state).toBe('connected');
  });

  it('on recovered:false without a key loads the newest page', async () => {
    const stored = [msg('1-0'), msg('2-0'), msg('3-0')];
    const h = start({ stored });
    await goLive(false);
    expect(h.historyCalls).toEqual([{ limit: 2 }]);
    expect(h.messages.map((m) => m.key)).toEqual(['2-0', '3-0']);
  });

  it('on recovered:false when the queue restarted below the last key, starts over from its newest page', async () => {
    const storage = memoryStorage();
    await storage.setItem('k', '900-0');
    const h = start({ stored: [msg('1-0'), msg('2-0')] }, storage);
    const socket = await goLive(false);
    expect(h.messages.map((m) => m.key)).toEqual(['1-0', '2-0']);
    socket.frame(msg('3-0'));
    expect(h.conn.lastKey).toBe('3-0');
  });

  it('when the reload fails, drops the socket and retries (resuming from the same key)', async () => {
    const h = start({ history: () => Promise.reject(new PushError('http', 'history: 503 down', { status: 503 })) });
    const socket = await goLive(false);
    expect(h.errors.map((e) => e.status)).toEqual([503]);
    expect(socket.closedWith).toBe(1000);
    expect(h.timers.retries()).toHaveLength(1);
  });

  it('retries with backoff when GET /nodes/ fails or lists nothing', async () => {
    const h = start({ nodes: () => Promise.resolve([]) });
    await flush();
    expect(h.errors.map((e) => e.code)).toEqual(['no_nodes']);
    expect(h.timers.retries()).toEqual([50]);
    h.timers.runRetries();
    await flush();
    expect(h.timers.retries()).toEqual([100]);
  });

  it('close() stops everything: no socket, no retry, no more events', async () => {
    const h = start();
    const socket = await goLive();
    h.conn.close();
    expect(socket.closedWith).toBe(1000);
    expect(h.conn.state).toBe('offline');
    socket.frame(msg('30-0'));
    socket.serverClose(1006);
    expect(h.messages).toEqual([]);
    expect(h.errors).toEqual([]);
    expect(h.timers.retries()).toEqual([]);
  });

  it('reports frames that are not the format as protocol errors and carries on', async () => {
    const h = start();
    const socket = await goLive();
    socket.onmessage?.({ data: 'not json' });
    socket.frame({ key: 'nope' });
    socket.frame({ type: 'something-new' });
    socket.frame(msg('40-0'));
    expect(h.errors.map((e) => e.code)).toEqual(['protocol', 'protocol']);
    expect(h.messages.map((m) => m.key)).toEqual(['40-0']);
  });
});
