/**
 * Property-based tests of the HTTP API (fast-check, fixed seed) against a real api and gateway: for
 * arbitrary bodies (JSON, form, raw bytes), content types, query strings, headers, tokens and ids, every
 * route answers only the statuses documented for it, never a 5xx, always in the one error shape (a 400
 * names the field), and the processes stay up. Then the classics one by one (deep nesting, prototype
 * keys, duplicate keys, bad UTF-8, lying Content-Length, gzip, header floods, long URLs), and finally a
 * real publish reaches history and a socket.
 *
 * Runs per property: PROPERTY_RUNS (e.g. 5000 for the full profile), else a count that keeps this file
 * well under 90 s on a busy machine.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { AppProcess, deletePrefix, startApp, uniquePrefix } from '@push/testing';
import { ApiClient, baseEnv, WireMessage, WsClient } from './realtime.support';
import {
  BAD_ESCAPES,
  errorShapeProblem,
  KeepAliveClient,
  printable,
  propertyRuns,
  PROPERTY_SEED,
  RawAnswer,
  RawRequest,
  rawRequest,
  sendRaw,
} from './properties.support';

jest.setTimeout(300_000);

const RUNS = propertyRuns(400);
fc.configureGlobal({ seed: PROPERTY_SEED, numRuns: RUNS, interruptAfterTimeLimit: 240_000, markInterruptAsFailure: false });

const prefix = uniquePrefix('properties-e2e');
// thousands of hostile requests from one address: the per address limits (test/e2e/limits.e2e-spec.ts)
// would answer 429 to most of them, and this file tests what the routes answer
const env = baseEnv(prefix, { FAILED_ATTEMPTS_PER_IP: '0', PUBLISH_BURST_PER_IP: '0' });
let api: AppProcess;
let gateway: AppProcess;
let http: KeepAliveClient;
let client: ApiClient;

/** The fixtures every property draws from: two clients, live, revoked and forged push URLs, a stored message. */
interface World {
  readonly alice: { token: string; userQueueId: string; userQueue: string };
  readonly bob: { token: string; userQueueId: string; userQueue: string };
  readonly pushId: string;
  readonly bobPushId: string;
  readonly revokedId: string;
  readonly storedKey: string;
}
let world: World;

const idOf = (url: string): string => /\/queue\/([^/]+)\/$/.exec(url)?.[1] ?? '';
/** encodeURIComponent of any string (a lone surrogate becomes U+FFFD first, as a client's UTF-8 encoder would). */
const encode = (text: string): string => encodeURIComponent(Buffer.from(text, 'utf8').toString('utf8'));

beforeAll(async () => {
  [api, gateway] = await Promise.all([startApp('api', { env }), startApp('gateway', { env })]);
  http = new KeepAliveClient(api.port);
  client = new ApiClient(api);
  const a = await client.newClient('site.example');
  const b = await client.newClient('site.example');
  const revoked = await client.createPushUrl(a.token, 'gone.example');
  const del = await fetch(revoked, { method: 'DELETE', headers: { 'x-auth-token': a.token } });
  expect(del.status).toBe(200);
  const stored = await client.publish(a.pushUrl, { title: 'fixture' });
  world = {
    alice: { token: a.token, userQueueId: a.userQueueId, userQueue: a.userQueue },
    bob: { token: b.token, userQueueId: b.userQueueId, userQueue: b.userQueue },
    pushId: idOf(a.pushUrl),
    bobPushId: idOf(b.pushUrl),
    revokedId: idOf(revoked),
    storedKey: stored.key,
  };
});

afterAll(async () => {
  http?.close();
  await Promise.all([api, gateway].filter((p) => p !== undefined).map((p) => p.stop()));
  await deletePrefix(prefix);
});

afterEach(() => {
  // a crash shows here first, with the process's own words
  for (const p of [api, gateway]) {
    if (p.exit !== null) throw new Error(`${p.app} exited (${JSON.stringify(p.exit)}):\n${p.logs.slice(-5000)}`);
  }
});

// ---------------------------------------------------------------------------------------------------
// arbitraries

/** Field names the routes read, the prototype's own names, and anything else. */
const FIELD_NAMES = ['title', 'body', 'actionUrl', 'replaceId', 'domain', 'action', 'key', 'timestamp', 'token', 'since', 'limit'] as const;
const PROTO_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'] as const;
const fieldName = fc.oneof(
  { arbitrary: fc.constantFrom(...FIELD_NAMES), weight: 5 },
  { arbitrary: fc.constantFrom(...PROTO_NAMES), weight: 1 },
  { arbitrary: fc.string({ maxLength: 12 }), weight: 2 },
);

