/**
 * The publish lane (apps/api/src/publish/publish.lane.ts) answers plain JSON publishes ahead of Fastify;
 * a request with an Origin goes through Fastify's publish route instead. Every case here is sent both
 * ways to a real api process, and the two answers must match: status, body (but the new message's key
 * and timestamp) and headers (but the per-request ones).
 */
import { request } from 'node:http';
import { AppProcess, deletePrefix, startApp, TEST_REDIS_URL, uniquePrefix } from '@push/testing';

jest.setTimeout(60_000);

const prefix = uniquePrefix('lane-e2e');
let api: AppProcess;

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Headers that differ per request or per route by design (CORS answers an Origin with more). Connection
 * and Keep-Alive are compared: a body that does not parse closes the connection on both paths. */
const PER_REQUEST = new Set(['date', 'x-request-id', 'vary', 'access-control-expose-headers']);

function post(url: string, body: Buffer, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const kept: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (!PER_REQUEST.has(k) && v !== undefined) kept[k] = String(v);
        resolve({ status: res.statusCode ?? 0, headers: kept, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The answer with the stored message's own key and timestamp (and the length they change) blanked. */
function comparable(a: Answer): Answer {
  const body = a.body.replace(/"key":"[^"]+","timestamp":"[^"]+"/, '"key":"K","timestamp":"T"');
  const headers = { ...a.headers };
  delete headers['content-length'];
  delete headers['access-control-allow-origin'];
  return { ...a, headers, body };
}

async function pushUrl(): Promise<string> {
  const { token } = (await (await fetch(`${api.url}/token/`, { method: 'POST' })).json()) as { token: string };
  const res = await fetch(`${api.url}/queue/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, domain: 'lane.example' }) });
  return ((await res.json()) as { queue: string }).queue;
}

beforeAll(async () => {
  api = await startApp('api', { env: { REDIS_URL: TEST_REDIS_URL, KEY_PREFIX: prefix, PUBLISH_BURST_PER_PUSH_URL: '0' } });
});

afterAll(async () => {
  await api?.stop();
  await deletePrefix(prefix);
});

const JSON_TYPE = { 'content-type': 'application/json' };
const deep = `${'['.repeat(40)}${']'.repeat(40)}`;

describe('publish lane and publish route answer alike', () => {
  it.each<[string, string | Buffer, Record<string, string>?]>([
    ['a full notification', JSON.stringify({ title: 't', body: 'b', actionUrl: 'https://example.com/a', replaceId: 'r', extra: 1 })],
    ['a title only', '{"title":"only"}'],
    ['charset=utf-8', '{"title":"x"}', { 'content-type': 'application/json; charset=utf-8' }],
    ['no title', '{"body":"b"}'],
    ['a title of another type', '{"title":7,"replaceId":"' + 'r'.repeat(300) + '"}'],
    ['an empty title', '{"title":""}'],
    ['a title too long', JSON.stringify({ title: 'x'.repeat(1025) })],
    ['a bad actionUrl', JSON.stringify({ title: 't', actionUrl: 'javascript:alert(1)' })],
    ['a notification over 4 KiB', JSON.stringify({ title: 't', body: 'b'.repeat(5000) })],
    ['JSON that does not parse', '{"title":'],
    ['bytes that are not UTF-8', Buffer.from([0x7b, 0x22, 0x74, 0x69, 0x74, 0x6c, 0x65, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])],
    ['a __proto__ key', '{"title":"t","__proto__":{"x":1}}'],
    ['a constructor.prototype key', '{"title":"t","constructor":{"prototype":{"x":1}}}'],
    ['an array', '[1]'],
    ['a string', '"title"'],
    ['a blank body', '   '],
    ['nesting past the limit', `{"title":"t","x":${deep}}`],
  ])('%s', async (_what, body, headers = JSON_TYPE) => {
    const url = await pushUrl();
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
    const lane = await post(url, bytes, headers);
    const route = await post(url, bytes, { ...headers, origin: 'https://site.example' });
    expect(comparable(lane)).toEqual(comparable(route));
    expect(lane.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('an unknown push URL: 404 both ways', async () => {
    const url = (await pushUrl()).replace(/\/queue\/(.)/, (_m, c: string) => `/queue/${c === 'A' ? 'B' : 'A'}`);
    const lane = await post(url, Buffer.from('{"title":"t"}'), JSON_TYPE);
    const route = await post(url, Buffer.from('{"title":"t"}'), { ...JSON_TYPE, origin: 'https://site.example' });
    expect(lane.status).toBe(404);
    expect(comparable(lane)).toEqual(comparable(route));
  });

  it('answers the X-Request-Id it was given', async () => {
    const url = await pushUrl();
    const res = await fetch(url, { method: 'POST', headers: { ...JSON_TYPE, 'x-request-id': 'pub-123' }, body: '{"title":"t"}' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('pub-123');
  });
});
