/**
 * The HTTP API end to end: a real api process (`node dist/apps/api/main.js`, built with
 * `npx nest build api`) against the machine's Redis under a key prefix of its own, driven over HTTP.
 */
import { hashToken } from '@push/domain';
import { KeySchema, RedisNodeRegistry } from '@push/redis';
import { AppProcess, deletePrefix, startApp, TEST_REDIS_URL, uniquePrefix, waitFor } from '@push/testing';
import { Redis } from 'ioredis';

jest.setTimeout(60_000);

/** A message as the api returns it. */
interface WireMessage {
  key: string;
  timestamp: string;
  queue: string;
  body: Record<string, unknown>;
}

interface History {
  messages: WireMessage[];
  last_seen: string | null;
}

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

/** What a test sends: a JSON body, a form body, or raw text with a content type; the token one of four ways. */
interface Send {
  json?: unknown;
  form?: Record<string, string>;
  raw?: string;
  contentType?: string;
  token?: string;
  bearer?: string;
  headers?: Record<string, string>;
}

/** What came back. */
interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

const prefix = uniquePrefix('api-e2e');
// history tests publish over a hundred messages through one push URL; limits.e2e-spec.ts tests the limit
const env = { REDIS_URL: TEST_REDIS_URL, KEY_PREFIX: prefix, PUBLISH_BURST_PER_PUSH_URL: '0' };
let api: AppProcess;
const started: AppProcess[] = [];

beforeAll(async () => {
  api = await startApp('api', { env });
  started.push(api);
});

afterAll(async () => {
  await Promise.all(started.map((p) => p.stop()));
  await deletePrefix(prefix);
});

async function call(method: string, path: string, send: Send = {}, base: AppProcess = api): Promise<Answer> {
  const url = path.startsWith('http') ? path : `${base.url}${path}`;
  const headers: Record<string, string> = { ...send.headers };
  if (send.token !== undefined) headers['x-auth-token'] = send.token;
  if (send.bearer !== undefined) headers.authorization = `Bearer ${send.bearer}`;
  let body: string | undefined;
  if (send.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(send.json);
  } else if (send.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(send.form).toString();
  } else if (send.raw !== undefined) {
    body = send.raw;
  }
  if (send.contentType !== undefined) headers['content-type'] = send.contentType;
  const res = await fetch(url, { method, headers, body });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

function json<T>(answer: Answer): T {
  return JSON.parse(answer.text) as T;
}

/** Asserts an answer and returns its JSON. */
function expectOk<T>(answer: Answer): T {
  if (answer.status !== 200) throw new Error(`expected 200, got ${answer.status}: ${answer.text}`);
  return json<T>(answer);
}

/** Asserts an error answer in the one error shape. */
function expectError(answer: Answer, status: number, message?: string | RegExp): ErrorBody {
  const body = json<ErrorBody>(answer);
  expect({ status: answer.status, statusCode: body.statusCode }).toEqual({ status, statusCode: status });
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  expect(typeof body.error).toBe('string');
  if (message !== undefined) expect(body.message).toMatch(message);
  return body;
}

interface Client {
  token: string;
  queue: string;
  userQueueId: string;
}

async function newClient(base: AppProcess = api): Promise<Client> {
  const { token, queue } = expectOk<{ token: string; queue: string }>(await call('POST', '/token/', {}, base));
  return { token, queue, userQueueId: idOf(queue) };
}

async function newPushUrl(client: Client, domain = 'example.com', base: AppProcess = api): Promise<string> {
  return expectOk<{ queue: string }>(await call('POST', '/queue/', { token: client.token, json: { domain } }, base)).queue;
}

async function publish(pushUrl: string, fields: Record<string, unknown>): Promise<WireMessage> {
  return expectOk<WireMessage>(await call('POST', pushUrl, { json: fields }));
}

async function history(client: Client, query = '', base: AppProcess = api): Promise<History> {
  return expectOk<History>(await call('GET', `/queue/${client.userQueueId}/${query}`, { token: client.token }, base));
}

/** The id inside `<base>/queue/<id>/`. */
function idOf(url: string): string {
  const m = /\/queue\/([^/]+)\/$/.exec(url);
  if (!m) throw new Error(`not a queue URL: ${url}`);
  return m[1];
}

function tamper(id: string, at: number): string {
  return `${id.slice(0, at)}${id[at] === 'A' ? 'B' : 'A'}${id.slice(at + 1)}`;
}

/** Length of the longest common substring of two strings. */
function longestCommonSubstring(a: string, b: string): number {
  let best = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) {
      let k = 0;
      while (i + k < a.length && j + k < b.length && a[i + k] === b[j + k]) k++;
      best = Math.max(best, k);
    }
  }
  return best;
}