/** Values worth trying in any field: edge strings, numbers, nested JSON, huge text. */
const fieldValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.string({ maxLength: 40 }), weight: 4 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 20 }), weight: 1 },
  {
    arbitrary: fc.constantFrom(
      '',
      ' ',
      'read',
      'hello',
      'example.com',
      'a.example:8443',
      'https://example.com/a',
      'javascript:alert(1)',
      'data:text/html,x',
      '1764260000.5',
      '1764260000',
      '1-0',
      '0-0',
      '99999999999999999999-1',
      '-1',
      '1e400',
      'NaN',
      '\u0000',
      '\ud800',
      'x'.repeat(1100),
      'é'.repeat(3000),
    ),
    weight: 4,
  },
  { arbitrary: fc.integer(), weight: 1 },
  { arbitrary: fc.double(), weight: 1 },
  { arbitrary: fc.constantFrom(true, false, null), weight: 1 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 2 },
);

const record = fc.dictionary(fieldName, fieldValue, { maxKeys: 6 });

/** A body and the content type it claims (usually the matching one, sometimes any other). */
interface Body {
  readonly bytes?: Buffer;
  readonly contentType?: string;
}

function formOf(fields: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) {
    if (Array.isArray(v)) for (const item of v) params.append(k, typeof item === 'string' ? item : JSON.stringify(item));
    else params.append(k, typeof v === 'string' ? v : JSON.stringify(v) ?? '');
  }
  return params.toString();
}

const contentTypeNoise = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'APPLICATION/JSON',
    'application/json;charset=latin1',
    'application/x-www-form-urlencoded',
    'application/x-www-form-urlencoded; charset=utf-8',
    'text/plain',
    'text/html',
    'multipart/form-data; boundary=x',
    'application/octet-stream',
    'application/vnd.api+json',
    'application/jsonx',
    '',
    ';',
    'application/json;;;',
  ),
  printable(40),
);

const body: fc.Arbitrary<Body> = fc.oneof(
  { arbitrary: record.map((r): Body => ({ bytes: Buffer.from(JSON.stringify(r)), contentType: 'application/json' })), weight: 6 },
  { arbitrary: record.map((r): Body => ({ bytes: Buffer.from(formOf(r)), contentType: 'application/x-www-form-urlencoded' })), weight: 4 },
  // duplicate keys: the text names a field twice
  {
    arbitrary: fc.tuple(fc.constantFrom(...FIELD_NAMES), fieldValue, fieldValue).map(
      ([k, a, b]): Body => ({ bytes: Buffer.from(`{${JSON.stringify(k)}:${JSON.stringify(a) ?? 'null'},${JSON.stringify(k)}:${JSON.stringify(b) ?? 'null'}}`), contentType: 'application/json' }),
    ),
    weight: 1,
  },
  { arbitrary: fc.json({ maxDepth: 4 }).map((t): Body => ({ bytes: Buffer.from(t), contentType: 'application/json' })), weight: 2 },
  { arbitrary: fc.uint8Array({ maxLength: 300 }).map((b): Body => ({ bytes: Buffer.from(b), contentType: 'application/json' })), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((t): Body => ({ bytes: Buffer.from(t), contentType: 'application/x-www-form-urlencoded' })), weight: 1 },
  { arbitrary: fc.tuple(record, contentTypeNoise).map(([r, ct]): Body => ({ bytes: Buffer.from(JSON.stringify(r)), contentType: ct })), weight: 2 },
  { arbitrary: fc.constant<Body>({}), weight: 1 },
  { arbitrary: fc.constant<Body>({ bytes: Buffer.alloc(0), contentType: 'application/json' }), weight: 1 },
);

/** Which token a request carries, and how. */
type TokenKind = 'none' | 'own' | 'other' | 'random' | 'garbage';
type TokenWhere = 'header' | 'bearer' | 'query' | 'body';
const tokenChoice = fc.record({
  kind: fc.constantFrom<TokenKind>('none', 'own', 'own', 'own', 'other', 'random', 'garbage'),
  where: fc.constantFrom<TokenWhere>('header', 'header', 'bearer', 'query', 'body'),
  garbage: printable(60),
});

