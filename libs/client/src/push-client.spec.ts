import { FetchLike, RequestInitLike, createToken, publish } from './http';
import { PushClient } from './push-client';
import { PushError } from './push-error';

/** A fetch that answers from a list and records what was asked. */
function fakeFetch(answers: Array<{ status: number; body: unknown } | Error>) {
  const calls: Array<{ url: string; init?: RequestInitLike }> = [];
  const fetch: FetchLike = (url, init) => {
    calls.push({ url, init });
    const next = answers.shift();
    if (next === undefined) throw new Error('unexpected request');
    if (next instanceof Error) return Promise.reject(next);
    const text = typeof next.body === 'string' ? next.body : JSON.stringify(next.body);
    return Promise.resolve({ status: next.status, text: () => Promise.resolve(text) });
  };
  return { fetch, calls };
}

const QUEUE = 'http://api.test/queue/0123456789abcdef0123456789abcdef/';
const message = { key: '1-0', timestamp: '0.001000', queue: 'http://api.test/queue/pu/', body: { title: 't' } };

async function rejection(p: Promise<unknown>): Promise<PushError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof PushError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('PushClient over HTTP', () => {
  it('sends the token as X-Auth-Token and JSON bodies, and reads the answers', async () => {
    const { fetch, calls } = fakeFetch([
      { status: 200, body: { queue: 'http://api.test/queue/pu/' } },
      { status: 200, body: { messages: [message], last_seen: null } },
      { status: 200, body: { last_seen: '5.000000' } },
    ]);
    const client = new PushClient({ api: 'http://api.test/', token: 'tok', queue: QUEUE, fetch });
    expect(await client.createPushUrl('example.com')).toBe('http://api.test/queue/pu/');
    expect(await client.history({ since: '0-1', limit: 5 })).toEqual({ messages: [message], lastSeen: null });
    expect(await client.setLastSeen('5')).toBe('5.000000');
    expect(calls.map((c) => `${c.init?.method} ${c.url}`)).toEqual([
      'POST http://api.test/queue/',
      `GET ${QUEUE}?since=0-1&limit=5`,
      `PUT ${QUEUE}`,
    ]);
    expect(calls[0].init?.headers).toMatchObject({ 'x-auth-token': 'tok', 'content-type': 'application/json' });
    expect(calls[0].init?.body).toBe('{"domain":"example.com"}');
  });

  it('turns answers into typed errors carrying the status and the server message', async () => {
    const { fetch } = fakeFetch([
      { status: 401, body: { statusCode: 401, error: 'Unauthorized', message: 'token is not valid' } },
      { status: 404, body: { statusCode: 404, error: 'Not Found', message: 'no such push URL' } },
      { status: 502, body: '<html>bad gateway</html>' },
      new TypeError('fetch failed'),
      { status: 200, body: { nope: true } },
    ]);
    const client = new PushClient({ api: 'http://api.test', token: 'tok', queue: QUEUE, fetch });
    const e401 = await rejection(client.listPushUrls());
    expect([e401.code, e401.status, e401.message]).toEqual(['invalid_token', 401, 'listPushUrls: 401 token is not valid']);
    const e404 = await rejection(client.revoke('http://api.test/queue/pu/'));
    expect([e404.code, e404.status, e404.message]).toEqual(['http', 404, 'revoke: 404 no such push URL']);
    const e502 = await rejection(client.listPushUrls());
    expect([e502.code, e502.status]).toEqual(['http', 502]);
    expect((await rejection(client.listPushUrls())).code).toBe('network');
    expect((await rejection(client.listPushUrls())).code).toBe('protocol');
  });

  it('refuses bad input before any request', async () => {
    const { fetch, calls } = fakeFetch([]);
    expect(() => new PushClient({ api: 'ftp://x', token: 'tok', queue: QUEUE, fetch })).toThrow(PushError);
    expect(() => new PushClient({ api: 'http://x', token: '', queue: QUEUE, fetch })).toThrow('token is required');
    const client = new PushClient({ api: 'http://api.test', token: 'tok', queue: QUEUE, fetch });
    expect((await rejection(client.markRead('not-a-key'))).message).toBe('key must be a message key <ms>-<seq>');
    expect((await rejection(client.history({ limit: 0 }))).message).toBe('limit must be a positive integer');
    expect((await rejection(client.createPushUrl(''))).code).toBe('invalid_input');
    expect((await rejection(publish('javascript:alert(1)', { title: 't' }, { fetch }))).code).toBe('invalid_input');
    expect((await rejection(publish('http://api.test/queue/pu/', { title: '' }, { fetch }))).code).toBe('invalid_input');
    expect(calls).toEqual([]);
  });

  it('createToken and publish need no token', async () => {
    const { fetch, calls } = fakeFetch([
      { status: 200, body: { token: 'tok', queue: QUEUE } },
      { status: 200, body: message },
    ]);
    expect(await createToken('http://api.test', { fetch })).toEqual({ token: 'tok', queue: QUEUE });
    expect(await publish('http://api.test/queue/pu/', { title: 't', extra: 1 } as never, { fetch })).toEqual(message);
    expect(calls[1].init?.body).toBe('{"title":"t"}');
    expect(calls.every((c) => !('x-auth-token' in (c.init?.headers ?? {})))).toBe(true);
  });
});
