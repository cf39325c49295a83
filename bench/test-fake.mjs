#!/usr/bin/env node
// A small stand-in for Push's three apps, to test the bench itself (`node bench/run.mjs --fake`)
// while the real apps are not built. It follows the parts of the contract the bench uses, with the
// same env variables and the same Redis shapes the bench reads (per-queue pub/sub channels, the
// node registry hash), but it is NOT Push: no validation, no crypto, no retention rules.
//
//   node bench/test-fake.mjs --role api|gateway|monitor
//   api:     POST /token/, POST /queue/ {token, domain}, POST /queue/<push id>/ {title, body},
//            GET /nodes/, GET /healthz
//   gateway: WebSocket on GATEWAY_PORT, first frame "token: T"; GET /healthz; heartbeat in the registry
//   monitor: GET /healthz only
// Fault injection, to check the bench's counters: FAKE_DROP_EVERY=k does not deliver every k-th
// message, FAKE_DUP_EVERY=k delivers every k-th message twice, FAKE_MISROUTE_EVERY=k sends every
// k-th message to another queue's channel as well as its own.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { WebSocketServer } from 'ws';

const roleArg = process.argv.indexOf('--role');
const role = roleArg > 0 ? process.argv[roleArg + 1] : '';
const env = process.env;
const prefix = env.KEY_PREFIX ?? 'push:';
const redisUrl = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const host = env.HOST ?? '127.0.0.1';
const every = (name) => Number(env[name] ?? 0);
const keys = {
  token: (t) => `${prefix}faketok:${t}`,
  stream: (uq) => `${prefix}{u:${uq}}:s`,
  channel: (uq) => `${prefix}{u:${uq}}:ch`,
  nodes: () => `${prefix}nodes`,
};

function json(res, status, body) {
  const s = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s) });
  res.end(s);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text ? JSON.parse(text) : {});
      } catch (err) {
        reject(err);
      }
    });
    req.on('error', reject);
  });
}

function healthOnly(port) {
  const server = http.createServer((req, res) => (req.url === '/healthz' ? json(res, 200, { status: 'ok' }) : json(res, 404, {})));
  server.listen(port, host);
  return server;
}

async function api() {
  const redis = new Redis(redisUrl, { enableAutoPipelining: true });
  const port = Number(env.API_PORT ?? 5001);
  const base = env.PUBLIC_URL ?? `http://127.0.0.1:${port}`;
  let published = 0;
  const server = http.createServer(async (req, res) => {
    try {
      const url = req.url.split('?')[0];
      if (req.method === 'GET' && url === '/healthz') return json(res, 200, { status: 'ok' });
      if (req.method === 'GET' && url === '/nodes/') {
        const all = await redis.hgetall(keys.nodes());
        const live = Object.values(all).map((j) => JSON.parse(j)).filter((n) => n.heartbeatAtMs > Date.now() - 3000);
        live.sort((a, b) => a.connections - b.connections || a.address.localeCompare(b.address));
        return json(res, 200, { nodes: live.map((n) => n.address) });
      }
      const body = req.method === 'POST' ? await readBody(req) : {};
      if (req.method === 'POST' && url === '/token/') {
        const token = randomBytes(32).toString('base64url');
        const uq = randomBytes(16).toString('hex');
        await redis.set(keys.token(token), uq);
        return json(res, 200, { token, queue: `${base}/queue/${uq}/` });
      }
      if (req.method === 'POST' && url === '/queue/') {
        const uq = await redis.get(keys.token(String(body.token)));
        if (!uq) return json(res, 401, { statusCode: 401, error: 'Unauthorized', message: 'unknown token' });
        return json(res, 200, { queue: `${base}/queue/p${uq}/` });
      }
      const m = /^\/queue\/p([0-9a-f]{32})\/$/.exec(url);
      if (req.method === 'POST' && m) {
        const uq = m[1];
        const n = ++published;
        const queue = `${base}${url}`;
        const id = await redis.xadd(keys.stream(uq), 'MAXLEN', '~', '1000', '*', 'q', queue, 'b', JSON.stringify(body));
        const [ms, seq] = id.split('-');
        const frame = JSON.stringify({ key: id, timestamp: `${ms.slice(0, -3)}.${ms.slice(-3)}${String(seq).padStart(3, '0')}`, queue, body: { title: body.title, body: body.body } });
        const drop = every('FAKE_DROP_EVERY') && n % every('FAKE_DROP_EVERY') === 0;
        if (!drop) redis.publish(keys.channel(uq), frame);
        if (every('FAKE_DUP_EVERY') && n % every('FAKE_DUP_EVERY') === 0) redis.publish(keys.channel(uq), frame);
        if (every('FAKE_MISROUTE_EVERY') && n % every('FAKE_MISROUTE_EVERY') === 0) {
          // to some other subscribed queue
          const [other] = await redis.pubsub('CHANNELS', `${prefix}{u:*}:ch`);
          if (other && other !== keys.channel(uq)) redis.publish(other, frame);
        }
        return json(res, 200, JSON.parse(frame));
      }
      return json(res, 404, { statusCode: 404, error: 'Not Found', message: `no route ${req.method} ${url}` });
    } catch (err) {
      return json(res, 500, { statusCode: 500, error: 'Internal Server Error', message: String(err.message) });
    }
  });
  server.keepAliveTimeout = 60_000;
  server.listen(port, host);
  return async () => {
    server.close();
    redis.disconnect();
  };
}

