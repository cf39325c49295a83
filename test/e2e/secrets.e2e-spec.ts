/**
 * Secrets at rest (issue #7): a real api, gateway and monitor (verbose logs) under a key prefix of
 * their own are driven through every route and both hello forms, with right and wrong tokens; then
 * every key under the prefix is dumped (key names; strings; hash fields and values; stream ids, fields
 * and values; set, sorted set and list members) together with the processes' complete output, and none
 * of the tokens or push URL ids may appear in it: not as text, not as their raw bytes, not in hex or
 * standard base64, not even as a 16-character piece.
 */
import { randomBytes } from 'node:crypto';
import { KeySchema } from '@push/redis';
import { AppProcess, deletePrefix, startApp, uniquePrefix, waitFor } from '@push/testing';
import { Redis } from 'ioredis';
import { ApiClient, baseEnv, testRedis, waitSubscribed, WireMessage, WsClient } from './realtime.support';

jest.setTimeout(120_000);

const prefix = uniquePrefix('secrets-e2e');
// no PUSH_URL_SECRET: the default deployment, whose secret is generated once and kept in Redis
const { PUSH_URL_SECRET: _unused, ...sharedEnv } = baseEnv(prefix, { LOG_LEVEL: 'verbose' });
const started: AppProcess[] = [];
const sockets: WsClient[] = [];
let api: AppProcess;
let gateway: AppProcess;
let monitor: AppProcess;
let http: ApiClient;
let redis: Redis;

/** Every secret the run handed out or sent: what must not be found. */
const tokens: string[] = [];
const pushUrlIds: string[] = [];

beforeAll(async () => {
  redis = await testRedis();
  [api, gateway, monitor] = await Promise.all([
    startApp('api', { env: sharedEnv }),
    startApp('gateway', { env: sharedEnv }),
    startApp('monitor', { env: sharedEnv }),
  ]);
  started.push(api, gateway, monitor);
  http = new ApiClient(api);
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await Promise.all(started.map((p) => p.stop()));
  redis.disconnect();
  await deletePrefix(prefix);
});

interface Answer {
  readonly status: number;
  readonly text: string;
}

async function call(method: string, url: string, init: { token?: string; bearer?: string; json?: unknown; form?: Record<string, string>; query?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (init.token !== undefined) headers['x-auth-token'] = init.token;
  if (init.bearer !== undefined) headers.authorization = `Bearer ${init.bearer}`;
  let body: string | undefined;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  } else if (init.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  }
  const res = await fetch(`${url.startsWith('http') ? url : `${api.url}${url}`}${init.query ?? ''}`, { method, headers, body });
  return { status: res.status, text: await res.text() };
}

function idOf(url: string): string {
  const m = /\/queue\/([^/]+)\/$/.exec(url);
  if (!m) throw new Error(`not a queue URL: ${url}`);
  return m[1];
}

async function connect(): Promise<WsClient> {
  const ws = await WsClient.connect(gateway.url);
  sockets.push(ws);
  return ws;
}

/** Every key under the prefix with everything it holds, as raw bytes (nothing skipped, nothing decoded). */
async function dumpPrefix(): Promise<{ dump: Buffer; keys: number; types: Record<string, number> }> {
  const parts: Buffer[] = [];
  const types: Record<string, number> = {};
  const add = (...values: (Buffer | string | number)[]): void => {
    for (const v of values) parts.push(Buffer.isBuffer(v) ? v : Buffer.from(String(v)), Buffer.from('\n'));
  };
  const pattern = `${prefix.replace(/([*?[\]\\])/g, '\\$1')}*`;
  let cursor = '0';
  let keys = 0;
  do {
    const [next, batch] = await redis.scanBuffer(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = String(next);
    for (const key of batch) {
      keys++;
      const type = await redis.type(key);
      types[type] = (types[type] ?? 0) + 1;
      add(key);
      if (type === 'string') add((await redis.getBuffer(key)) ?? '');
      else if (type === 'hash') {
        const flat = (await redis.callBuffer('HGETALL', key)) as Buffer[];
        add(...flat);
      } else if (type === 'stream') {
        const entries = (await redis.callBuffer('XRANGE', key, '-', '+')) as [Buffer, Buffer[]][];
        for (const [id, fields] of entries) add(id, ...fields);
        // consumer groups (BullMQ's event streams) name consumers and pending ids: dumped too
        const groups = (await redis.callBuffer('XINFO', 'GROUPS', key)) as unknown[];
        add(JSON.stringify(groups, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('latin1') : v)));
      } else if (type === 'set') add(...(await redis.smembersBuffer(key)));
      else if (type === 'zset') add(...(await redis.zrangeBuffer(key, '0', '-1', 'WITHSCORES')));
      else if (type === 'list') add(...(await redis.lrangeBuffer(key, 0, -1)));
      else if (type !== 'none') throw new Error(`key of unexpected type ${type}: dump it too`);
    }
  } while (cursor !== '0');
  return { dump: Buffer.concat(parts), keys, types };
}