/** Extra headers: common ones with odd values, and made-up ones. Host, length and framing are not drawn here. */
const headerName = fc.oneof(
  fc.constantFrom('accept', 'accept-encoding', 'content-encoding', 'x-forwarded-for', 'x-forwarded-proto', 'origin', 'referer', 'user-agent', 'cookie', 'x-auth-token', 'authorization', 'accept-language'),
  fc.stringMatching(/^x-[a-z0-9-]{1,20}$/),
);
const headers = fc.dictionary(headerName, printable(60), { maxKeys: 5 });
const hostHeader = fc.option(fc.oneof(fc.constantFrom('example.com', 'push.test:8080', '[::1]:80', 'a b', '', 'x'.repeat(300), 'évil.example'), printable(30)), { nil: undefined, freq: 4 });

/** Query parameters: the documented ones with odd values, repeated, prototype names, and raw bad escapes. */
const query = fc
  .tuple(
    fc.array(fc.tuple(fc.oneof(fc.constantFrom('since', 'limit', 'action', 'key', 'token', 'timestamp', '__proto__', '__proto__[x]', 'constructor[prototype][x]'), fc.string({ maxLength: 8 })), fieldValue), { maxLength: 4 }),
    fc.option(fc.constantFrom(...BAD_ESCAPES), { nil: undefined, freq: 5 }),
  )
  .map(([pairs, bad]) => {
    const parts = pairs.map(([k, v]) => `${encode(k)}=${encode(typeof v === 'string' ? v : JSON.stringify(v) ?? '')}`);
    if (bad !== undefined) parts.push(`since=${bad}`);
    return parts.length > 0 ? `?${parts.join('&')}` : '';
  });

/** The id in `/queue/<id>/`: live, revoked, another's, forged, a user queue's, or anything (encoded, sometimes with raw bad escapes). */
type IdKind = 'push' | 'bobPush' | 'revoked' | 'tampered' | 'ownQueue' | 'bobQueue' | 'randomQueue' | 'any' | 'long' | 'badEscape';
const idChoice = fc.record({
  kind: fc.constantFrom<IdKind>('push', 'push', 'push', 'bobPush', 'revoked', 'tampered', 'ownQueue', 'ownQueue', 'bobQueue', 'randomQueue', 'any', 'long', 'badEscape'),
  any: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
  at: fc.nat(58),
  hex: fc.stringMatching(/^[0-9a-f]{32}$/),
  bad: fc.constantFrom(...BAD_ESCAPES),
});

function idFor(choice: { kind: IdKind; any: string; at: number; hex: string; bad: string }, ownQueueBias: boolean): string {
  switch (choice.kind) {
    case 'push':
      return ownQueueBias ? world.alice.userQueueId : world.pushId;
    case 'bobPush':
      return world.bobPushId;
    case 'revoked':
      return world.revokedId;
    case 'tampered': {
      const c = world.pushId[choice.at];
      return `${world.pushId.slice(0, choice.at)}${c === 'A' ? 'B' : 'A'}${world.pushId.slice(choice.at + 1)}`;
    }
    case 'ownQueue':
      return world.alice.userQueueId;
    case 'bobQueue':
      return world.bob.userQueueId;
    case 'randomQueue':
      return choice.hex;
    case 'any':
      return encode(choice.any);
    case 'long':
      return 'a'.repeat(101 + choice.at * 50);
    case 'badEscape':
      return `${world.pushId.slice(0, 10)}${choice.bad}`;
  }
}

interface Drawn {
  readonly body: Body;
  readonly token: { kind: TokenKind; where: TokenWhere; garbage: string };
  readonly headers: Record<string, string>;
  readonly host: string | undefined;
  readonly query: string;
}

const drawn: fc.Arbitrary<Drawn> = fc.record({ body, token: tokenChoice, headers, host: hostHeader, query });

