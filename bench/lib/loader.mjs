// Load child process: holds one WebSocket per user for a slice of the users and counts what arrives.
// Started by run.mjs with fork() (IPC with 'advanced' serialization, so typed arrays travel as-is).
// A process may open at most ~20,000 files here, so run.mjs gives each loader at most ~19,000 sockets.
//
// Every bench message body is "STEP ID USER T": T is the publisher's send time in microseconds of
// CLOCK_MONOTONIC, which this process reads too, so latency = receive time - T needs no clock sync.
import process from 'node:process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';
import { mapLimit, nowUs, sleep } from './util.mjs';

const sockets = new Map(); // user index -> WebSocket
let step = -1;
let cnt = null; // Uint8Array per message id of the current step: copies received here (255 = saturated)
let lat = null; // Float64Array per message id: latency in us of the first copy
let received = 0; // distinct ids of the current step received here
let lastRecvUs = 0;
let counters = freshCounters();
const closeCodes = {};
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

function freshCounters() {
  return { frames: 0, misrouted: 0, late: 0, other: 0, closed: 0 };
}

function onFrame(user, data) {
  counters.frames++;
  let payload;
  try {
    const frame = JSON.parse(data.toString());
    payload = frame && typeof frame.body === 'object' && frame.body !== null ? frame.body.body : undefined;
  } catch {
    payload = undefined;
  }
  if (typeof payload !== 'string') {
    counters.other++; // a control frame or something that is not a bench message
    return;
  }
  const now = nowUs();
  const parts = payload.split(' ');
  const s = Number(parts[0]);
  const id = Number(parts[1]);
  const u = Number(parts[2]);
  const t = Number(parts[3]);
  if (parts.length !== 4 || !Number.isInteger(id) || !Number.isFinite(t)) {
    counters.other++;
    return;
  }
  if (s !== step || cnt === null || id < 0 || id >= cnt.length) {
    counters.late++; // from an earlier step (arrived after its drain window)
    return;
  }
  if (u !== user) {
    counters.misrouted++; // delivered to another user's socket: not counted as received
    return;
  }
  if (cnt[id] === 0) {
    lat[id] = now - t;
    received++;
    if (now > lastRecvUs) lastRecvUs = now;
  }
  if (cnt[id] < 255) cnt[id]++;
}

// Opens one socket, sends the seed hello "token: T" and resolves when that frame is written.
function connectOne({ i, url, token }, localAddress, timeoutMs) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const ws = new WebSocket(url, { localAddress, perMessageDeflate: false, handshakeTimeout: timeoutMs });
    const timer = setTimeout(() => fail(new Error(`timeout after ${timeoutMs} ms`)), timeoutMs);
    function fail(err) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.terminate();
      reject(err);
    }
    ws.on('open', () => {
      ws.send(`token: ${token}`, (err) => {
        if (err) return fail(err);
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        sockets.set(i, ws);
        resolve();
      });
    });
    ws.on('message', (data) => onFrame(i, data));
    ws.on('error', (err) => fail(err));
    ws.on('close', (code) => {
      if (!settled) return fail(new Error(`closed with ${code} before open`));
      if (sockets.get(i) === ws) {
        sockets.delete(i);
        counters.closed++;
        closeCodes[code] = (closeCodes[code] ?? 0) + 1;
      }
    });
  });
}

async function connectAll({ sockets: list, sources, concurrency, timeoutMs }) {
  const t0 = nowUs();
  const errors = {};
  const connected = [];
  let failed = 0;
  let lastUs = t0;
  await mapLimit(list.length, concurrency, async (k) => {
    const s = list[k];
    try {
      await connectOne(s, sources[s.i % sources.length], timeoutMs);
      connected.push(s.i);
      lastUs = nowUs();
    } catch (err) {
      failed++;
      const key = String(err?.code || err?.message || err).slice(0, 120);
      errors[key] = (errors[key] ?? 0) + 1;
    }
  });
  return { connected, failed, errors, startUs: t0, lastOpenUs: lastUs };
}

async function closeAll() {
  const open = [...sockets.values()];
  sockets.clear(); // closes we asked for are not counted as "closed by the server"
  for (const ws of open) ws.close(1000);
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline && open.some((ws) => ws.readyState !== WebSocket.CLOSED)) await sleep(50);
  let terminated = 0;
  for (const ws of open) {
    if (ws.readyState !== WebSocket.CLOSED) {
      ws.terminate();
      terminated++;
    }
  }
  return { closed: open.length, terminated };
}

const handlers = {
  connect: (m) => connectAll(m),
  step(m) {
    step = m.step;
    cnt = new Uint8Array(m.total);
    lat = new Float64Array(m.total);
    received = 0;
    lastRecvUs = 0;
    counters = freshCounters();
    loopDelay.reset();
    return {};
  },
  count: () => ({ received, lastRecvUs, open: sockets.size }),
  stats: () => ({
    received,
    lastRecvUs,
    cnt,
    lat,
    counters,
    closeCodes,
    open: sockets.size,
    loopDelayMaxMs: loopDelay.max / 1e6,
    loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    rssBytes: process.memoryUsage().rss,
  }),
  close: () => closeAll(),
};

process.on('message', async (m) => {
  let reply;
  try {
    const handler = handlers[m.cmd];
    if (!handler) throw new Error(`unknown command ${m.cmd}`);
    reply = { rid: m.rid, ok: true, ...(await handler(m)) };
  } catch (err) {
    reply = { rid: m.rid, ok: false, error: String(err?.stack || err) };
  }
  process.send(reply);
});

// die with the parent: never leave sockets open behind a crashed run
process.on('disconnect', () => process.exit(0));
