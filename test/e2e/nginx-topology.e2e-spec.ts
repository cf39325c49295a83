/**
 * The docker-compose topology without containers: Debian's nginx with deploy/nginx/nginx.conf in front
 * of two api and three gateway processes and a monitor, on one Redis key prefix, with NODES_PUBLIC_ADDRESS
 * set to nginx's address. The seed's walk-through (its README and client.py: token, queue, socket,
 * publish, history, read, last_seen) runs through nginx only; then the access log and the node registry
 * show that HTTP went to both api processes and the sockets to all three gateways.
 * Skipped, with a message, only when nginx is not installed (.ci/run installs it).
 */
import { KeySchema } from '@push/redis';
import { AppProcess, deletePrefix, freePort, startApp, uniquePrefix, waitFor } from '@push/testing';
import { Redis } from 'ioredis';
import { baseEnv, testRedis, waitSubscribed, WireMessage, WsClient, userQueueIdOf } from './realtime.support';
import { findNginx, NginxProcess, startNginx } from './nginx.support';

// generous: the machine's two cores are shared, and six processes start at once
jest.setTimeout(120_000);

const nginxBin = findNginx();
if (nginxBin === null) {
  console.warn('nginx-topology: SKIPPED, nginx is not installed (apt-get install -y nginx; .ci/run does)');
}
const describeWithNginx = nginxBin === null ? describe.skip : describe;

/** What came back from nginx. */
interface Answer<T> {
  status: number;
  body: T;
}