async function gateway() {
  const redis = new Redis(redisUrl);
  const sub = new Redis(redisUrl);
  const port = Number(env.GATEWAY_PORT ?? 8888);
  const address = env.GATEWAY_PUBLIC_ADDRESS || `127.0.0.1:${port}`;
  const nodeId = `fake-${randomBytes(4).toString('hex')}`;
  const byQueue = new Map(); // user queue -> Set of sockets
  let authenticated = 0;
  const chHead = `${prefix}{u:`;
  sub.on('message', (channel, frame) => {
    const set = byQueue.get(channel.slice(chHead.length, -'}:ch'.length));
    if (set) for (const ws of set) ws.send(frame);
  });
  const server = healthOnly(port);
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  wss.on('connection', (ws) => {
    let uq = null;
    const authTimer = setTimeout(() => ws.close(4408), 10_000);
    ws.once('message', async (data) => {
      clearTimeout(authTimer);
      const m = /^token: (\S+)$/.exec(data.toString());
      const found = m ? await redis.get(keys.token(m[1])) : null;
      if (!found || ws.readyState !== ws.OPEN) return ws.close(4401);
      uq = found;
      authenticated++;
      let set = byQueue.get(uq);
      if (!set) {
        set = new Set();
        byQueue.set(uq, set);
        await sub.subscribe(keys.channel(uq));
      }
      set.add(ws);
    });
    ws.on('close', () => {
      clearTimeout(authTimer);
      if (uq === null) return;
      authenticated--;
      const set = byQueue.get(uq);
      set?.delete(ws);
      if (set && set.size === 0) {
        byQueue.delete(uq);
        sub.unsubscribe(keys.channel(uq));
      }
    });
  });
  const beat = () => redis.hset(keys.nodes(), nodeId, JSON.stringify({ address, connections: authenticated, heartbeatAtMs: Date.now() }));
  await beat();
  const timer = setInterval(beat, 1000);
  return async () => {
    clearInterval(timer);
    await redis.hdel(keys.nodes(), nodeId);
    for (const ws of wss.clients) ws.terminate();
    server.close();
    redis.disconnect();
    sub.disconnect();
  };
}

async function monitor() {
  const server = healthOnly(Number(env.MONITOR_PORT ?? 5003));
  return async () => server.close();
}

const roles = { api, gateway, monitor };
if (!roles[role]) {
  process.stderr.write('usage: node bench/test-fake.mjs --role api|gateway|monitor\n');
  process.exit(2);
}
const stop = await roles[role]();
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    stop().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 3000).unref();
  });
}
