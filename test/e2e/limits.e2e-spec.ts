/**
 * The abuse limits end to end: a real api and a real gateway started with small limits, driven over
 * HTTP, WebSocket and raw TCP. Each test speaks from its own loopback address (127.0.0.x) so the per
 * address limits of one test never touch another's.
 */
import { request as httpRequest } from 'node:http';
import { connect as tcpConnect, Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { AppProcess, deletePrefix, startApp, uniquePrefix, waitFor } from '@push/testing';
import WebSocket from 'ws';
import { ApiClient, baseEnv, WireMessage } from './realtime.support';

jest.setTimeout(60_000);

const HEADERS_TIMEOUT_MS = 1_500;
const REQUEST_TIMEOUT_MS = 3_000;
const FAILED_WINDOW_S = 3;

const prefix = uniquePrefix('limits-e2e');
const env = baseEnv(prefix, {
  PUBLISH_BURST_PER_PUSH_URL: '3',
  PUBLISH_RATE_PER_PUSH_URL: '1',
  PUBLISH_BURST_PER_IP: '6',
  PUBLISH_RATE_PER_IP: '1',
  FAILED_ATTEMPTS_PER_IP: '5',
  FAILED_ATTEMPTS_WINDOW_S: String(FAILED_WINDOW_S),
  MAX_SOCKETS_PER_IP: '3',
  HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
  HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
});
let api: AppProcess;
let gateway: AppProcess;
let http: ApiClient;
const opened: WebSocket[] = [];
const rawSockets: Socket[] = [];

beforeAll(async () => {
  [api, gateway] = await Promise.all([startApp('api', { env }), startApp('gateway', { env })]);
  http = new ApiClient(api);
});

afterAll(async () => {
  for (const ws of opened) ws.terminate();
  for (const s of rawSockets) s.destroy();
  await Promise.all([api, gateway].filter((p) => p !== undefined).map((p) => p.stop()));
  await deletePrefix(prefix);
});

/** What came back from one request. */
interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: string;
}

/** One HTTP request from a chosen loopback address (fetch cannot choose its source address). */
function call(method: string, url: string, from: string, init: { json?: unknown; token?: string } = {}): Promise<Answer> {
  const body = init.json === undefined ? undefined : JSON.stringify(init.json);
  const headers: Record<string, string> = { connection: 'close' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (init.token !== undefined) headers['x-auth-token'] = init.token;
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, localAddress: from }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        const retry = res.headers['retry-after'];
        resolve({ status: res.statusCode ?? 0, retryAfter: Array.isArray(retry) ? retry[0] : retry, body: text });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const publishFrom = (pushUrl: string, from: string, title: string): Promise<Answer> => call('POST', pushUrl, from, { json: { title } });

/** A 429 in the project's error shape, naming the limit, with a whole-seconds Retry-After of at least 1. */
function expectLimited(answer: Answer, message: string): number {
  expect(answer.status).toBe(429);
  expect(JSON.parse(answer.body)).toEqual({ statusCode: 429, error: 'Too Many Requests', message });
  expect(answer.retryAfter).toMatch(/^[1-9]\d*$/);
  return Number(answer.retryAfter);
}

describe('publishes per push URL', () => {
  it('takes a burst, then answers 429 with Retry-After and stores nothing, then publishes again after the wait', async () => {
    const from = '127.0.0.2';
    const client = await http.newClient('burst.example');
    for (let i = 0; i < 3; i++) expect((await publishFrom(client.pushUrl, from, `m${i}`)).status).toBe(200);
    const refused = await publishFrom(client.pushUrl, from, 'over');
    const waitS = expectLimited(refused, 'too many publishes to this push URL');
    expect(waitS).toBe(1);
    expect((await http.history(client.token, client.userQueue)).map((m) => m.body.title)).toEqual(['m0', 'm1', 'm2']);

    await delay(waitS * 1000);
    const again = await publishFrom(client.pushUrl, from, 'later');
    expect(again.status).toBe(200);
    expect((JSON.parse(again.body) as WireMessage).body).toEqual({ title: 'later' });
  });
});

describe('publishes per client address', () => {
  it('limits one address across push URLs, and not the others', async () => {
    const from = '127.0.0.3';
    const clients = await Promise.all(['a.example', 'b.example', 'c.example'].map((d) => http.newClient(d)));
    for (const c of clients) for (let i = 0; i < 2; i++) expect((await publishFrom(c.pushUrl, from, `m${i}`)).status).toBe(200);
    expectLimited(await publishFrom(clients[0].pushUrl, from, 'over'), 'too many publishes from this address');
    // the refusal came before the push URL's bucket: that push URL still has a token for another address
    expect((await publishFrom(clients[0].pushUrl, '127.0.0.4', 'elsewhere')).status).toBe(200);
    // other routes are not publishes
    expect((await call('POST', `${api.url}/token/`, from)).status).toBe(200);
  });
});

describe('failed attempts per client address', () => {
  it('after too many 401/404 answers, refuses everything from that address until the window passes', async () => {
    const from = '127.0.0.5';
    const client = await http.newClient('lockout.example');
    for (let i = 0; i < 3; i++) expect((await call('GET', `${api.url}/queue/`, from, { token: 'not-a-token' })).status).toBe(401);
    const unknownPushUrl = `${api.url}/queue/${'A'.repeat(59)}/`;
    for (let i = 0; i < 2; i++) expect((await publishFrom(unknownPushUrl, from, 'x')).status).toBe(404);

    // a valid request from the same address, even one that never fails, is now refused
    const locked = await call('GET', `${api.url}/queue/`, from, { token: client.token });
    const waitS = expectLimited(locked, 'too many failed attempts from this address (unknown token or push URL)');
    expect(waitS).toBeLessThanOrEqual(FAILED_WINDOW_S);
    expectLimited(await publishFrom(client.pushUrl, from, 'locked'), 'too many failed attempts from this address (unknown token or push URL)');
    // other addresses and the health probes are unaffected
    expect((await call('GET', `${api.url}/queue/`, '127.0.0.6', { token: client.token })).status).toBe(200);
    expect((await call('GET', `${api.url}/healthz`, from)).status).toBe(200);

    await delay(waitS * 1000);
    expect((await call('GET', `${api.url}/queue/`, from, { token: client.token })).status).toBe(200);
  });
});

describe('sockets per client address on a gateway', () => {
  /** Opens a socket from `from`; resolves it once open, or the refused upgrade's status and headers. */
  function open(from: string): Promise<{ ws: WebSocket } | { status: number; retryAfter: string | undefined; body: string }> {
    const ws = new WebSocket(`ws://127.0.0.1:${gateway.port}/`, { localAddress: from, perMessageDeflate: false });
    opened.push(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve({ ws }));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, body }));
      });
      ws.once('error', reject);
    });
  }

  it('refuses the upgrade with 429 and Retry-After beyond the limit, and takes one again once a socket closed', async () => {
    const from = '127.0.0.7';
    const held = [];
    for (let i = 0; i < 3; i++) {
      const r = await open(from);
      if (!('ws' in r)) throw new Error(`socket ${i} refused: ${r.status}`);
      held.push(r.ws);
    }
    const refused = await open(from);
    if ('ws' in refused) throw new Error('the fourth socket from one address was accepted');
    expectLimited({ status: refused.status, retryAfter: refused.retryAfter, body: refused.body }, 'too many sockets from this address');
    expect('ws' in (await open('127.0.0.8'))).toBe(true);

    held[0].close();
    await waitFor(async () => 'ws' in (await open(from)), 10_000, 'a socket from the address again after one closed');
  });

  it('keeps an open socket past the HTTP request timeout (timeouts end at the upgrade)', async () => {
    const r = await open('127.0.0.9');
    if (!('ws' in r)) throw new Error(`refused: ${r.status}`);
    // the one deliberate wait: the property is that nothing happens for longer than the timeout
    await delay(REQUEST_TIMEOUT_MS + 1_500);
    expect(r.ws.readyState).toBe(WebSocket.OPEN);
    let pong = false;
    r.ws.once('pong', () => (pong = true));
    r.ws.ping();
    await waitFor(() => pong, 5_000, 'a pong');
  });
});

