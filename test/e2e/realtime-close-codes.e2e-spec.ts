/**
 * Every close code of the WebSocket protocol, against a real api and gateway: 4401, 4400, 4408, 1009,
 * 1008, 1013, and 1012 on SIGTERM (after which the node has left GET /nodes/ and the process exits 0).
 */
import { AppProcess, deletePrefix, startApp, uniquePrefix, waitFor } from '@push/testing';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { ApiClient, baseEnv, WsClient } from './realtime.support';

jest.setTimeout(40_000);

const ORIGIN = 'https://app.example.org';

describe('realtime close codes', () => {
  const prefix = uniquePrefix('realtime-close');
  let api: AppProcess;
  let gateway: AppProcess;
  let http: ApiClient;
  const sockets: WsClient[] = [];

  /** A socket sending `origin` (null: no Origin header). */
  async function connect(origin: string | null = ORIGIN): Promise<WsClient> {
    const c = await WsClient.connect(gateway.url, origin === null ? {} : { origin });
    sockets.push(c);
    return c;
  }

  beforeAll(async () => {
    const gatewayEnv = baseEnv(prefix, {
      WS_AUTH_TIMEOUT_MS: '300',
      WS_MAX_PAYLOAD_BYTES: '1024',
      WS_ALLOWED_ORIGINS: `https://other.example.org, ${ORIGIN}`,
      WS_MAX_BUFFERED_BYTES: '4096',
      DRAIN_SPREAD_MS: '400',
      LOG_LEVEL: 'warn',
    });
    [api, gateway] = await Promise.all([startApp('api', { env: baseEnv(prefix) }), startApp('gateway', { env: gatewayEnv })]);
    http = new ApiClient(api);
  });

  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });

  afterAll(async () => {
    await Promise.all([api?.stop(), gateway?.stop()]);
    await deletePrefix(prefix);
  });

  it.each([
    ['a malformed seed token', (): string => 'token: not-a-token'],
    ['an unknown seed token', (): string => `token: ${randomBytes(32).toString('base64url')}`],
    ['a token of the wrong type', (): string => JSON.stringify({ token: 5 })],
    ['an unknown JSON token with a bad since', (): string => JSON.stringify({ token: randomBytes(32).toString('base64url'), since: 'nope' })],
    ['broken JSON', (): string => '{"token": '],
    ['anything else', (): string => 'hello'],
  ])('closes with 4401 on %s', async (_why, frame) => {
    const ws = await connect();
    ws.ws.send(frame());
    expect((await ws.closed).code).toBe(4401);
  });

  it('closes with 4401 on a binary hello', async () => {
    const { token } = await http.createClient();
    const ws = await connect();
    ws.ws.send(Buffer.from(`token: ${token}`), { binary: true });
    expect((await ws.closed).code).toBe(4401);
  });

  it.each([['garbage', 'yesterday'], ['a number', 17], ['an empty string', '']])('closes with 4400 on a valid token with %s as since', async (_why, since) => {
    const { token } = await http.createClient();
    const ws = await connect();
    ws.ws.send(JSON.stringify({ token, since }));
    expect((await ws.closed).code).toBe(4400);
    expect(ws.controls).toEqual([]);
  });

  it('closes with 4408 when no hello comes within WS_AUTH_TIMEOUT_MS', async () => {
    const ws = await connect();
    const startMs = Date.now();
    expect((await ws.closed).code).toBe(4408);
    expect(Date.now() - startMs).toBeGreaterThanOrEqual(250);
  });

  it('closes with 1009 on a frame over WS_MAX_PAYLOAD_BYTES', async () => {
    const ws = await connect();
    ws.ws.send('x'.repeat(2048));
    expect((await ws.closed).code).toBe(1009);
  });

  it('closes with 1008 when the Origin is not allowed or missing', async () => {
    const wrong = await connect('https://evil.example');
    expect((await wrong.closed).code).toBe(1008);
    const none = await connect(null);
    expect((await none.closed).code).toBe(1008);
  });

  it('ignores client frames after the hello and keeps delivering', async () => {
    const { token, pushUrl } = await http.newClient();
    const ws = await connect();
    await ws.jsonHello(token);
    ws.ws.send('not json at all');
    ws.ws.send(JSON.stringify({ token: 'again' }));
    ws.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    const m = await http.publish(pushUrl, { title: 'still here' });
    expect(await ws.waitForMessages(1)).toEqual([m]);
    expect(ws.closeInfo).toBeNull();
  });

  it('closes with 1013 a socket that stops reading while messages pile up past WS_MAX_BUFFERED_BYTES', async () => {
    const { token, pushUrl } = await http.newClient();
    const ws = await connect();
    await ws.jsonHello(token);
    const tcp = (ws.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    tcp.pause();
    const body = 'b'.repeat(3500);
    let published = 0;
    // the kernel's socket buffers take a few MB before the gateway's own buffer grows
    await waitFor(
      async () => {
        await Promise.all(Array.from({ length: 25 }, () => http.publish(pushUrl, { title: 'flood', body })));
        published += 25;
        return gateway.logs.includes('reason=slow-consumer') || published >= 6000;
      },
      30_000,
      'the gateway to give up on the slow socket',
      0,
    );
    expect(gateway.logs).toContain('reason=slow-consumer');
    tcp.resume();
    expect((await ws.closed).code).toBe(1013);
    expect(ws.messages.length).toBeLessThan(published);
  });

  it('drains on SIGTERM: refuses new sockets, closes the open ones with 1012, leaves /nodes/, exits 0', async () => {
    const address = `127.0.0.1:${gateway.port}`;
    await waitFor(async () => (await http.nodes()).includes(address), 5_000, 'the gateway in /nodes/');
    const { token } = await http.createClient();
    const open = await Promise.all(Array.from({ length: 6 }, () => connect()));
    for (const s of open) await s.jsonHello(token);

    gateway.signal('SIGTERM');
    await waitFor(async () => (await fetch(`${gateway.url}/readyz`).catch(() => null))?.status === 503, 2_000, 'readyz 503 while draining');
    const refused = new WebSocket(`ws://${address}/`, { origin: ORIGIN });
    const refusal = await new Promise<number>((resolve) => {
      refused.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      refused.once('open', () => resolve(101));
      refused.once('error', () => resolve(-1));
    });
    expect(refusal).toBe(503);

    const closes = await Promise.all(open.map((s) => s.closed));
    expect(closes.map((c) => c.code)).toEqual(open.map(() => 1012));
    expect(await http.nodes()).not.toContain(address);
    await gateway.waitExit(10_000);
    expect(gateway.exit).toEqual({ code: 0, signal: null });
  });
});
