// HTTP client of the bench. Set-up calls use node:http with one keep-alive Agent; the publishers'
// fire-and-count requests (keepBody: false) use an undici Pool per origin, because node:http's
// client costs ~200 us of CPU per request here and capped the publisher near 4,000 requests/s
// (below what the service takes). Both cap connections at maxSockets = the in-flight cap: one
// request per connection at a time (no HTTP pipelining), as a browser-less publisher would do it.
import http from 'node:http';
import { Pool } from 'undici';

let agent = new http.Agent({ keepAlive: true, maxSockets: 128, maxFreeSockets: 128, scheduling: 'lifo' });

let poolConnections = 128;
const pools = new Map();

export function configure({ maxSockets }) {
  agent.destroy();
  agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo' });
  poolConnections = maxSockets;
}

function poolFor(tgt) {
  const origin = `http://${tgt.hostname}:${tgt.port}`;
  let pool = pools.get(origin);
  if (pool === undefined) {
    pool = new Pool(origin, { connections: poolConnections, pipelining: 1, keepAliveTimeout: 60_000 });
    pools.set(origin, pool);
  }
  return pool;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

// The publishers' request: resolves { status, text: '' } (body discarded), rejects on network errors.
async function fireAndCount(method, tgt, body, timeoutMs) {
  const res = await poolFor(tgt).request({
    method,
    path: tgt.path,
    headers: body === undefined ? undefined : JSON_HEADERS,
    body,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  await res.body.dump();
  return { status: res.statusCode, text: '' };
}

// A pre-parsed request target, so the hot path does not parse URLs.
export function target(url) {
  const u = new URL(url);
  if (u.protocol !== 'http:') throw new Error(`only http: URLs are supported, got ${url}`);
  return { hostname: u.hostname, port: Number(u.port || 80), path: u.pathname + u.search };
}

// Sends one request; resolves { status, text } (text only when keepBody), rejects on network errors.
export function request(method, tgt, body, { keepBody = true, timeoutMs = 30_000 } = {}) {
  if (!keepBody) return fireAndCount(method, tgt, body, timeoutMs);
  return new Promise((resolve, reject) => {
    const headers = {};
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const req = http.request({ agent, method, hostname: tgt.hostname, port: tgt.port, path: tgt.path, headers }, (res) => {
      if (!keepBody) {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, text: '' }));
      } else {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
      }
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`timeout after ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}

// GET/POST that must answer 2xx with JSON; throws a readable error otherwise.
export async function requestJson(method, url, obj) {
  const r = await request(method, target(url), obj === undefined ? undefined : JSON.stringify(obj));
  if (r.status < 200 || r.status >= 300) throw new Error(`${method} ${url} -> HTTP ${r.status}: ${r.text.slice(0, 300)}`);
  try {
    return JSON.parse(r.text);
  } catch {
    throw new Error(`${method} ${url} -> not JSON: ${r.text.slice(0, 300)}`);
  }
}

// Status of a GET, or 0 when nothing answers (for readiness polling).
export async function probe(url, timeoutMs = 1000) {
  try {
    return (await request('GET', target(url), undefined, { keepBody: false, timeoutMs })).status;
  } catch {
    return 0;
  }
}

export function close() {
  agent.destroy();
  for (const pool of pools.values()) void pool.destroy();
  pools.clear();
}
