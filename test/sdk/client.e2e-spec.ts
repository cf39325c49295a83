/**
 * @push/client against real processes (one api, two gateways, a monitor, on the test Redis): the REST
 * helpers, a live message and read marker, no reconnect loop on 4401, and the move to the other node
 * after `kill -9` of the gateway the client is on, with what was published meanwhile delivered exactly once.
 */
import { PushClient, PushError, createToken, publish } from '@push/client';
import { AppProcess, deletePrefix, startApp, uniquePrefix, waitFor } from '@push/testing';
import { Recorder, baseEnv, countingWebSocket, gatedFetch } from './sdk.support';

jest.setTimeout(60_000);

describe('@push/client against a running Push', () => {
  const prefix = uniquePrefix('sdk-client');
  let api: AppProcess;
  let gateways: AppProcess[];
  let monitor: AppProcess;
  const recorders: Recorder[] = [];

  const watch = (client: PushClient): Recorder => {
    const r = new Recorder(client.connect());
    recorders.push(r);
    return r;
  };

  beforeAll(async () => {
    const env = baseEnv(prefix);
    const started = await Promise.all([startApp('api', { env }), startApp('gateway', { env }), startApp('gateway', { env }), startApp('monitor', { env })]);
    [api, , , monitor] = started;
    gateways = [started[1], started[2]];
    const nodes = async (): Promise<string[]> => ((await (await fetch(`${api.url}/nodes/`)).json()) as { nodes: string[] }).nodes;
    await waitFor(async () => (await nodes()).length === 2, 10_000, 'both gateways in /nodes/');
  });

  afterEach(() => {
    for (const r of recorders.splice(0)) r.conn.close();
  });

  afterAll(async () => {
    await Promise.all([api, ...gateways, monitor].filter(Boolean).map((p) => p.stop()));
    await deletePrefix(prefix);
  });

  it('REST helpers: token, push URLs, publish, history, read marker, last_seen, revoke', async () => {
    const { token, queue } = await createToken(api.url);
    expect(token).toMatch(/^[\w-]{20,}$/);
    const client = new PushClient({ api: api.url, token, queue });

    const pushUrl = await client.createPushUrl('example.com');
    expect(await client.createPushUrl('example.com')).toBe(pushUrl);
    expect(await client.listPushUrls()).toEqual({ 'example.com': pushUrl });

    const one = await publish(pushUrl, { title: 'one', body: 'hi', actionUrl: 'https://example.com/a', replaceId: 'r' });
    const two = await publish(pushUrl, { title: 'two' });
    expect(one.body).toEqual({ title: 'one', body: 'hi', actionUrl: 'https://example.com/a', replaceId: 'r' });
    expect(one.queue).toBe(pushUrl);

    const marker = await client.markRead(one.key);
    expect(marker.body).toEqual({ read: one.key });
    expect(marker.queue).toBe(queue);

    expect(await client.setLastSeen('1764260000.5')).toBe('1764260000.500000');
    const page = await client.history();
    expect(page.messages.map((m) => m.key)).toEqual([one.key, two.key, marker.key]);
    expect(page.lastSeen).toBe('1764260000.500000');
    expect((await client.history({ since: one.key, limit: 1 })).messages.map((m) => m.key)).toEqual([two.key]);

    await client.revoke(pushUrl);
    expect(await client.listPushUrls()).toEqual({});
    const refused = await publish(pushUrl, { title: 'late' }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(PushError);
    expect(refused).toMatchObject({ code: 'http', status: 404, message: 'publish: 404 no such push URL' });
  });

  it('REST errors name what went wrong: unknown token, bad field', async () => {
    const { queue } = await createToken(api.url);
    const stranger = new PushClient({ api: api.url, token: 'x'.repeat(43), queue });
    await expect(stranger.listPushUrls()).rejects.toMatchObject({ code: 'invalid_token', status: 401 });

    const { token } = await createToken(api.url);
    const client = new PushClient({ api: api.url, token, queue: (await createToken(api.url)).queue });
    await expect(client.createPushUrl('not a host!')).rejects.toMatchObject({ code: 'http', status: 400 });
    await expect(client.history()).rejects.toMatchObject({ code: 'http', status: 403 });
  });

  it('delivers a live message and a read marker (as a read event only)', async () => {
    const { token, queue } = await createToken(api.url);
    const client = new PushClient({ api: api.url, token, queue });
    const pushUrl = await client.createPushUrl('live.example');
    const rec = watch(client);
    await rec.waitState('connected');
    expect(rec.conn.node).toEqual(expect.any(String));

    const sent = await publish(pushUrl, { title: 'live one' });
    await rec.waitMessages(1);
    expect(rec.messages).toEqual([sent]);

    const marker = await client.markRead(sent.key);
    await waitFor(() => rec.reads.length === 1, 10_000, 'the read event');
    expect(rec.reads).toEqual([sent.key]);
    expect(rec.messages).toEqual([sent]);
    expect(rec.conn.lastKey).toBe(marker.key);
    expect(rec.errors).toEqual([]);
  });

  it('stops after 4401: one attempt, error invalid_token, state offline', async () => {
    const { queue } = await createToken(api.url);
    const counting = countingWebSocket();
    const client = new PushClient({
      api: api.url,
      token: 'y'.repeat(43),
      queue,
      WebSocket: counting.WebSocket,
      backoff: { baseMs: 20, capMs: 20 },
    });
    const rec = watch(client);
    await waitFor(() => rec.errors.length > 0, 10_000, 'the invalid_token error');
    expect(rec.errors.map((e) => [e.code, e.closeCode])).toEqual([['invalid_token', 4401]]);
    expect(rec.conn.state).toBe('offline');
    // a loop would have opened dozens of sockets in this window at a 20 ms backoff
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(counting.urls).toHaveLength(1);
    expect(rec.errors).toHaveLength(1);
  });

  it('after kill -9 of its gateway, moves to the other node and gets what was published meanwhile exactly once', async () => {
    const { token, queue } = await createToken(api.url);
    const counting = countingWebSocket();
    const gate = gatedFetch();
    const client = new PushClient({ api: api.url, token, queue, WebSocket: counting.WebSocket, fetch: gate.fetch, backoff: { baseMs: 50, capMs: 50 } });
    const pushUrl = await client.createPushUrl('kill.example');
    const rec = watch(client);
    await rec.waitState('connected');

    const published: string[] = [];
    for (let i = 0; i < 5; i++) published.push((await publish(pushUrl, { title: `before ${i}` })).key);
    await rec.waitMessages(5);

    const onUrl = counting.urls.at(-1)!;
    const victim = gateways.find((g) => onUrl === `ws://127.0.0.1:${g.port}/`)!;
    const survivor = gateways.find((g) => g !== victim)!;
    expect(victim).toBeDefined();
    // hold the client's next GET /nodes/, so that what follows is published while it has no socket
    gate.close();
    victim.signal('SIGKILL');
    await victim.waitExit();
    await waitFor(() => gate.waiting() > 0, 10_000, 'the client retrying');
    expect(rec.conn.state).not.toBe('connected');

    for (let i = 0; i < 10; i++) published.push((await publish(pushUrl, { title: `meanwhile ${i}` })).key);
    expect(rec.messages).toHaveLength(5);
    gate.open();
    await waitFor(() => rec.conn.state === 'connected', 20_000, 'connected again');
    expect(counting.urls.at(-1)).toBe(`ws://127.0.0.1:${survivor.port}/`);
    expect(counting.hellos.at(-1)).toEqual({ token, since: published[4] });
    for (let i = 0; i < 5; i++) published.push((await publish(pushUrl, { title: `after ${i}` })).key);

    await rec.waitMessages(20);
    expect(rec.keys).toEqual(published);
    expect(rec.messages.map((m) => m.body.title).slice(5, 7)).toEqual(['meanwhile 0', 'meanwhile 1']);
    expect(rec.errors.map((e) => e.code)).toContain('network');
    gateways = [survivor];
  });
});