describeWithNginx('nginx in front of 2 api + 3 gateways (the compose topology)', () => {
  const prefix = uniquePrefix('nginx-topology');
  const keys = new KeySchema(prefix);
  let nginx: NginxProcess;
  let apis: AppProcess[] = [];
  let gateways: AppProcess[] = [];
  let monitor: AppProcess | undefined;
  let redis: Redis;
  const sockets: WsClient[] = [];

  /** One request to nginx, as a browser or website sends it: form body (like the seed client) or JSON. */
  async function call<T>(method: string, pathOrUrl: string, init: { token?: string; form?: Record<string, string>; json?: unknown } = {}): Promise<Answer<T>> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${nginx.url}${pathOrUrl}`;
    expect(url.startsWith(`${nginx.url}/`)).toBe(true);
    const headers: Record<string, string> = {};
    let body: string | undefined;
    if (init.token !== undefined) headers['x-auth-token'] = init.token;
    if (init.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    } else if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    const res = await fetch(url, { method, headers, body });
    return { status: res.status, body: (await res.json()) as T };
  }

  async function ok<T>(method: string, pathOrUrl: string, init: Parameters<typeof call>[2] = {}): Promise<T> {
    const res = await call<T>(method, pathOrUrl, init);
    if (res.status !== 200) throw new Error(`${method} ${pathOrUrl} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** Connections per registered gateway address, from the node registry the gateways heartbeat into. */
  async function connectionsByAddress(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const json of Object.values(await redis.hgetall(keys.nodes()))) {
      const node = JSON.parse(json) as { address: string; connections: number };
      out.set(node.address, node.connections);
    }
    return out;
  }

  async function connect(address: string): Promise<WsClient> {
    const socket = await WsClient.connect(address);
    sockets.push(socket);
    return socket;
  }

  beforeAll(async () => {
    if (nginxBin === null) return;
    // nginx's port comes first: the apps must know it (NODES_PUBLIC_ADDRESS) before they start
    const nginxPort = await freePort();
    const env = baseEnv(prefix, {
      NODES_PUBLIC_ADDRESS: `127.0.0.1:${nginxPort}`,
      MONITOR_PERIOD_MS: '1000',
      MONITOR_TIMEOUT_MS: '500',
      DRAIN_SPREAD_MS: '1000',
    });
    // allSettled: when one app fails to start, the others are still stopped in afterAll
    const settled = await Promise.allSettled(
      (['api', 'api', 'gateway', 'gateway', 'gateway', 'monitor'] as const).map((app) => startApp(app, { env, readyTimeoutMs: 60_000 })),
    );
    const started = settled.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
    apis = started.slice(0, 2).filter((p): p is AppProcess => p !== undefined);
    gateways = started.slice(2, 5).filter((p): p is AppProcess => p !== undefined);
    monitor = started[5];
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    nginx = await startNginx(nginxBin, { api: apis.map((a) => a.port), gateway: gateways.map((g) => g.port) }, nginxPort);
    redis = await testRedis();
    await waitFor(async () => (await connectionsByAddress()).size === 3, 10_000, 'three gateways registered');
  });

  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });

  afterAll(async () => {
    await nginx?.stop();
    await Promise.all([...apis, ...gateways, ...(monitor ? [monitor] : [])].map((p) => p.stop()));
    redis?.disconnect();
    await deletePrefix(prefix);
  });

  it("walks the seed's client through nginx only, and spreads HTTP over both apis and sockets over the gateways", async () => {
    // 1. a client gets its token; URLs in answers carry nginx's address (Host is passed on)
    const { token, queue: userQueue } = await ok<{ token: string; queue: string }>('POST', '/token/');
    expect(userQueue.startsWith(`${nginx.url}/queue/`)).toBe(true);

    // 2. where to connect: nginx, not the gateways' own addresses
    await waitFor(async () => (await ok<{ nodes: string[] }>('GET', '/nodes/')).nodes.length > 0, 5_000, 'GET /nodes/ non-empty');
    expect(await ok('GET', '/nodes/')).toEqual({ nodes: [nginx.address] });
    const [wsAddress] = (await ok<{ nodes: string[] }>('GET', '/nodes/')).nodes;

    // 3. a push URL for a site, asked for with a form body as the seed client did
    const { queue: pushUrl } = await ok<{ queue: string }>('POST', '/queue/', { token, form: { domain: 'example.com' } });
    expect(pushUrl.startsWith(`${nginx.url}/queue/`)).toBe(true);

    // 4. sockets through nginx: the seed's hello, the JSON hello, and a second JSON device
    const seed = await connect(wsAddress);
    seed.seedHello(token);
    const modern = await connect(wsAddress);
    const hello = await modern.jsonHello(token);
    expect(hello).toMatchObject({ type: 'hello', recovered: true });
    const other = await connect(wsAddress);
    await other.jsonHello(token);
    await waitSubscribed(redis, prefix, userQueueIdOf(userQueue), 3);
    // least_conn (with its shared zone) gives each of the three sockets its own gateway
    await waitFor(
      async () => {
        const counts = await connectionsByAddress();
        return gateways.every((g) => counts.get(`127.0.0.1:${g.port}`) === 1);
      },
      5_000,
      'one socket on each gateway',
    );

    // 5. a website publishes through nginx; every socket receives exactly the stored message
    const published = await ok<WireMessage>('POST', pushUrl, { form: { title: 'message one', body: 'hi', actionUrl: 'https://example.com/a', replaceId: 'inbox' } });
    expect(published.body).toEqual({ title: 'message one', body: 'hi', actionUrl: 'https://example.com/a', replaceId: 'inbox' });
    expect(published.queue).toBe(pushUrl);
    for (const s of [seed, modern, other]) expect((await s.waitForMessages(1))[0]).toEqual(published);
    const second = await ok<WireMessage>('POST', pushUrl, { json: { title: 'message two' } });

    // 6. history over HTTP
    const history = await ok<{ messages: WireMessage[]; last_seen: string | null }>('GET', `${userQueue}?since=${published.timestamp}`, { token });
    expect(history).toEqual({ messages: [published, second], last_seen: null });

    // 7. mark read: the read marker is stored and reaches every socket, the seed's included
    const marker = await ok<WireMessage>('POST', userQueue, { token, form: { action: 'read', key: published.key } });
    expect(marker.body).toEqual({ read: published.key });
    expect(marker.queue).toBe(userQueue);
    for (const s of [seed, modern, other]) expect((await s.waitForMessages(3))[2]).toEqual(marker);

    // 8. last_seen for the other devices
    expect(await ok('PUT', userQueue, { token, form: { timestamp: second.timestamp } })).toEqual({ last_seen: second.timestamp });
    expect((await ok<{ last_seen: string | null }>('GET', userQueue, { token })).last_seen).toBe(second.timestamp);

    // 9. the token's push URLs, for syncing devices
    expect(await ok('GET', '/queue/', { token })).toEqual({ 'example.com': pushUrl });

    // 10. revoke: publishing is refused from then on, with the api's own JSON error
    expect(await ok('DELETE', pushUrl, { token })).toEqual({ queue: pushUrl });
    const late = await call<{ statusCode: number; message: string }>('POST', pushUrl, { form: { title: 'late' } });
    expect(late).toEqual({ status: 404, body: expect.objectContaining({ statusCode: 404, message: 'no such push URL' }) });
    expect(seed.messages).toHaveLength(3);

    // HTTP went to both api processes: nginx's access log names the upstream of every request
    const apiAddresses = new Set(apis.map((a) => `127.0.0.1:${a.port}`));
    const used = new Set(nginx.accessLog.map((l) => /upstream=(\S+)/.exec(l)?.[1]).filter((u): u is string => u !== undefined && apiAddresses.has(u)));
    expect([...used].sort()).toEqual([...apiAddresses].sort());
    // and the log never shows a push URL's or user queue's id
    expect(nginx.accessLog.join('\n')).not.toContain(userQueueIdOf(userQueue));
    expect(nginx.accessLog.join('\n')).not.toContain(pushUrl.split('/').at(-2));
  });

  it('moves a socket to another gateway through nginx when its gateway drains, with nothing lost or repeated', async () => {
    const { token, queue: userQueue } = await ok<{ token: string; queue: string }>('POST', '/token/');
    const { queue: pushUrl } = await ok<{ queue: string }>('POST', '/queue/', { token, json: { domain: 'example.org' } });
    const first = await connect(nginx.address);
    const hello = await first.jsonHello(token);
    const m1 = await ok<WireMessage>('POST', pushUrl, { json: { title: 'before' } });
    await first.waitForMessages(1);

    // the gateway process that holds the socket, from the node id of its hello
    const record = JSON.parse((await redis.hget(keys.nodes(), String(hello.node))) ?? 'null') as { address: string } | null;
    const draining = gateways.find((g) => record !== null && record.address === `127.0.0.1:${g.port}`);
    if (draining === undefined) throw new Error(`no gateway process registered as node ${String(hello.node)}`);

    // a rolling update stops it: the socket is closed with 1012 while a website keeps publishing
    draining.signal('SIGTERM');
    const m2 = await ok<WireMessage>('POST', pushUrl, { json: { title: 'during' } });
    expect((await first.closed).code).toBe(1012);

    // the client reconnects to the address it knows (nginx) and resumes after the last key it got
    const second = await connect(nginx.address);
    const resumed = await second.jsonHello(token, first.lastKey ?? m1.key);
    expect(resumed.recovered).toBe(true);
    expect(resumed.node).not.toBe(hello.node);
    const m3 = await ok<WireMessage>('POST', pushUrl, { json: { title: 'after' } });
    await waitFor(() => [...first.messages, ...second.messages].some((m) => m.key === m3.key), 10_000, 'the message after the move');
    expect([...first.messages, ...second.messages].map((m) => m.key)).toEqual([m1.key, m2.key, m3.key]);
    await draining.waitExit(15_000);
    expect(draining.exit?.code).toBe(0);
    expect((await ok<{ messages: WireMessage[] }>('GET', userQueue, { token })).messages.map((m) => m.key)).toEqual([m1.key, m2.key, m3.key]);
    expect(await ok('GET', '/nodes/')).toEqual({ nodes: [nginx.address] });
  });
});