/** Every form of a secret that must not be present: the text, 16-character pieces of it, its raw bytes, their hex and standard base64. */
function formsOf(secret: string): { name: string; bytes: Buffer }[] {
  const raw = Buffer.from(secret, 'base64url');
  const forms = [
    { name: 'text', bytes: Buffer.from(secret) },
    { name: 'raw bytes', bytes: raw },
    { name: 'hex', bytes: Buffer.from(raw.toString('hex')) },
    { name: 'HEX', bytes: Buffer.from(raw.toString('hex').toUpperCase()) },
    { name: 'base64', bytes: Buffer.from(raw.toString('base64').replace(/=+$/, '')) },
  ];
  for (let i = 0; i + 16 <= secret.length; i += 4) forms.push({ name: `text[${i}..${i + 16}]`, bytes: Buffer.from(secret.slice(i, i + 16)) });
  return forms;
}

function findings(haystack: Buffer, where: string): string[] {
  const found: string[] = [];
  const lower = Buffer.from(haystack.toString('latin1').toLowerCase(), 'latin1');
  for (const [kind, list] of [['token', tokens], ['push URL id', pushUrlIds]] as const) {
    for (const secret of list) {
      for (const form of formsOf(secret)) {
        const inHex = form.name === 'hex' || form.name === 'HEX';
        if ((inHex ? lower : haystack).includes(inHex ? Buffer.from(form.bytes.toString().toLowerCase()) : form.bytes)) {
          found.push(`${where}: a ${kind} (${secret.slice(0, 6)}…) as ${form.name}`);
        }
      }
    }
  }
  return found;
}