/** The request of a route with what was drawn: the token put where drawn (a body token is added to JSON or form bodies only). */
function build(method: string, path: string, d: Drawn): RawRequest {
  const token =
    d.token.kind === 'own'
      ? world.alice.token
      : d.token.kind === 'other'
        ? world.bob.token
        : d.token.kind === 'random'
          ? 'R'.repeat(43)
          : d.token.kind === 'garbage'
            ? d.token.garbage
            : undefined;
  const h: Record<string, string> = { ...d.headers };
  let q = d.query;
  let bytes = d.body.bytes;
  if (token !== undefined) {
    if (d.token.where === 'header') h['x-auth-token'] = token;
    else if (d.token.where === 'bearer') h.authorization = `Bearer ${token}`;
    else if (d.token.where === 'query') q = `${q === '' ? '?' : `${q}&`}token=${encode(token)}`;
    else if (bytes !== undefined && d.body.contentType === 'application/x-www-form-urlencoded') {
      bytes = Buffer.concat([bytes, Buffer.from(`${bytes.length > 0 ? '&' : ''}token=${encode(token)}`)]);
    } else if (bytes !== undefined && d.body.contentType === 'application/json') {
      const text = bytes.toString('utf8');
      if (/^\{\s*"/.test(text)) bytes = Buffer.from(`{"token":${JSON.stringify(token)},${text.slice(1)}`);
    }
  }
  if (d.body.contentType !== undefined) h['content-type'] = d.body.contentType;
  if (d.host !== undefined) h.host = d.host;
  return { method, path: `${path}${q}`, headers: h, body: bytes };
}

// ---------------------------------------------------------------------------------------------------
// what every answer must be

/** Statuses a route may answer (spec table, README, and the edge: 405/413/414/415, 429 for the rate limits of another branch). */
const ALLOWED = {
  publish: [200, 400, 404, 413, 414, 415, 429],
  markRead: [200, 400, 401, 403, 404, 413, 414, 415, 429],
  createPushUrl: [200, 400, 401, 413, 414, 415, 429],
  history: [200, 400, 401, 403, 404, 405, 414, 415, 429],
  lastSeen: [200, 400, 401, 403, 404, 405, 413, 414, 415, 429],
} as const;
type Route = keyof typeof ALLOWED;

/** Checks one answer; returns what is wrong, or null. */
function problemOf(route: Route, req: RawRequest, answer: RawAnswer): string | null {
  const where = `${req.method} ${req.path.slice(0, 120)} → ${answer.status}`;
  if (answer.status >= 500) return `${where}: a 5xx: ${answer.text.slice(0, 300)}`;
  if (!(ALLOWED[route] as readonly number[]).includes(answer.status)) return `${where}: not a status of ${route}: ${answer.text.slice(0, 300)}`;
  if (answer.status !== 200) {
    const p = errorShapeProblem(answer);
    return p === null ? null : `${where}: ${p}`;
  }
  let value: unknown;
  try {
    value = JSON.parse(answer.text);
  } catch {
    return `${where}: a 200 that is not JSON: ${answer.text.slice(0, 200)}`;
  }
  const v = value as Record<string, unknown>;
  const ok =
    route === 'publish' || route === 'markRead'
      ? typeof v.key === 'string' && typeof v.timestamp === 'string' && typeof v.queue === 'string' && typeof v.body === 'object'
      : route === 'createPushUrl'
        ? typeof v.queue === 'string' && /\/queue\/[A-Za-z0-9_-]{59}\/$/.test(v.queue)
        : route === 'history'
          ? Array.isArray(v.messages) && (v.last_seen === null || typeof v.last_seen === 'string')
          : typeof v.last_seen === 'string';
  return ok ? null : `${where}: a 200 of the wrong shape: ${answer.text.slice(0, 300)}`;
}

async function check(route: Route, req: RawRequest): Promise<void> {
  const answer = await http.send(req);
  const problem = problemOf(route, req, answer);
  if (problem !== null) throw new Error(problem);
}

const isUserQueueShaped = (id: string): boolean => /^[0-9a-f]{32}$/.test(id);

// ---------------------------------------------------------------------------------------------------
// properties, one per route

describe(`every route, arbitrary input (${RUNS} runs each, seed ${PROPERTY_SEED})`, () => {
  it('publish: POST /queue/<push URL id>/', async () => {
    await fc.assert(
      fc.asyncProperty(idChoice, drawn, async (id, d) => {
        const path = `/queue/${idFor(id, false)}/`;
        await check(isUserQueueShaped(idFor(id, false)) ? 'markRead' : 'publish', build('POST', path, d));
      }),
    );
  });

  it('create push URL: POST /queue/', async () => {
    await fc.assert(fc.asyncProperty(drawn, async (d) => check('createPushUrl', build('POST', '/queue/', d))));
  });

  it('history: GET /queue/<user queue>/?since=&limit=', async () => {
    await fc.assert(
      fc.asyncProperty(idChoice, drawn, async (id, d) => {
        // GET carries no body in practice; the drawn one is dropped, its content type too
        const req = build('GET', `/queue/${idFor(id, true)}/`, { ...d, body: {} });
        await check('history', req);
      }),
    );
  });

  it('mark read: POST /queue/<user queue>/', async () => {
    const markBody = fc.oneof(
      body,
      fc.tuple(fc.constantFrom('read', 'READ', 'unread', ''), fc.oneof(fc.constant(world?.storedKey ?? '1-0'), fieldValue)).map(
        ([action, key]): Body => ({ bytes: Buffer.from(JSON.stringify({ action, key })), contentType: 'application/json' }),
      ),
    );
    await fc.assert(
      fc.asyncProperty(idChoice, drawn, markBody, async (id, d, b) => {
        const target = idFor(id, true);
        const req = build('POST', `/queue/${target}/`, { ...d, body: b });
        await check(isUserQueueShaped(target) ? 'markRead' : 'publish', req);
      }),
    );
  });

  it('last_seen: PUT /queue/<user queue>/', async () => {
    await fc.assert(fc.asyncProperty(idChoice, drawn, async (id, d) => check('lastSeen', build('PUT', `/queue/${idFor(id, true)}/`, d))));
  });
});

// ---------------------------------------------------------------------------------------------------
// the classics, one by one

describe('classic hostile requests', () => {
  const json = (path: string, text: string | Buffer, extra: Record<string, string> = {}): Promise<RawAnswer> =>
    http.send({ method: 'POST', path, headers: { 'content-type': 'application/json', ...extra }, body: Buffer.isBuffer(text) ? text : Buffer.from(text) });
  const push = (): string => `/queue/${world.pushId}/`;
  const expectStatus = (answer: RawAnswer | { status: number | null; text: string }, statuses: readonly number[]): void => {
    if (answer.status === null || !statuses.includes(answer.status)) throw new Error(`expected ${statuses.join(' or ')}, got ${answer.status}: ${answer.text.slice(0, 300)}`);
    expect(errorShapeProblem(answer)).toBeNull();
  };

  it('deep nesting: 100k levels (over the body limit) and 10k levels (under it) are 413 and 400, never a stack overflow', async () => {
    expectStatus(await json(push(), `${'['.repeat(100_000)}${']'.repeat(100_000)}`), [413]);
    expectStatus(await json(push(), `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`), [413]);
    for (const field of ['title', 'body', 'zzz', 'token']) {
      const deep = `{"${field}":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`;
      const answer = await json(push(), deep);
      expectStatus(answer, [400]);
      expect(answer.text).toMatch(/body must not nest/);
    }
    expectStatus(await json(push(), `{"title":"x","a":${'['.repeat(30_000)}${']'.repeat(30_000)}}`), [400]);
    expectStatus(await json('/queue/', `{"domain":${'['.repeat(30_000)}${']'.repeat(30_000)}}`, { 'x-auth-token': world.alice.token }), [400]);
    expectStatus(await http.send({ method: 'PUT', path: world.alice.userQueue.replace(/^https?:\/\/[^/]+/, ''), headers: { 'content-type': 'application/json', 'x-auth-token': world.alice.token }, body: Buffer.from(`{"timestamp":${'['.repeat(30_000)}${']'.repeat(30_000)}}`) }), [400]);
  });

  it('__proto__ and constructor.prototype keys pollute nothing: later requests behave normally', async () => {
    const attempts: RawRequest[] = [
      { method: 'POST', path: push(), headers: { 'content-type': 'application/json' }, body: Buffer.from('{"__proto__":{"title":"polluted","token":"polluted","polluted":true}}') },
      { method: 'POST', path: push(), headers: { 'content-type': 'application/json' }, body: Buffer.from('{"constructor":{"prototype":{"title":"polluted","polluted":true}}}') },
      { method: 'POST', path: push(), headers: { 'content-type': 'application/json' }, body: Buffer.from('{"title":"x","__proto__":{"polluted":true}}') },
      { method: 'POST', path: push(), headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from('__proto__[title]=polluted&__proto__.polluted=1&constructor[prototype][title]=polluted&title=ok') },
      { method: 'POST', path: '/queue/', headers: { 'content-type': 'application/json', 'x-auth-token': world.alice.token }, body: Buffer.from('{"domain":"p.example","__proto__":{"domain":"x"}}') },
      { method: 'GET', path: `/queue/${world.alice.userQueueId}/?__proto__[limit]=1&constructor[prototype][since]=1&__proto__=x`, headers: { 'x-auth-token': world.alice.token } },
      { method: 'PUT', path: `/queue/${world.alice.userQueueId}/?__proto__[timestamp]=1`, headers: { 'content-type': 'application/json', 'x-auth-token': world.alice.token }, body: Buffer.from('{"__proto__":{"timestamp":"1"}}') },
    ];
    for (const req of attempts) {
      const answer = await http.send(req);
      expect(answer.status).toBeLessThan(500);
      if (answer.status !== 200) expect(errorShapeProblem(answer)).toBeNull();
      else expect(answer.text).not.toContain('polluted"');
    }
    // had Object.prototype gained title or token, these would change
    const noTitle = await json(push(), '{}');
    expect(noTitle.status).toBe(400);
    expect(noTitle.text).toContain('title is required');
    const noToken = await http.send({ method: 'GET', path: '/queue/', headers: {} });
    expect(noToken.status).toBe(401);
    expect(noToken.text).toContain('token is missing');
    const ok = await json(push(), '{"title":"after pollution"}');
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text).body).toEqual({ title: 'after pollution' });
    const list = await http.send({ method: 'GET', path: '/queue/', headers: { 'x-auth-token': world.alice.token } });
    const listed = JSON.parse(list.text) as Record<string, string>;
    expect(Object.keys(listed)).toContain('site.example');
    for (const url of Object.values(listed)) expect(url).toMatch(/\/queue\/[A-Za-z0-9_-]{59}\/$/);
  });

  it('duplicate keys: the last one counts, whatever the types', async () => {
    const answer = await json(push(), '{"title":"first","title":"second"}');
    expect(answer.status).toBe(200);
    expect((JSON.parse(answer.text) as WireMessage).body).toEqual({ title: 'second' });
    expectStatus(await json(push(), '{"title":"first","title":{"x":1}}'), [400]);
    const form = await http.send({ method: 'POST', path: push(), headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from('title=a&title=b') });
    expectStatus(form, [400]);
    expect(form.text).toContain('title must be a string');
  });

  it('invalid UTF-8: in a JSON body 400, in a form body replaced, in the URL 400', async () => {
    const bad = Buffer.concat([Buffer.from('{"title":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]);
    const answer = await json(push(), bad);
    expectStatus(answer, [400]);
    expect(answer.text).toContain('body is not valid UTF-8');
    const form = await http.send({ method: 'POST', path: push(), headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.concat([Buffer.from('title='), Buffer.from([0xff, 0xfe])]) });
    expect(form.status).toBe(200);
    expect((JSON.parse(form.text) as WireMessage).body.title).toBe('\ufffd\ufffd');
    expectStatus(await http.send({ method: 'POST', path: `/queue/%ff%fe/`, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"title":"x"}') }), [400]);
    expectStatus(await http.send({ method: 'GET', path: `/queue/${world.alice.userQueueId}/?since=%ff%fe`, headers: { 'x-auth-token': world.alice.token } }), [400]);
    // raw bytes in the request line
    const raw = await sendRaw(api.port, rawRequest('POST', `/queue/\xff\xfe/`, { Host: '127.0.0.1', 'Content-Type': 'application/json' }, '{"title":"x"}'));
    expectStatus(raw, [400]);
  });

  it('a huge Content-Length with a small body is 413 at once; a short body that never completes leaves no trace', async () => {
    const huge = await sendRaw(api.port, rawRequest('POST', push(), { Host: '127.0.0.1', 'Content-Type': 'application/json', 'Content-Length': '999999999999' }, '{"title":"x"}'));
    expectStatus(huge, [413]);
    const short = await sendRaw(api.port, rawRequest('POST', push(), { Host: '127.0.0.1', 'Content-Type': 'application/json', 'Content-Length': '1000' }, '{"title":"x"}'), { endAfterWrite: true, timeoutMs: 2_000 });
    expect(short.status === null || short.status === 400).toBe(true);
    const ok = await json(push(), '{"title":"still fine"}');
    expect(ok.status).toBe(200);
    expect(api.logs).not.toMatch(/redis is unavailable|internal error|ERROR/);
  });

  it('Content-Encoding gzip (or any coding but identity) is 415, never parsed as plain', async () => {
    const gz = gzipSync(Buffer.from('{"title":"zipped"}'));
    const answer = await http.send({ method: 'POST', path: push(), headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gz });
    expectStatus(answer, [415]);
    expect(answer.text).toContain('content-encoding');
    expectStatus(await http.send({ method: 'POST', path: '/queue/', headers: { 'content-type': 'application/json', 'content-encoding': 'br', 'x-auth-token': world.alice.token }, body: Buffer.from('{"domain":"a.example"}') }), [415]);
    const identity = await http.send({ method: 'POST', path: push(), headers: { 'content-type': 'application/json', 'content-encoding': 'identity' }, body: Buffer.from('{"title":"plain"}') });
    expect(identity.status).toBe(200);
  });

  it('header floods: hundreds of small headers are fine, too many bytes of them 431', async () => {
    const many: [string, string][] = [['Host', '127.0.0.1'], ...Array.from({ length: 300 }, (_, i): [string, string] => [`x-h${i}`, 'v'])];
    const fine = await sendRaw(api.port, rawRequest('GET', '/queue/', many));
    expectStatus(fine, [401]);
    const flood: [string, string][] = [['Host', '127.0.0.1'], ...Array.from({ length: 500 }, (_, i): [string, string] => [`x-h${i}`, 'v'.repeat(60)])];
    expectStatus(await sendRaw(api.port, rawRequest('GET', '/queue/', flood)), [431]);
    const one: [string, string][] = [['Host', '127.0.0.1'], ['x-big', 'v'.repeat(20_000)]];
    expectStatus(await sendRaw(api.port, rawRequest('GET', '/queue/', one)), [431]);
  });

  it('very long URLs: 414 (or 404 for a long but acceptable one)', async () => {
    expectStatus(await sendRaw(api.port, rawRequest('GET', `/queue/${'a'.repeat(100_000)}/`, { Host: '127.0.0.1' })), [414]);
    expectStatus(await sendRaw(api.port, rawRequest('GET', `/queue/${world.alice.userQueueId}/?since=${'1'.repeat(20_000)}`, { Host: '127.0.0.1' })), [414]);
    expectStatus(await http.send({ method: 'POST', path: `/queue/${'a'.repeat(5_000)}/`, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"title":"x"}') }), [414]);
    expectStatus(await http.send({ method: 'GET', path: `/queue/${'b'.repeat(90)}/`, headers: {} }), [404]);
  });

  it('malformed HTTP: bad chunks, both framings, a bad method answer 400 in the error shape; no Host is Node’s bare 400', async () => {
    const chunked = await sendRaw(api.port, Buffer.from(`POST ${push()} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`, 'latin1'));
    expectStatus(chunked, [400]);
    const both = await sendRaw(api.port, Buffer.from(`POST ${push()} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n`, 'latin1'));
    expectStatus(both, [400]);
    expectStatus(await sendRaw(api.port, Buffer.from('G@T / HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1')), [400]);
    // HTTP/1.1 requires Host; Node refuses it before any handler, with an empty body
    const noHost = await sendRaw(api.port, Buffer.from('GET /queue/ HTTP/1.1\r\nConnection: close\r\n\r\n', 'latin1'));
    expect(noHost.status).toBe(400);
  });
});

// ---------------------------------------------------------------------------------------------------
// afterwards

describe('afterwards', () => {
  it('both processes are alive, logged no error, and a real publish reaches history and a socket', async () => {
    expect(api.exit).toBeNull();
    expect(gateway.exit).toBeNull();
    expect(api.logs).not.toMatch(/internal error|redis is unavailable|\bERROR\b/);
    expect(gateway.logs).not.toMatch(/\bERROR\b/);
    const fresh = await client.newClient('after.example');
    const ws = await WsClient.connect(gateway.url);
    try {
      expect((await ws.jsonHello(fresh.token)).recovered).toBe(true);
      const sent = await client.publish(fresh.pushUrl, { title: 'after the properties' });
      expect(sent.queue).toBe(fresh.pushUrl);
      const [live] = await ws.waitForMessages(1);
      expect(live).toEqual(sent);
      expect(await client.history(fresh.token, fresh.userQueue)).toEqual([sent]);
    } finally {
      ws.close();
    }
  });
});