describe('HTTP timeouts', () => {
  /** A raw TCP client that records what it received and when the server closed it. */
  function rawClient(port: number): Promise<{ socket: Socket; received: () => string; closedAt: () => number | null }> {
    return new Promise((resolve, reject) => {
      const socket = tcpConnect(port, '127.0.0.1');
      rawSockets.push(socket);
      let received = '';
      let closedAt: number | null = null;
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (received += chunk));
      socket.on('close', () => (closedAt = Date.now()));
      socket.on('error', () => undefined);
      socket.once('connect', () => resolve({ socket, received: () => received, closedAt: () => closedAt }));
      socket.once('error', reject);
    });
  }

  /** Writes `text` one byte every `everyMs` until the socket closes or the text runs out. */
  function dribble(socket: Socket, text: string, everyMs: number): NodeJS.Timeout {
    let i = 0;
    const timer = setInterval(() => {
      if (socket.destroyed || i >= text.length) return clearInterval(timer);
      socket.write(text[i++]);
    }, everyMs);
    return timer;
  }

  it.each([
    ['api', () => api],
    ['gateway', () => gateway],
  ])('%s cuts off a client that sends its headers byte by byte, while another client is served', async (_name, target) => {
    const app = target();
    const slow = await rawClient(app.port);
    const startedAt = Date.now();
    slow.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const timer = dribble(slow.socket, `X-Slow: ${'a'.repeat(10_000)}`, 100);
    try {
      // a normal request meanwhile is answered at once
      expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
      await waitFor(() => slow.closedAt() !== null, HEADERS_TIMEOUT_MS + 10_000, 'the slow client to be cut off');
      const after = (slow.closedAt() ?? 0) - startedAt;
      expect(after).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
      expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      clearInterval(timer);
    }
  });

  it('api cuts off a request whose body comes too slowly', async () => {
    const client = await http.newClient('slow-body.example');
    const path = new URL(client.pushUrl).pathname;
    const body = JSON.stringify({ title: 't', body: 'b'.repeat(200) });
    const slow = await rawClient(api.port);
    const startedAt = Date.now();
    slow.socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`);
    const timer = dribble(slow.socket, body, 100);
    try {
      await waitFor(() => slow.closedAt() !== null, REQUEST_TIMEOUT_MS + 10_000, 'the slow body to be cut off');
      expect((slow.closedAt() ?? 0) - startedAt).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
      expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);
      expect(await http.history(client.token, client.userQueue)).toEqual([]);
    } finally {
      clearInterval(timer);
    }
  });
});