it('drives every route, then finds no token and no push URL id in Redis or in the logs', async () => {
  // three clients with push URLs on several domains; asking twice gives the same push URL
  const clients: { token: string; userQueue: string; urls: Record<string, string> }[] = [];
  for (let c = 0; c < 3; c++) {
    const { token, queue } = await http.createClient();
    tokens.push(token);
    const urls: Record<string, string> = {};
    for (const domain of ['example.com', `site${c}.example:8443`, 'news.example']) {
      urls[domain] = await http.createPushUrl(token, domain);
      expect(await http.createPushUrl(token, domain)).toBe(urls[domain]);
      pushUrlIds.push(idOf(urls[domain]));
    }
    clients.push({ token, userQueue: queue, urls });
  }
  const [alice, bob, carol] = clients;

  // live sockets: the seed hello and the JSON hello
  const seed = await connect();
  seed.seedHello(alice.token);
  const json = await connect();
  expect((await json.jsonHello(bob.token)).recovered).toBe(true);
  await waitSubscribed(redis, prefix, idOf(alice.userQueue));

  // publishes: JSON and form bodies, replaceIds, through every push URL
  const published: WireMessage[] = [];
  for (const client of clients) {
    for (const [domain, url] of Object.entries(client.urls)) {
      published.push(await http.publish(url, { title: `hello from ${domain}`, body: 'b', replaceId: 'r' }));
      const form = await call('POST', url, { form: { title: `form from ${domain}`, actionUrl: 'https://example.com/a' } });
      expect(form.status).toBe(200);
      published.push(JSON.parse(form.text) as WireMessage);
      expect(published.at(-1)?.queue).toBe(url);
    }
  }
  expect(published.every((m, i) => m.queue === Object.values(clients[Math.floor(i / 6)].urls)[Math.floor((i % 6) / 2)])).toBe(true);
  await seed.waitForMessages(6);
  await json.waitForMessages(6);
  expect(seed.messages.map((m) => m.queue)).toEqual(published.slice(0, 6).map((m) => m.queue));
  expect(json.messages.map((m) => m.queue)).toEqual(published.slice(6, 12).map((m) => m.queue));

  // history returns the exact push URLs; read markers; last_seen; list
  const aliceHistory = await http.history(alice.token, alice.userQueue);
  expect(aliceHistory.map((m) => m.queue)).toEqual(published.slice(0, 6).map((m) => m.queue));
  const marker = await http.markRead(alice.token, alice.userQueue, aliceHistory[0].key);
  expect(marker.queue).toBe(alice.userQueue);
  expect((await call('PUT', alice.userQueue, { token: alice.token, form: { timestamp: aliceHistory[1].timestamp } })).status).toBe(200);
  expect((await call('PUT', bob.userQueue, { bearer: bob.token, json: { timestamp: 1764260000.5 } })).status).toBe(200);
  for (const client of clients) {
    const list = await call('GET', '/queue/', { token: client.token });
    expect(JSON.parse(list.text)).toEqual(client.urls);
  }
  // the seed-style token in a query parameter and a form field
  expect((await call('GET', '/queue/', { query: `?token=${carol.token}` })).status).toBe(200);
  expect((await call('POST', '/queue/', { form: { token: carol.token, domain: 'form.example' } })).status).toBe(200);
  const formUrl = JSON.parse((await call('GET', '/queue/', { token: carol.token })).text) as Record<string, string>;
  pushUrlIds.push(idOf(formUrl['form.example']));

  // a resuming JSON hello replays from the stream: the gateway opens the sealed push URLs
  const resumed = await connect();
  expect((await resumed.jsonHello(alice.token, '0-0')).recovered).toBe(true);
  // one replaceId per push URL: nothing collapses
  const wanted = [...published.slice(0, 6), marker];
  await resumed.waitForMessages(wanted.length);
  expect(resumed.messages.map((m) => [m.key, m.queue])).toEqual(wanted.map((m) => [m.key, m.queue]));

  // revocation: the push URL stops working, other tokens cannot revoke, history keeps the URL
  const revoked = alice.urls['news.example'];
  expect((await call('DELETE', revoked, { token: bob.token })).status).toBe(404);
  expect((await call('DELETE', revoked, { token: alice.token })).status).toBe(200);
  expect((await call('POST', revoked, { json: { title: 'late' } })).status).toBe(404);
  expect((await call('DELETE', revoked, { token: alice.token })).status).toBe(404);
  const fresh = await http.createPushUrl(alice.token, 'news.example');
  expect(fresh).not.toBe(revoked);
  pushUrlIds.push(idOf(fresh));
  expect((await http.history(alice.token, alice.userQueue)).some((m) => m.queue === revoked)).toBe(true);

  // wrong tokens everywhere (they are secrets too: a mistyped token must not end up in a log)
  const wrong = [randomBytes(32).toString('base64url'), randomBytes(32).toString('base64url')];
  tokens.push(...wrong);
  expect((await call('GET', '/queue/', { token: wrong[0] })).status).toBe(401);
  expect((await call('POST', '/queue/', { bearer: wrong[1], json: { domain: 'x.example' } })).status).toBe(401);
  expect((await call('GET', alice.userQueue, { token: wrong[0] })).status).toBe(401);
  expect((await call('GET', alice.userQueue, { token: bob.token })).status).toBe(403);
  expect((await call('POST', alice.userQueue, { token: wrong[1], json: { action: 'read', key: '1-0' } })).status).toBe(401);
  expect((await call('PUT', alice.userQueue, { token: wrong[0], form: { timestamp: '1' } })).status).toBe(401);
  expect((await call('DELETE', bob.urls['example.com'], { token: wrong[1] })).status).toBe(401);
  expect((await call('GET', bob.urls['example.com'], { token: bob.token })).status).toBe(405);
  const badSeed = await connect();
  badSeed.seedHello(wrong[0]);
  expect((await badSeed.closed).code).toBe(4401);
  const badJson = await connect();
  badJson.ws.send(JSON.stringify({ token: wrong[1], since: '0-0' }));
  expect((await badJson.closed).code).toBe(4401);
  const badSince = await connect();
  badSince.ws.send(JSON.stringify({ token: carol.token, since: 'yesterday' }));
  expect((await badSince.closed).code).toBe(4400);

  // let the monitor tick at least once (it writes BullMQ keys) and everything settle
  await waitFor(async () => (await redis.keys(`${new KeySchema(prefix).bullPrefix()}*`)).length > 0, 10_000, 'the monitor to schedule its jobs');
  for (const s of sockets) s.close();
  await Promise.all(started.map((p) => p.stop()));

  const { dump, keys, types } = await dumpPrefix();
  expect(keys).toBeGreaterThan(10);
  expect(types.stream).toBeGreaterThanOrEqual(3);
  expect(types.hash).toBeGreaterThanOrEqual(3);
  // the dump is not vacuous: the domains and the titles are there in plain text
  expect(dump.includes(Buffer.from('site1.example:8443'))).toBe(true);
  expect(dump.includes(Buffer.from('hello from news.example'))).toBe(true);
  const problems = findings(dump, 'Redis');
  for (const p of started) {
    const logs = p.logs;
    // AppProcess keeps the last 200 kB: the output must be complete to prove anything
    expect(logs.length).toBeLessThan(200_000);
    expect(logs.length).toBeGreaterThan(0);
    problems.push(...findings(Buffer.from(logs), `${p.app} output`));
  }
  expect(problems).toEqual([]);
  expect(tokens.length).toBe(5);
  expect(pushUrlIds.length).toBe(11);
});