describe('the seed walk-through', () => {
  it('token → push URL → three publishes → history → since → read marker → last_seen → revoke', async () => {
    const client = await newClient();
    expect(client.queue).toBe(`${api.url}/queue/${client.userQueueId}/`);
    // as the seed client does it: token as a form field
    const pushUrl = expectOk<{ queue: string }>(await call('POST', '/queue/', { form: { token: client.token, domain: 'example.com' } })).queue;
    expect(pushUrl).toMatch(new RegExp(`^${api.url}/queue/[A-Za-z0-9_-]+/$`));

    const one = expectOk<WireMessage>(await call('POST', pushUrl, { form: { title: 'message one', body: 'hi', actionUrl: 'https://example.com/1' } }));
    const two = await publish(pushUrl, { title: 'message two', replaceId: 'inbox' });
    const three = await publish(pushUrl, { title: 'message three' });
    expect(one).toEqual({ key: one.key, timestamp: one.timestamp, queue: pushUrl, body: { title: 'message one', body: 'hi', actionUrl: 'https://example.com/1' } });

    const all = await history(client);
    expect(all).toEqual({ messages: [one, two, three], last_seen: null });
    expect((await history(client, `?since=${one.timestamp}`)).messages).toEqual([one, two, three]);
    expect((await history(client, `?since=${two.timestamp}`)).messages).toEqual([two, three]);
    expect((await history(client, `?since=${two.key}`)).messages).toEqual([three]);

    const marker = expectOk<WireMessage>(await call('POST', client.queue, { token: client.token, form: { action: 'read', key: two.key } }));
    expect(marker).toEqual({ key: marker.key, timestamp: marker.timestamp, queue: client.queue, body: { read: two.key } });
    expect((await history(client, `?since=${three.key}`)).messages).toEqual([marker]);

    expect(expectOk<{ last_seen: string }>(await call('PUT', client.queue, { token: client.token, form: { timestamp: marker.timestamp } }))).toEqual({
      last_seen: marker.timestamp,
    });
    expect((await history(client, '?limit=1')).last_seen).toBe(marker.timestamp);

    expect(expectOk<{ queue: string }>(await call('DELETE', pushUrl, { token: client.token }))).toEqual({ queue: pushUrl });
    expectError(await call('POST', pushUrl, { json: { title: 'too late' } }), 404);
    expect(expectOk<Record<string, string>>(await call('GET', '/queue/', { token: client.token }))).toEqual({});
  });
});

describe('POST /token/', () => {
  it('answers a new token and user queue, with or without a trailing slash, with an empty body of any accepted type', async () => {
    for (const send of [{}, { contentType: 'application/json' }, { contentType: 'application/x-www-form-urlencoded' }, { json: {} }]) {
      const body = expectOk<{ token: string; queue: string }>(await call('POST', '/token/', send));
      expect(body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(body.queue).toMatch(new RegExp(`^${api.url}/queue/[0-9a-f]{32}/$`));
    }
    const again = expectOk<{ token: string; queue: string }>(await call('POST', '/token'));
    expect(again.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('gives every client its own token and queue', async () => {
    const a = await newClient();
    const b = await newClient();
    expect(a.token).not.toBe(b.token);
    expect(a.userQueueId).not.toBe(b.userQueueId);
  });
});

describe('the token', () => {
  it('is accepted as X-Auth-Token, Bearer, a JSON or form field, or a query parameter', async () => {
    const client = await newClient();
    const url = await newPushUrl(client, 'header.test');
    expect(expectOk<{ queue: string }>(await call('POST', '/queue/', { bearer: client.token, json: { domain: 'header.test' } })).queue).toBe(url);
    expect(expectOk<{ queue: string }>(await call('POST', '/queue/', { json: { domain: 'header.test', token: client.token } })).queue).toBe(url);
    expect(expectOk<{ queue: string }>(await call('POST', '/queue/', { form: { domain: 'header.test', token: client.token } })).queue).toBe(url);
    expect(expectOk<{ queue: string }>(await call('POST', `/queue/?token=${client.token}`, { form: { domain: 'header.test' } })).queue).toBe(url);
    expect(expectOk<Record<string, string>>(await call('GET', `/queue/?token=${client.token}`))).toEqual({ 'header.test': url });
    expect(expectOk<Record<string, string>>(await call('GET', '/queue/', { bearer: client.token }))).toEqual({ 'header.test': url });
    expect((await call('GET', `/queue/${client.userQueueId}/?token=${client.token}`)).status).toBe(200);
  });

  it('is refused with 401 when missing, malformed or unknown, on every route that needs one', async () => {
    const client = await newClient();
    const pushUrl = await newPushUrl(client);
    const unknown = 'A'.repeat(43);
    for (const token of [undefined, 'short', unknown]) {
      expectError(await call('POST', '/queue/', { token, json: { domain: 'a.test' } }), 401, /token/);
      expectError(await call('GET', '/queue/', { token }), 401);
      expectError(await call('DELETE', pushUrl, { token }), 401);
      expectError(await call('GET', client.queue, { token }), 401);
      expectError(await call('PUT', client.queue, { token, form: { timestamp: '1' } }), 401);
      expectError(await call('POST', client.queue, { token, form: { action: 'read', key: '1-0' } }), 401);
    }
    expectError(await call('GET', '/queue/', { headers: { authorization: `Basic ${client.token}` } }), 401);
  });
});

describe('push URLs', () => {
  it('are one per token and domain: asking again returns the same URL', async () => {
    const client = await newClient();
    const url = await newPushUrl(client, 'Same.Example.com');
    expect(await newPushUrl(client, 'same.example.com')).toBe(url);
    expect(expectOk<Record<string, string>>(await call('GET', '/queue/', { token: client.token }))).toEqual({ 'same.example.com': url });
  });

  it('of one token for two domains cannot be correlated', async () => {
    const client = await newClient();
    const a = idOf(await newPushUrl(client, 'a.example.com'));
    const b = idOf(await newPushUrl(client, 'b.example.com:8443'));
    expect(a).not.toBe(b);
    expect(a).not.toContain(client.userQueueId);
    // random 44-character base64url ids share at most a few characters by chance
    expect(longestCommonSubstring(a, b)).toBeLessThan(8);
    expect(longestCommonSubstring(a, client.userQueueId)).toBeLessThan(8);
    expect(longestCommonSubstring(b, client.userQueueId)).toBeLessThan(8);
    expect(await newPushUrl(await newClient(), 'a.example.com')).not.toBe(a);
  });

  it('refuse a missing or invalid domain with 400 naming the field', async () => {
    const client = await newClient();
    expectError(await call('POST', '/queue/', { token: client.token, json: {} }), 400, /^domain is required$/);
    expectError(await call('POST', '/queue/', { token: client.token, form: {} }), 400, /^domain/);
    expectError(await call('POST', '/queue/', { token: client.token }), 400, /^domain/);
    expectError(await call('POST', '/queue/', { token: client.token, json: { domain: 42 } }), 400, /^domain must be a string$/);
    for (const domain of ['not a domain', 'http://example.com/', 'example.com:70000', '-bad.com', '']) {
      expectError(await call('POST', '/queue/', { token: client.token, json: { domain } }), 400, /domain/);
    }
  });

  it('are revoked by their own token only: another token, an unknown or a tampered id get 404, a user queue 403', async () => {
    const alice = await newClient();
    const bob = await newClient();
    const url = await newPushUrl(alice, 'revoke.test');
    const id = idOf(url);
    expectError(await call('DELETE', url, { token: bob.token }), 404);
    expectError(await call('DELETE', `/queue/${tamper(id, 10)}/`, { token: alice.token }), 404);
    expectError(await call('DELETE', '/queue/nope/', { token: alice.token }), 404);
    expectError(await call('DELETE', alice.queue, { token: alice.token }), 403);
    expectError(await call('DELETE', bob.queue, { token: alice.token }), 403);
    expect(expectOk<{ queue: string }>(await call('DELETE', `/queue/${id}`, { token: alice.token }))).toEqual({ queue: url });
    expectError(await call('DELETE', url, { token: alice.token }), 404);
    const renewed = await newPushUrl(alice, 'revoke.test');
    expect(renewed).not.toBe(url);
    expect((await publish(renewed, { title: 'works' })).queue).toBe(renewed);
  });

  it('answer GET and PUT with 405 and Allow: POST, DELETE', async () => {
    const client = await newClient();
    const url = await newPushUrl(client);
    for (const method of ['GET', 'PUT']) {
      const answer = await call(method, url, { token: client.token, form: method === 'PUT' ? { timestamp: '1' } : undefined });
      expectError(answer, 405);
      expect(answer.headers.get('allow')).toBe('POST, DELETE');
    }
    expectError(await call('GET', '/queue/not-a-queue/', { token: client.token }), 404);
  });
});

describe('publishing', () => {
  let client: Client;
  let pushUrl: string;

  beforeAll(async () => {
    client = await newClient();
    pushUrl = await newPushUrl(client, 'publish.test');
  });

  it('answers the stored message as JSON, from JSON or form bodies, keeping only the known fields', async () => {
    const answer = await call('POST', pushUrl, { json: { title: 't', body: 'b', actionUrl: 'http://publish.test/x', replaceId: 'r', extra: { a: 1 }, token: 'x' } });
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    const m = expectOk<WireMessage>(answer);
    expect(m.body).toEqual({ title: 't', body: 'b', actionUrl: 'http://publish.test/x', replaceId: 'r' });
    expect(m.queue).toBe(pushUrl);
    expect(m.key).toMatch(/^\d+-\d+$/);
    expect(m.timestamp).toMatch(/^\d+\.\d{6}$/);
    const form = expectOk<WireMessage>(await call('POST', pushUrl, { form: { title: 'ü form', body: '', other: 'x' } }));
    expect(form.body).toEqual({ title: 'ü form' });
    // the stored copy is the same message
    expect((await history(client, `?since=${m.key}&limit=1`)).messages).toEqual([form]);
  });

  it('works without the trailing slash', async () => {
    expect((await publish(pushUrl.slice(0, -1), { title: 'no slash' })).queue).toBe(pushUrl);
  });

  it('refuses a missing, empty, non-string or too long title with 400 naming it', async () => {
    expectError(await call('POST', pushUrl, { json: { body: 'no title' } }), 400, /^title is required$/);
    expectError(await call('POST', pushUrl), 400, /^title is required$/);
    expectError(await call('POST', pushUrl, { form: { title: '' } }), 400, /^title must not be empty$/);
    expectError(await call('POST', pushUrl, { json: { title: 5 } }), 400, /^title must be a string$/);
    expectError(await call('POST', pushUrl, { json: { title: ['a'] } }), 400, /^title must be a string$/);
    expectError(await call('POST', pushUrl, { json: { title: 't', body: 7 } }), 400, /^body must be a string$/);
    expectError(await call('POST', pushUrl, { json: { title: 'x'.repeat(1025) } }), 400, /^title must be at most/);
  });

  it('refuses an actionUrl that is not an absolute http(s) URL', async () => {
    for (const actionUrl of ['javascript:alert(1)', 'data:text/html,<b>hi</b>', '/relative/path', 'example.com/x', 'ftp://example.com/']) {
      expectError(await call('POST', pushUrl, { json: { title: 't', actionUrl } }), 400, /^actionUrl/);
    }
  });

  it('refuses a notification over 4 KiB with 413, and a body over 64 KiB with 413', async () => {
    const before = await history(client, '?limit=1');
    expectError(await call('POST', pushUrl, { json: { title: 't', body: 'x'.repeat(4100) } }), 413, /4096/);
    expectError(await call('POST', pushUrl, { json: { title: 't', body: 'é'.repeat(2048) } }), 413);
    expect(await history(client, '?limit=1')).toEqual(before);
    expectError(await call('POST', pushUrl, { json: { title: 't', body: 'x'.repeat(70 * 1024) } }), 413, /65536/);
    expectError(await call('POST', pushUrl, { form: { title: 't', body: 'x'.repeat(70 * 1024) } }), 413);
  });

  it('refuses invalid JSON with 400 and other content types with 415', async () => {
    expectError(await call('POST', pushUrl, { raw: '{"title": ', contentType: 'application/json' }), 400, /JSON/);
    expectError(await call('POST', pushUrl, { raw: '[1,2]', contentType: 'application/json' }), 400, /object/);
    expectError(await call('POST', pushUrl, { raw: 'title=x', contentType: 'text/plain' }), 415);
    expectError(await call('POST', pushUrl, { raw: '<title>x</title>', contentType: 'application/xml' }), 415);
    expectError(await call('POST', pushUrl, { raw: '--b\r\n', contentType: 'multipart/form-data; boundary=b' }), 415);
    expectError(await call('POST', '/token/', { raw: 'x', contentType: 'text/plain' }), 415);
  });

  it('answers 404 for an unknown, tampered, foreign-secret or revoked push URL', async () => {
    const id = idOf(pushUrl);
    expectError(await call('POST', '/queue/unknown/', { json: { title: 't' } }), 404);
    expectError(await call('POST', `/queue/${tamper(id, 0)}/`, { json: { title: 't' } }), 404);
    expectError(await call('POST', `/queue/${tamper(id, 20)}/`, { json: { title: 't' } }), 404);
    expectError(await call('POST', `/queue/${tamper(id, id.length - 1)}/`, { json: { title: 't' } }), 404);
    expectError(await call('POST', `/queue/${id.slice(1)}/`, { json: { title: 't' } }), 404);
    const gone = await newPushUrl(client, 'gone.test');
    await call('DELETE', gone, { token: client.token });
    expectError(await call('POST', gone, { json: { title: 't' } }), 404);
  });

  it('stamps strictly increasing timestamps, derived from the keys, also under concurrent publishes', async () => {
    const other = await newPushUrl(client, 'concurrent.test');
    const published = await Promise.all(Array.from({ length: 40 }, (_, i) => publish(i % 2 ? pushUrl : other, { title: `c${i}` })));
    const micros = (m: WireMessage): number => {
      const [ms, seq] = m.key.split('-').map(Number);
      return ms * 1000 + seq;
    };
    for (const m of published) expect(m.timestamp).toBe(`${Math.floor(micros(m) / 1e6)}.${String(micros(m) % 1e6).padStart(6, '0')}`);
    const inKeyOrder = [...published].sort((a, b) => micros(a) - micros(b));
    for (let i = 1; i < inKeyOrder.length; i++) expect(Number(inKeyOrder[i].timestamp)).toBeGreaterThan(Number(inKeyOrder[i - 1].timestamp));
    expect(new Set(published.map((m) => m.timestamp)).size).toBe(published.length);
    // the stored order is the key order
    const stored = (await history(client, '?limit=100')).messages.filter((m) => String(m.body.title).startsWith('c'));
    expect(stored.map((m) => m.key)).toEqual(inKeyOrder.map((m) => m.key));
  });

  it('takes exactly one Redis command, and no token look-up', async () => {
    await publish(pushUrl, { title: 'warm the script cache' });
    const redis = new Redis(TEST_REDIS_URL);
    const feed = await redis.monitor();
    const seen: string[][] = [];
    feed.on('monitor', (_time: string, args: string[], source: string) => {
      if (source !== 'lua' && args.some((a) => a.startsWith(prefix))) seen.push(args);
    });
    // a marker command of our own, seen on MONITOR, proves that everything before it was seen too
    const mark = async (name: string): Promise<void> => {
      await redis.exists(`${prefix}${name}`);
      await waitFor(() => seen.some((args) => args[1] === `${prefix}${name}`), 5_000, `MONITOR to show ${name}`);
    };
    try {
      await mark('probe-before');
      seen.length = 0;
      await publish(pushUrl, { title: 'watched' });
      await mark('probe-after');
      expect(seen.map((args) => args[0].toLowerCase())).toEqual(['evalsha', 'exists']);
    } finally {
      feed.disconnect();
      redis.disconnect();
    }
  });
});

describe('read markers (POST to the user queue)', () => {
  let client: Client;
  let pushUrl: string;
  let message: WireMessage;

  beforeAll(async () => {
    client = await newClient();
    pushUrl = await newPushUrl(client, 'read.test');
    message = await publish(pushUrl, { title: 'read me' });
  });

  it('appends a read marker, with action and key in a JSON body or the query string', async () => {
    const a = expectOk<WireMessage>(await call('POST', client.queue, { token: client.token, json: { action: 'read', key: message.key } }));
    expect(a.body).toEqual({ read: message.key });
    expect(a.queue).toBe(client.queue);
    const b = expectOk<WireMessage>(await call('POST', `${client.queue}?action=read&key=${message.key}`, { token: client.token }));
    expect(b.body).toEqual({ read: message.key });
    expect((await history(client, `?since=${message.key}`)).messages).toEqual([a, b]);
  });

  it('answers 403 to another token and to anything but action=read (publishing goes through push URLs)', async () => {
    const other = await newClient();
    expectError(await call('POST', client.queue, { token: other.token, json: { action: 'read', key: message.key } }), 403);
    expectError(await call('POST', client.queue, { token: client.token, json: { title: 'publish here?' } }), 403, /push URL/);
    expectError(await call('POST', client.queue, { token: client.token, form: { action: 'delete', key: message.key } }), 403);
  });

  it('answers 400 to a missing or malformed key and 404 to an unknown one or a read marker', async () => {
    expectError(await call('POST', client.queue, { token: client.token, form: { action: 'read' } }), 400, /^key/);
    expectError(await call('POST', client.queue, { token: client.token, form: { action: 'read', key: 'abc' } }), 400, /^key/);
    expectError(await call('POST', client.queue, { token: client.token, json: { action: 'read', key: 12 } }), 400, /^key must be a string$/);
    expectError(await call('POST', client.queue, { token: client.token, form: { action: 'read', key: '1-0' } }), 404);
    const marker = expectOk<WireMessage>(await call('POST', client.queue, { token: client.token, form: { action: 'read', key: message.key } }));
    expectError(await call('POST', client.queue, { token: client.token, form: { action: 'read', key: marker.key } }), 404);
  });
});

describe('last_seen (PUT to the user queue)', () => {
  it('stores a normalised timestamp from a form, JSON (string or number) or the query', async () => {
    const client = await newClient();
    expect(expectOk<{ last_seen: string }>(await call('PUT', client.queue, { token: client.token, form: { timestamp: '1764260000.5' } }))).toEqual({
      last_seen: '1764260000.500000',
    });
    expect(expectOk<{ last_seen: string }>(await call('PUT', client.queue, { token: client.token, json: { timestamp: 1764260001.25 } }))).toEqual({
      last_seen: '1764260001.250000',
    });
    expect(expectOk<{ last_seen: string }>(await call('PUT', `${client.queue}?timestamp=1764260002`, { token: client.token }))).toEqual({
      last_seen: '1764260002.000000',
    });
    expect((await history(client)).last_seen).toBe('1764260002.000000');
  });

  it('answers 400 to a bad or missing timestamp, 403 to another token', async () => {
    const client = await newClient();
    const other = await newClient();
    expectError(await call('PUT', client.queue, { token: client.token, form: { timestamp: 'yesterday' } }), 400, /^timestamp/);
    expectError(await call('PUT', client.queue, { token: client.token, form: { timestamp: '-5' } }), 400, /^timestamp/);
    expectError(await call('PUT', client.queue, { token: client.token }), 400, /^timestamp is required$/);
    expectError(await call('PUT', client.queue, { token: other.token, form: { timestamp: '1' } }), 403);
  });
});

describe('history (GET the user queue)', () => {
  let client: Client;
  let stored: WireMessage[];

  beforeAll(async () => {
    client = await newClient();
    const pushUrl = await newPushUrl(client, 'history.test');
    stored = [];
    for (let i = 0; i < 105; i++) stored.push(await publish(pushUrl, { title: `h${i}` }));
  });

  it('answers the newest 20 by default and the newest `limit`, oldest first', async () => {
    expect((await history(client)).messages).toEqual(stored.slice(-20));
    expect((await history(client, '?limit=3')).messages).toEqual(stored.slice(-3));
    expect((await history(client, '?limit=')).messages).toEqual(stored.slice(-20));
  });

  it('clamps limit to 100', async () => {
    expect((await history(client, '?limit=1000')).messages).toEqual(stored.slice(-100));
    expect((await history(client, `?limit=100&since=${stored[0].timestamp}`)).messages).toEqual(stored.slice(0, 100));
  });

  it('treats a timestamp since as inclusive and a key since as exclusive', async () => {
    expect((await history(client, `?since=${stored[50].timestamp}&limit=3`)).messages).toEqual(stored.slice(50, 53));
    expect((await history(client, `?since=${stored[50].key}&limit=3`)).messages).toEqual(stored.slice(51, 54));
    expect((await history(client, `?since=${stored[104].timestamp}`)).messages).toEqual([stored[104]]);
    expect((await history(client, `?since=${stored[104].key}`)).messages).toEqual([]);
    const [sec] = stored[10].timestamp.split('.');
    expect((await history(client, `?since=${Number(sec) + 1e6}`)).messages).toEqual([]);
  });

  it('pages forward from a key', async () => {
    const pages: WireMessage[] = [];
    let since = stored[89].key;
    for (;;) {
      const page = (await history(client, `?since=${since}&limit=4`)).messages;
      if (page.length === 0) break;
      pages.push(...page);
      since = page[page.length - 1].key;
    }
    expect(pages).toEqual(stored.slice(90));
  });

  it('refuses a zero, negative, fractional or non-numeric limit and a bad since with 400 naming the field', async () => {
    for (const limit of ['0', '-1', '1.5', 'abc', '1e3']) expectError(await call('GET', `${client.queue}?limit=${limit}`, { token: client.token }), 400, /^limit/);
    for (const since of ['abc', '12-', '-3', '1.2.3', 'x-1']) expectError(await call('GET', `${client.queue}?since=${since}`, { token: client.token }), 400, /^since/);
    expectError(await call('GET', `${client.queue}?limit=1&limit=2`, { token: client.token }), 400, /^limit/);
  });

  it('answers 403 to another token', async () => {
    const other = await newClient();
    expectError(await call('GET', client.queue, { token: other.token }), 403);
  });
});

describe('GET /nodes/', () => {
  it('lists live gateway addresses, least connections first, without silent nodes', async () => {
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const registry = new RedisNodeRegistry(redis, new KeySchema(prefix));
      const now = Date.now();
      await registry.heartbeat({ nodeId: 'busy', address: '10.0.0.1:8888', connections: 50, heartbeatAtMs: now });
      await registry.heartbeat({ nodeId: 'idle', address: '10.0.0.2:8888', connections: 3, heartbeatAtMs: now });
      await registry.heartbeat({ nodeId: 'dead', address: '10.0.0.3:8888', connections: 0, heartbeatAtMs: now - 10 * 60_000 });
      expect(expectOk<{ nodes: string[] }>(await call('GET', '/nodes/'))).toEqual({ nodes: ['10.0.0.2:8888', '10.0.0.1:8888'] });
      expect(expectOk<{ nodes: string[] }>(await call('GET', '/nodes'))).toEqual({ nodes: ['10.0.0.2:8888', '10.0.0.1:8888'] });
      for (const id of ['busy', 'idle', 'dead']) await registry.remove(id);
      expect(expectOk<{ nodes: string[] }>(await call('GET', '/nodes/'))).toEqual({ nodes: [] });
    } finally {
      redis.disconnect();
    }
  });
});

describe('health and unknown routes', () => {
  it('answers /healthz and /readyz', async () => {
    expect(expectOk(await call('GET', '/healthz'))).toEqual({ status: 'ok' });
    expect(expectOk(await call('GET', '/readyz'))).toEqual({ status: 'ready' });
  });

  it('answers unknown routes and methods with a JSON 404', async () => {
    expectError(await call('GET', '/nope'), 404);
    expectError(await call('GET', '/queue/a/b/'), 404);
    expectError(await call('PATCH', '/queue/'), 404);
  });
});

describe('storage', () => {
  it('holds no plaintext token in any key or value', async () => {
    const client = await newClient();
    const pushUrl = await newPushUrl(client, 'storage.test');
    await publish(pushUrl, { title: 'stored' });
    await call('PUT', client.queue, { token: client.token, form: { timestamp: '1764260000' } });
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const dump: string[] = [];
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        for (const key of keys) {
          dump.push(key);
          const type = await redis.type(key);
          if (type === 'string') dump.push((await redis.get(key)) ?? '');
          else if (type === 'hash') dump.push(JSON.stringify(await redis.hgetall(key)));
          else if (type === 'stream') dump.push(JSON.stringify(await redis.xrange(key, '-', '+')));
          else dump.push(`unexpected type ${type}`);
        }
      } while (cursor !== '0');
      const all = dump.join('\n');
      expect(all).toContain(hashToken(client.token));
      expect(all).not.toContain(client.token);
      expect(all).not.toContain('unexpected type');
    } finally {
      redis.disconnect();
    }
  });

  it('keeps only STREAM_MAX_LEN messages, and builds URLs from PUBLIC_URL (a second api process)', async () => {
    const small = await startApp('api', { env: { ...env, STREAM_MAX_LEN: '5', PUBLIC_URL: 'https://push.example.org', LOG_LEVEL: 'verbose' } });
    started.push(small);
    const client = await newClient(small);
    expect(client.queue).toBe(`https://push.example.org/queue/${client.userQueueId}/`);
    const pushUrl = await newPushUrl(client, 'retention.test', small);
    expect(pushUrl).toMatch(/^https:\/\/push\.example\.org\/queue\/[A-Za-z0-9_-]+\/$/);
    const local = `${small.url}/queue/${idOf(pushUrl)}/`;
    const published: WireMessage[] = [];
    for (let i = 0; i < 8; i++) published.push(expectOk<WireMessage>(await call('POST', local, { json: { title: `retained-${i}` } })));
    expect(published[0].queue).toBe(pushUrl);
    expect((await history(client, '?limit=100', small)).messages).toEqual(published.slice(3));
    // the first api (default retention) reads the same Redis and sees the same five
    expect((await history(client, '?limit=100')).messages).toEqual(published.slice(3));
    // even at the most verbose level, no token, push URL id or payload reaches the log
    await call('POST', local, { json: { body: 'no title' } }, small);
    await call('GET', `/queue/${client.userQueueId}/?limit=0`, { token: client.token }, small);
    expect(small.logs.length).toBeGreaterThan(0);
    for (const secret of [client.token, idOf(pushUrl), 'retained-', 'no title']) expect(small.logs).not.toContain(secret);
  });
});
