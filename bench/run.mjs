#!/usr/bin/env node
// Push's own benchmark (`npm run bench`): starts a private redis-server and the stack from the
// build (one api, two gateway nodes, one monitor), holds one WebSocket per user in load child
// processes, publishes through push URLs at fixed offered rates and reports, per step, latency
// from publish to socket, deliveries/s, lost / duplicated / misrouted messages and the CPU of
// every process; then publish requests/s with no socket, and memory per idle socket and connect
// rate on one fresh gateway. Writes bench/results/<date>.{json,md,svg}.
//
// Every loop is bounded (message counts, send and drain deadlines, a watchdog for the whole run)
// and everything started here is stopped by PID on the way out, also on errors and Ctrl-C.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fork, execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import * as http from './lib/http.mjs';
import * as proc from './lib/proc.mjs';
import { openLoop, closedLoop } from './lib/publisher.mjs';
import { capCpu, throttling } from './lib/cpu-quota.mjs';
import { renderMarkdown, renderSvg, loadPreviousRuns } from './lib/report.mjs';
import { REPO_ROOT, checkBuild, freePort, killAllSync, startApp, startRedis, startStack, stopAll, waitHealthy } from './lib/stack.mjs';
import {
  latencySummary, log, mapLimit, nowUs, parseArgs, pollUntil, round, sleep, sourceAddresses, toBool, toNumber, xorshift,
} from './lib/util.mjs';

const USAGE = `usage: npm run bench -- [options]     (after npm run build)
       node bench/run.mjs [options]

  --users N             users in the rate steps, one socket each (default 2000)
  --rates R1,R2,...     offered publish rates, msgs/s, one step each (default 2000,5000,10000)
  --seconds S           length of each rate step (default 10)
  --idle-users N        sockets held idle on one fresh gateway for memory and connect rate
                        (default 10000; 0 skips the idle run)
  --publish-seconds S   length of the publish-only step, no sockets (default 5; 0 skips it)
  --quick               smoke run: 200 users, one 500/s step of 3 s, 500 idle sockets (< 1 min)
  --stop-on-fail        skip higher rates after the first step that is not sustained
  --inflight C          publisher's in-flight cap = keep-alive connections (default 128)
  --drain S             wait at most S seconds for stragglers after a step (default 5)
  --loaders L           load child processes for the rate steps (default: 2, or more for > 38,000 users)
  --idle-loaders L      load child processes for the idle run (default: 2, at most 19,000 sockets each)
  --sources A-B         client source addresses 127.0.0.A..B (default 2-20)
  --settle-ms MS        pause after every socket is subscribed, before the warm-up (default 1000)
  --warmup-seconds S    before the first step: open all keep-alive connections, then publish at
                        min(first rate, 1000)/s for S seconds, reported apart (default 2; 0 skips)
  --idle-pre-settle S   seconds after the idle gateway started before its baseline RSS (default 10)
  --idle-hold S         seconds to hold the idle sockets before the second RSS sample (default 5)
  --connect-concurrency C   connection attempts in flight per loader (default 128)
  --publish-client C    publish-only load generator: wrk (C, a few µs per request), node (the bench's
                        own undici publisher) or auto = wrk when it is on PATH (default auto)
  --gateways N          gateway processes of the rate steps (default 2)
  --gateway-cpu-quota P cap each of those gateways at P % of one core (a cgroup per process; needs root):
                        the gateways then run out of CPU first, so the capacity each one adds can be
                        measured on two cores (see "Gateway scaling" in bench/README.md)
  --app-env K=V,K=V     extra environment for the apps (e.g. MONITOR_PERIOD_MS=2000)
  --node-args "..."     extra node arguments for the apps (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof")
  --check               exit with 4 when anything was lost, duplicated, misrouted or refused, a socket
                        failed to connect or closed, or the idle probe missed a socket (for CI with
                        --quick; rates and latency are not judged)
  --fake                run bench/test-fake.mjs instead of the build (tests the harness itself)
  --out DIR             where results go (default bench/results; --quick: bench/results/tmp)
  --keep-logs           keep the apps' logs (otherwise kept only when the run fails)
  --help
`;

const raw = parseArgs(process.argv.slice(2));
if (raw.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const quick = toBool(raw.quick);
const opts = {
  users: quick ? 200 : 2000,
  rates: quick ? '500' : '2000,5000,10000',
  seconds: quick ? 3 : 10,
  idleUsers: quick ? 500 : 10000,
  publishSeconds: quick ? 2 : 5,
  drain: quick ? 3 : 5,
  inflight: 128,
  loaders: 0,
  idleLoaders: 0,
  sources: '2-20',
  settleMs: 1000,
  warmupSeconds: quick ? 1 : 2,
  idlePreSettle: quick ? 3 : 10,
  idleHold: quick ? 2 : 5,
  connectConcurrency: 128,
  connectTimeoutMs: 15_000,
  setupConcurrency: 32,
  gateways: 2,
  appEnv: '',
  nodeArgs: '',
  out: path.join(REPO_ROOT, 'bench', 'results', ...(quick ? ['tmp'] : [])),
  seed: 12345,
  publishClient: 'auto',
  gatewayCpuQuota: 0,
  ...raw,
};
const known = new Set([...Object.keys(opts), 'quick', 'stopOnFail', 'fake', 'keepLogs', 'check', 'help']);
for (const k of Object.keys(raw)) if (!known.has(k)) throw new Error(`unknown option --${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} (see --help)`);
for (const k of ['users', 'idleUsers', 'loaders', 'idleLoaders', 'connectConcurrency', 'connectTimeoutMs', 'setupConcurrency', 'gateways', 'seed', 'settleMs']) {
  opts[k] = toNumber(opts[k], k, { min: 0, integer: true });
}
for (const k of ['seconds', 'publishSeconds', 'drain', 'idlePreSettle', 'idleHold', 'warmupSeconds']) opts[k] = toNumber(opts[k], k, { min: 0 });
opts.inflight = toNumber(opts.inflight, 'inflight', { min: 1, integer: true });
opts.gatewayCpuQuota = toNumber(opts.gatewayCpuQuota, 'gatewayCpuQuota', { min: 0 });
if (!['auto', 'wrk', 'node'].includes(opts.publishClient)) throw new Error(`--publish-client must be auto, wrk or node, got "${opts.publishClient}"`);
opts.stopOnFail = toBool(raw.stopOnFail);
opts.fake = toBool(raw.fake);
opts.keepLogs = toBool(raw.keepLogs);
opts.check = toBool(raw.check);
const rates = String(opts.rates).split(',').filter(Boolean).map((r) => toNumber(r, 'rates', { min: 1 }));
if (opts.users < 1 || opts.seconds <= 0 || opts.gateways < 1) throw new Error('--users, --seconds and gateways must be > 0');
const appEnv = Object.fromEntries(String(opts.appEnv).split(',').filter(Boolean).map((kv) => {
  const eq = kv.indexOf('=');
  if (eq < 1) throw new Error(`--app-env wants K=V pairs, got "${kv}"`);
  return [kv.slice(0, eq), kv.slice(eq + 1)];
}));
const nodeArgs = String(opts.nodeArgs).split(' ').filter(Boolean);
const sources = sourceAddresses(opts.sources);
const NCPU = os.availableParallelism?.() ?? os.cpus().length;
const MAX_SOCKETS_PER_LOADER = 19_000; // the per-process open-file limit is 20,000 here
const KEY_PREFIX = 'bench:';
const DOMAIN = 'bench.example';
const PROBE_STEP = 900; // step number of the idle run's one-message-per-socket check
const WARMUP_STEP = 700; // step number of the warm-up before the first rate step

if (!opts.fake) checkBuild();
http.configure({ maxSockets: opts.inflight });

// ---- bookkeeping of what we started ----------------------------------------------------------
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'push-bench-'));
const logDir = path.join(tmpDir, 'logs');
fs.mkdirSync(logDir);
let redis = null; // { child, url, version }
let rc = null; // our own Redis connection (readiness signals, registry)
let apps = []; // Child of every app process started, in start order
let loaders = [];
let cleaning = null;
let failed = false;
let cpuCaps = []; // { name, dir, release } of gateways under --gateway-cpu-quota

async function cleanup() {
  cleaning ??= (async () => {
    await Promise.allSettled(loaders.map((l) => l.stop()));
    loaders = [];
    for (const cap of cpuCaps) cap.release();
    await stopAll(apps).catch((err) => log(`stopping apps: ${err.message}`));
    apps = [];
    cpuCaps = [];
    rc?.disconnect();
    if (redis) await redis.child.stop(5000);
    http.close();
    if (failed || opts.keepLogs) log(`logs kept in ${logDir}`);
    else fs.rmSync(tmpDir, { recursive: true, force: true });
  })();
  return cleaning;
}
process.on('exit', () => {
  for (const cap of cpuCaps) cap.release();
  killAllSync();
  for (const l of loaders) l.kill();
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    log(`${sig}: stopping everything this run started`);
    failed = true;
    cleanup().finally(() => process.exit(130));
  });
}

// ---- load child processes --------------------------------------------------------------------
const loaderPath = fileURLToPath(new URL('./lib/loader.mjs', import.meta.url));
let rid = 0;
function startLoader(k) {
  const child = fork(loaderPath, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map();
  let exitInfo = null;
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => {
    exitInfo = { code, signal };
    for (const p of pending.values()) p.reject(new Error(`loader ${k} exited (${code ?? signal})`));
    pending.clear();
    resolve();
  }));
  child.on('message', (m) => {
    const p = pending.get(m.rid);
    if (!p) return;
    pending.delete(m.rid);
    if (m.ok) p.resolve(m);
    else p.reject(new Error(`loader ${k}: ${m.error}`));
  });
  return {
    k,
    pid: child.pid,
    call(cmd, body = {}, timeoutMs = 60_000) {
      if (exitInfo) return Promise.reject(new Error(`loader ${k} has exited`));
      return new Promise((resolve, reject) => {
        const id = ++rid;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`loader ${k}: ${cmd} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (m) => { clearTimeout(timer); resolve(m); },
          reject: (e) => { clearTimeout(timer); reject(e); },
        });
        child.send({ ...body, cmd, rid: id });
      });
    },
    async stop() {
      if (exitInfo) return;
      // a loader that cannot close its sockets in time is killed below; say so, do not hide it
      await this.call('close', {}, 10_000).catch((err) => log(`loader ${k}: close failed (${err.message}); killing it`));
      child.disconnect?.();
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    },
    kill() {
      if (!exitInfo) child.kill('SIGKILL');
    },
  };
}

// Splits users into `n` loaders (contiguous blocks) and connects them all; resolves the summary.
async function connectUsers(list, n, urlOf, timeoutMs) {
  const per = Math.ceil(list.length / n);
  if (per > MAX_SOCKETS_PER_LOADER) throw new Error(`${per} sockets per loader is over the ${MAX_SOCKETS_PER_LOADER} limit: use more loaders`);
  const started = Array.from({ length: n }, (_, k) => startLoader(k));
  loaders.push(...started);
  const t0 = nowUs();
  const replies = await Promise.all(started.map((l) => {
    const sockets = list.slice(l.k * per, (l.k + 1) * per).map((u) => ({ i: u.i, url: urlOf(u), token: u.token }));
    return l.call('connect', { sockets, sources, concurrency: opts.connectConcurrency, timeoutMs: opts.connectTimeoutMs }, timeoutMs);
  }));
  const errors = {};
  let failedCount = 0;
  let lastOpenUs = t0;
  for (const r of replies) {
    failedCount += r.failed;
    lastOpenUs = Math.max(lastOpenUs, r.lastOpenUs);
    for (const [key, v] of Object.entries(r.errors)) errors[key] = (errors[key] ?? 0) + v;
  }
  const connected = replies.flatMap((r) => r.connected).sort((a, b) => a - b);
  return { loaders: started, connected, failed: failedCount, errors, t0, lastOpenUs };
}

// ---- Redis-side signals ----------------------------------------------------------------------
// Channels with at least one subscriber: each authenticated socket of a distinct user queue makes
// its gateway SUBSCRIBE that queue's channel, so the count says how many sockets are routable.
async function pubsubChannels() {
  return Number(/pubsub_channels:(\d+)/.exec(await rc.info('stats'))?.[1] ?? 0);
}

// Connection counts the gateways last wrote into the node registry, by address.
async function registryConnections() {
  const out = {};
  for (const json of Object.values(await rc.hgetall(`${KEY_PREFIX}nodes`))) {
    try {
      const n = JSON.parse(json);
      out[n.address] = (out[n.address] ?? 0) + n.connections;
    } catch {
      // not ours to judge
    }
  }
  return out;
}

// Waits until `n` sockets are authenticated and routable. Signal: pubsub_channels grew by n; when it
// has not grown at all 3 s after every socket was open (a routing design without per-queue
// channels), the node registry's connection count of `addresses` is used instead.
async function waitRoutable(n, baseChannels, addresses, timeoutMs) {
  const openSince = Date.now();
  let channels = baseChannels;
  let registry = 0;
  const hit = await pollUntil(async () => {
    channels = await pubsubChannels();
    if (channels - baseChannels >= n) return 'channels';
    if (channels === baseChannels && Date.now() - openSince > 3000) {
      const reg = await registryConnections();
      registry = addresses.reduce((sum, a) => sum + (reg[a] ?? 0), 0);
      if (registry >= n) return 'registry';
    }
    return null;
  }, { timeoutMs, intervalMs: 20 });
  return { signal: hit, atUs: nowUs(), channels: channels - baseChannels, registry };
}

// ---- the run ---------------------------------------------------------------------------------
function machineInfo() {
  const git = (...a) => {
    try {
      return execFileSync('git', a, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return null;
    }
  };
  return {
    nproc: NCPU,
    cpuModel: os.cpus()[0]?.model ?? null,
    memGiB: round(os.totalmem() / 2 ** 30, 1),
    kernel: os.release(),
    node: process.version,
    openFiles: proc.openFileLimit(),
    loadavgStart: os.loadavg().map((x) => round(x, 2)),
    gitCommit: git('rev-parse', '--short', 'HEAD'),
    gitDirty: (() => {
      const st = git('status', '--porcelain');
      return st === null ? null : st !== '';
    })(),
  };
}

async function createUsers(apiUrl, from, count) {
  return mapLimit(count, opts.setupConcurrency, async (k) => {
    const t = await http.requestJson('POST', `${apiUrl}/token/`, {});
    if (typeof t?.token !== 'string') throw new Error(`POST /token/ gave no token: ${JSON.stringify(t)}`);
    const q = await http.requestJson('POST', `${apiUrl}/queue/`, { token: t.token, domain: DOMAIN });
    if (typeof q?.queue !== 'string') throw new Error(`POST /queue/ gave no queue: ${JSON.stringify(q)}`);
    return { i: from + k, token: t.token, push: http.target(new URL(q.queue, `${apiUrl}/`).href) };
  });
}

function publishBody(step, id, user, t) {
  return `{"title":"bench","body":"${step} ${id} ${user} ${t}"}`;
}

// Processes whose CPU a step reports, api first, then gateways, monitor, redis, load generator.
function cpuGroups(extra = {}) {
  const groups = {};
  const order = { api: 0, gateway: 1, monitor: 2 };
  for (const c of [...apps].sort((a, b) => order[a.app] - order[b.app] || a.name.localeCompare(b.name))) {
    if (c.alive) groups[c.name] = [c.pid];
  }
  groups.redis = [redis.child.pid];
  groups.loadgen = [process.pid, ...loaders.map((l) => l.pid)];
  return { ...groups, ...extra };
}

// Sums the loaders' per-id counters: received, duplicated, lost, latency samples.
async function collectStep(total, pub) {
  const stats = await Promise.all(loaders.map((l) => l.call('stats', {}, 30_000)));
  const cnt = new Uint16Array(total);
  const lat = new Float64Array(total);
  const agg = { misrouted: 0, late: 0, other: 0, closed: 0, open: 0, loopDelayMaxMs: 0 };
  let lastRecvUs = 0;
  for (const s of stats) {
    for (let id = 0; id < total; id++) {
      if (s.cnt[id] > 0) {
        if (cnt[id] === 0 || s.lat[id] < lat[id]) lat[id] = s.lat[id];
        cnt[id] += s.cnt[id];
      }
    }
    for (const k of ['misrouted', 'late', 'other', 'closed']) agg[k] += s.counters[k];
    agg.open += s.open;
    agg.loopDelayMaxMs = Math.max(agg.loopDelayMaxMs, s.loopDelayMaxMs);
    lastRecvUs = Math.max(lastRecvUs, s.lastRecvUs);
  }
  let received = 0;
  let dup = 0;
  let lost = 0;
  let deliveredDespiteError = 0;
  for (let id = 0; id < total; id++) {
    if (cnt[id] > 0) received++;
    if (cnt[id] > 1) dup += cnt[id] - 1;
    if (pub.status[id] === 2 && cnt[id] === 0) lost++;
    if (pub.status[id] === 3 && cnt[id] > 0) deliveredDespiteError++;
  }
  const samples = new Float64Array(received);
  for (let id = 0, j = 0; id < total; id++) if (cnt[id] > 0) samples[j++] = lat[id];
  return { received, dup, lost, deliveredDespiteError, latencyMs: latencySummary(samples), lastRecvUs, ...agg };
}

async function receivedSoFar() {
  const counts = await Promise.all(loaders.map((l) => l.call('count', {}, 10_000)));
  return counts.reduce((sum, c) => sum + c.received, 0);
}

async function runStep(stepNo, rate, users, targets) {
  const total = Math.max(1, Math.round(rate * opts.seconds));
  await Promise.all(loaders.map((l) => l.call('step', { step: stepNo, total })));
  const groups = cpuGroups();
  const peakRss = {};
  const rssTimer = setInterval(() => {
    for (const [name, pids] of Object.entries(groups)) {
      if (name === 'loadgen') continue;
      peakRss[name] = Math.max(peakRss[name] ?? 0, proc.rssBytes(pids[0]));
    }
  }, 1000);
  const cpu0 = proc.cpuSample(groups);
  const throttle0 = cpuCaps.map((c) => throttling(c.dir));
  const m0 = proc.machineCpu();
  const w0 = nowUs();
  const rng = xorshift(opts.seed + stepNo * 7919);
  const pub = await openLoop({
    rate,
    total,
    maxInflight: opts.inflight,
    sendDeadlineUs: w0 + (opts.seconds * 1.5 + 5) * 1e6,
    send: (id, t) => {
      const u = targets[rng() % targets.length];
      return http.request('POST', users[u].push, publishBody(stepNo, id, u, t), { keepBody: false }).then((r) => r.status);
    },
  });
  // drain: wait for what was accepted to arrive, at most --drain seconds
  const drainUntil = Date.now() + opts.drain * 1000;
  while (Date.now() < drainUntil && (await receivedSoFar()) < pub.ok) await sleep(20);
  const wallSeconds = (nowUs() - w0) / 1e6;
  const cpu = proc.cpuPercent(cpu0, proc.cpuSample(groups), wallSeconds);
  const m1 = proc.machineCpu();
  const machine = proc.machinePercent(m0, m1, NCPU);
  const steal = proc.stealPercent(m0, m1, NCPU);
  clearInterval(rssTimer);
  const c = await collectStep(total, pub);
  const pubSeconds = (pub.endUs - pub.startUs) / 1e6;
  const deliverSeconds = c.lastRecvUs > pub.startUs ? (c.lastRecvUs - pub.startUs) / 1e6 : null;
  const serverCpu = Object.entries(cpu).filter(([k]) => k !== 'loadgen').reduce((s, [, v]) => s + v, 0);
  const step = {
    rate,
    seconds: opts.seconds,
    planned: total,
    published: pub.ok,
    publishErrors: pub.err,
    publishErrorSamples: pub.errSamples,
    unsent: pub.unsent,
    publishedPerSec: round(pub.ok / Math.max(pubSeconds, 1e-9), 0),
    received: c.received,
    deliveredPerSec: deliverSeconds ? round(c.received / deliverSeconds, 0) : 0,
    lost: c.lost,
    dup: c.dup,
    misrouted: c.misrouted,
    late: c.late,
    otherFrames: c.other,
    deliveredDespiteError: c.deliveredDespiteError,
    socketsClosed: c.closed,
    socketsOpen: c.open,
    latencyMs: c.latencyMs,
    publishRttMs: latencySummary(Float64Array.from(pub.rttUs.filter((_, id) => pub.status[id] >= 2))),
    publisherLagMaxMs: round(pub.lagMaxMs, 1),
    loaderLoopDelayMaxMs: round(c.loopDelayMaxMs, 1),
    cpuPct: cpu,
    serverCpuPct: round(serverCpu, 1),
    machineCpuPct: machine,
    otherCpuPct: machine == null ? null : round(machine - serverCpu - cpu.loadgen, 1),
    stealCpuPct: steal,
    peakRssMB: Object.fromEntries(Object.entries(peakRss).map(([k, v]) => [k, round(v / 2 ** 20, 1)])),
  };
  if (cpuCaps.length > 0) {
    // how often each capped gateway hit its quota during the step: > 0 means it was out of CPU
    step.gatewayThrottledMs = Object.fromEntries(cpuCaps.map((c, k) => [c.name, (throttling(c.dir)?.throttledMs ?? 0) - (throttle0[k]?.throttledMs ?? 0)]));
  }
  step.sustained = step.lost === 0 && step.dup === 0 && step.misrouted === 0 && step.publishErrors === 0 &&
    step.unsent === 0 && step.socketsClosed === 0 && step.deliveredPerSec >= 0.97 * rate &&
    step.latencyMs.p99 !== null && step.latencyMs.p99 < 100;
  return step;
}

// Opens every keep-alive connection of the publisher (so the first step does not pay for opening 128
// connections at once) and runs the api's and gateways' first publishes (lazy set-up, JIT) at a low
// rate. Reported in the results, not counted in any step.
async function warmup(apiUrl, users, targets) {
  await Promise.all(Array.from({ length: opts.inflight }, () => http.probe(`${apiUrl}/healthz`, 10_000)));
  const rate = Math.min(rates[0], 1000);
  const total = Math.max(1, Math.round(rate * opts.warmupSeconds));
  await Promise.all(loaders.map((l) => l.call('step', { step: WARMUP_STEP, total })));
  const rng = xorshift(opts.seed + 7);
  const t0 = nowUs();
  const pub = await openLoop({
    rate,
    total,
    maxInflight: opts.inflight,
    sendDeadlineUs: t0 + (opts.warmupSeconds * 1.5 + 5) * 1e6,
    send: (id, t) => {
      const u = targets[rng() % targets.length];
      return http.request('POST', users[u].push, publishBody(WARMUP_STEP, id, u, t), { keepBody: false }).then((r) => r.status);
    },
  });
  const drainUntil = Date.now() + opts.drain * 1000;
  while (Date.now() < drainUntil && (await receivedSoFar()) < pub.ok) await sleep(20);
  const c = await collectStep(total, pub);
  let rttMax = 0;
  for (let id = 0; id < total; id++) if (pub.status[id] >= 2 && pub.rttUs[id] > rttMax) rttMax = pub.rttUs[id];
  return {
    rate, seconds: opts.warmupSeconds, published: pub.ok, publishErrors: pub.err, unsent: pub.unsent,
    received: c.received, lost: c.lost, dup: c.dup, latencyMs: c.latencyMs, publishRttMaxMs: round(rttMax / 1000, 1),
  };
}

function stepLine(s) {
  const L = s.latencyMs;
  const cpu = Object.entries(s.cpuPct).map(([k, v]) => `${k} ${v}`).join(', ');
  return `rate ${s.rate}/s: published ${s.published} (${s.publishedPerSec}/s, errors ${s.publishErrors}, unsent ${s.unsent}) ` +
    `received ${s.received} (${s.deliveredPerSec}/s) lost ${s.lost} dup ${s.dup} misrouted ${s.misrouted} | ` +
    `p50 ${L.p50} p90 ${L.p90} p99 ${L.p99} max ${L.max} ms | CPU % ${cpu}; machine ${s.machineCpuPct} | ` +
    `${s.sustained ? 'SUSTAINED' : 'not sustained'}`;
}

/** wrk's path, or null when it is not installed. */
function wrkPath() {
  try {
    return execFileSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

// wrk as the publish-only client: same workload (random users, the same body shape, one request per
// connection at a time, opts.inflight connections), for a fraction of the node publisher's CPU, which on
// two cores otherwise takes the api's share (the node publisher capped this step near 6,300/s).
function wrkScript(users, dir) {
  const paths = path.join(dir, 'push-paths.txt');
  fs.writeFileSync(paths, users.map((u) => u.push.path).join('\n') + '\n');
  const script = path.join(dir, 'publish.lua');
  fs.writeFileSync(script, `
local paths = {}
for line in io.lines("${paths}") do paths[#paths + 1] = line end
local headers = { ["Content-Type"] = "application/json" }
local n = 0
request = function()
  n = n + 1
  local u = math.random(#paths)
  return wrk.format("POST", paths[u], headers, '{"title":"bench","body":"800 ' .. n .. ' ' .. (u - 1) .. ' 0"}')
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %d %d %.1f %.1f\\n", summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write, summary.errors.timeout, summary.duration,
    0, latency:percentile(50), latency:percentile(99)))
end
`);
  return script;
}

async function publishOnlyWrk(wrk, users) {
  const groups = cpuGroups();
  const cpu0 = proc.cpuSample(groups);
  const children0 = proc.exitedChildrenCpuSeconds();
  const m0 = proc.machineCpu();
  const script = wrkScript(users, logDir);
  const origin = `http://${users[0].push.hostname}:${users[0].push.port}`;
  const out = await new Promise((resolve, reject) => {
    execFile(wrk, ['-t1', `-c${opts.inflight}`, `-d${opts.publishSeconds}s`, '--timeout', '10s', '-s', script, origin], { encoding: 'utf8' }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
  const m = /RESULT (\d+) (\d+) (\d+) (\d+) (\d+) \d+ ([\d.]+) ([\d.]+)/.exec(out);
  if (!m) throw new Error(`wrk printed no result:\n${out}`);
  const [requests, non2xx, socketErrors, timeouts, durationUs] = m.slice(1, 6).map(Number);
  const seconds = durationUs / 1e6;
  const ok = requests - non2xx;
  const result = {
    client: 'wrk',
    seconds: round(seconds, 2),
    inflight: opts.inflight,
    requests,
    ok,
    errors: non2xx + socketErrors + timeouts,
    errorSamples: non2xx ? { non2xx } : {},
    requestsPerSec: round(ok / seconds, 0),
    rttMs: { samples: requests, p50: round(Number(m[6]) / 1000, 3), p99: round(Number(m[7]) / 1000, 3) },
    cpuPct: proc.cpuPercent(cpu0, proc.cpuSample(groups), seconds),
  };
  // wrk ran as a child of this process: its CPU counts as the load generator's
  result.cpuPct.loadgen = round((result.cpuPct.loadgen ?? 0) + ((proc.exitedChildrenCpuSeconds() - children0) / seconds) * 100, 1);
  return withMachineCpu(result, m0);
}

// Adds the machine's CPU over the step (since the sample m0), its steal, and "other" = machine − listed processes.
function withMachineCpu(result, m0) {
  const m1 = proc.machineCpu();
  result.machineCpuPct = proc.machinePercent(m0, m1, NCPU);
  result.stealCpuPct = proc.stealPercent(m0, m1, NCPU);
  const listed = Object.values(result.cpuPct).reduce((a, b) => a + b, 0);
  result.otherCpuPct = result.machineCpuPct == null ? null : round(result.machineCpuPct - listed, 1);
  return result;
}

async function publishOnly(users, count) {
  const wrk = opts.publishClient === 'node' ? null : wrkPath();
  if (opts.publishClient === 'wrk' && wrk === null) throw new Error('--publish-client wrk: wrk is not installed (apt-get install -y wrk)');
  if (wrk !== null) return publishOnlyWrk(wrk, users);
  const groups = cpuGroups();
  const cpu0 = proc.cpuSample(groups);
  const m0 = proc.machineCpu();
  const rng = xorshift(opts.seed + 31);
  const r = await closedLoop({
    durationUs: opts.publishSeconds * 1e6,
    maxInflight: opts.inflight,
    send: (id, t) => {
      const u = rng() % count;
      return http.request('POST', users[u].push, publishBody(800, id, u, t), { keepBody: false }).then((x) => x.status);
    },
  });
  const seconds = (r.endUs - r.startUs) / 1e6;
  const out = {
    client: 'node',
    seconds: round(seconds, 2),
    inflight: opts.inflight,
    requests: r.sent,
    ok: r.ok,
    errors: r.err,
    errorSamples: r.errSamples,
    requestsPerSec: round(r.ok / seconds, 0),
    rttMs: latencySummary(r.rttUs),
    cpuPct: proc.cpuPercent(cpu0, proc.cpuSample(groups), seconds),
  };
  return withMachineCpu(out, m0);
}

async function idleRun(apiUrl, users, ports) {
  const n = opts.idleUsers;
  const port = await freePort();
  const gw = startApp('gateway-idle', 'gateway', {
    redisUrl: redis.url, keyPrefix: KEY_PREFIX, ports: { ...ports, gateway: port }, fake: opts.fake,
    logFile: path.join(logDir, 'gateway-idle.log'), extraEnv: appEnv, nodeArgs,
  });
  apps.push(gw);
  const startedAt = Date.now();
  await waitHealthy(gw);
  const address = `127.0.0.1:${port}`;
  log(`idle: fresh gateway pid ${gw.pid} on ${address}; creating users up to ${n} while it settles`);
  if (users.length < n) users.push(...(await createUsers(apiUrl, users.length, n - users.length)));
  const settleLeft = startedAt + opts.idlePreSettle * 1000 - Date.now();
  if (settleLeft > 0) await sleep(settleLeft);
  const rssBefore = { gateway: proc.rssBytes(gw.pid), redis: proc.rssBytes(redis.child.pid) };
  const baselineAfterStartSeconds = round((Date.now() - startedAt) / 1000, 1);
  const cpuBefore = proc.cpuSeconds(gw.pid);
  const baseChannels = await pubsubChannels();
  const nLoaders = opts.idleLoaders || Math.max(2, Math.ceil(n / MAX_SOCKETS_PER_LOADER));
  log(`idle: gateway RSS ${round(rssBefore.gateway / 2 ** 20, 1)} MB ${((Date.now() - startedAt) / 1000).toFixed(1)} s after start; connecting ${n} sockets from ${nLoaders} loaders`);
  const list = users.slice(0, n);
  const conn = await connectUsers(list, nLoaders, () => `ws://${address}/`, (n / opts.connectConcurrency + 4) * opts.connectTimeoutMs);
  const openSeconds = (conn.lastOpenUs - conn.t0) / 1e6;
  log(`idle: ${conn.connected.length}/${n} open and hello sent in ${openSeconds.toFixed(2)} s` +
    (conn.failed ? ` (failed ${conn.failed}: ${JSON.stringify(conn.errors)})` : ''));
  const ready = await waitRoutable(conn.connected.length, baseChannels, [address], 30_000 + n * 5);
  const authSeconds = ready.signal ? (ready.atUs - conn.t0) / 1e6 : null;
  const cpuConnect = proc.cpuSeconds(gw.pid) - cpuBefore;
  log(ready.signal
    ? `idle: all ${conn.connected.length} authenticated and subscribed after ${authSeconds.toFixed(2)} s (${ready.signal}): ${Math.round(conn.connected.length / authSeconds)}/s`
    : `idle: only ${ready.channels} channels / ${ready.registry} registry connections of ${conn.connected.length} after the wait`);

  // hold, sampling RSS every second; the last sample counts
  let rssAfter = rssBefore;
  for (let s = 0; s < Math.max(1, Math.round(opts.idleHold)); s++) {
    await sleep(1000);
    rssAfter = { gateway: proc.rssBytes(gw.pid), redis: proc.rssBytes(redis.child.pid) };
  }
  const counts = await Promise.all(loaders.map((l) => l.call('count')));
  const stillOpen = counts.reduce((s, c) => s + c.open, 0);
  const held = conn.connected.length;
  log(`idle: gateway RSS ${round(rssBefore.gateway / 2 ** 20, 1)} -> ${round(rssAfter.gateway / 2 ** 20, 1)} MB = ${Math.round((rssAfter.gateway - rssBefore.gateway) / held)} B/socket; still open ${stillOpen}`);

  // probe: one message to every held socket, to show they are all live (after the RSS sample)
  const maxIndex = list[list.length - 1].i + 1;
  await Promise.all(loaders.map((l) => l.call('step', { step: PROBE_STEP, total: maxIndex })));
  const byIndex = new Map(list.map((u) => [u.i, u]));
  const probe = await closedLoop({
    total: conn.connected.length,
    maxInflight: opts.inflight,
    send: (k, t) => {
      const i = conn.connected[k];
      return http.request('POST', byIndex.get(i).push, publishBody(PROBE_STEP, i, i, t), { keepBody: false }).then((x) => x.status);
    },
  });
  const probeUntil = Date.now() + 10_000 + n;
  let delivered = 0;
  while (Date.now() < probeUntil && (delivered = await receivedSoFar()) < probe.ok) await sleep(50);
  const probeSeconds = (nowUs() - probe.startUs) / 1e6;
  log(`idle: probe delivered ${delivered}/${held} (${probe.err} publish errors) in ${probeSeconds.toFixed(2)} s`);
  const stats = await Promise.all(loaders.map((l) => l.call('stats', {}, 30_000)));
  const closeCodes = {};
  for (const s of stats) for (const [code, v] of Object.entries(s.closeCodes)) closeCodes[code] = (closeCodes[code] ?? 0) + v;
  const loaderRss = stats.map((s) => round(s.rssBytes / 2 ** 20, 1));
  await Promise.allSettled(conn.loaders.map((l) => l.stop()));
  loaders = loaders.filter((l) => !conn.loaders.includes(l));

  return {
    requested: n,
    connected: held,
    connectFailed: conn.failed,
    connectErrors: conn.errors,
    loaders: nLoaders,
    gatewayAddress: address,
    baselineAfterStartSeconds,
    holdSeconds: opts.idleHold,
    openSeconds: round(openSeconds, 3),
    openPerSec: round(held / openSeconds, 0),
    readySignal: ready.signal,
    authSeconds: round(authSeconds, 3),
    connectPerSec: authSeconds ? round(held / authSeconds, 0) : null,
    gatewayCpuPerConnectUs: round((cpuConnect / held) * 1e6, 1),
    gatewayRssBeforeMB: round(rssBefore.gateway / 2 ** 20, 1),
    gatewayRssAfterMB: round(rssAfter.gateway / 2 ** 20, 1),
    bytesPerSocket: Math.round((rssAfter.gateway - rssBefore.gateway) / held),
    redisBytesPerSocket: Math.round((rssAfter.redis - rssBefore.redis) / held),
    stillOpen,
    closeCodes,
    probe: { delivered, of: held, publishErrors: probe.err, seconds: round(probeSeconds, 2) },
    loaderRssMB: loaderRss,
  };
}

let result = null;
async function main() {
  result = {
    kind: quick ? 'quick' : 'full',
    startedAt: new Date().toISOString(),
    command: `node bench/run.mjs ${process.argv.slice(2).join(' ')}`.trim(),
    options: { ...opts, rates, out: undefined },
    machine: machineInfo(),
  };
  const budget = Math.ceil(120 + opts.users / 100 + opts.users / 200 + opts.warmupSeconds * 1.5 + opts.drain + 10 +
    rates.length * (opts.seconds * 1.5 + 5 + opts.drain + 15) + opts.publishSeconds + 30 +
    (opts.idleUsers > 0 ? opts.idlePreSettle + opts.idleHold + opts.idleUsers / 50 + 90 : 0));
  const watchdog = setTimeout(() => {
    log(`watchdog: the run took longer than ${budget} s; stopping`);
    failed = true;
    cleanup().finally(() => process.exit(3));
  }, budget * 1000);
  watchdog.unref();
  log(`${result.kind} run: users ${opts.users}, rates ${rates.join(',')} msgs/s x ${opts.seconds} s, idle sockets ${opts.idleUsers}` +
    `${opts.fake ? ', FAKE stack (bench/test-fake.mjs)' : ''}; watchdog ${budget} s`);

  redis = await startRedis(path.join(tmpDir, 'redis'), { logFile: path.join(logDir, 'redis.log') });
  result.machine.redis = redis.version;
  rc = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  const ports = { api: await freePort(), monitor: await freePort() };
  const gatewayPorts = [];
  for (let k = 0; k < opts.gateways; k++) gatewayPorts.push(await freePort());
  const apiUrl = `http://127.0.0.1:${ports.api}`;
  const stack = await startStack({
    redisUrl: redis.url, keyPrefix: KEY_PREFIX, apiPort: ports.api, gatewayPorts, monitorPort: ports.monitor,
    fake: opts.fake, logDir, extraEnv: { PUBLIC_URL: apiUrl, ...appEnv }, nodeArgs,
  });
  apps = stack.all;
  log(`stack up: redis ${redis.version} pid ${redis.child.pid} ${redis.url}; ${apps.map((c) => `${c.name} pid ${c.pid} :${c.port}`).join(', ')}`);
  result.stack = { redis: { pid: redis.child.pid, url: redis.url }, apps: apps.map((c) => ({ name: c.name, pid: c.pid, port: c.port })) };

  // users
  const t0 = Date.now();
  const users = await createUsers(apiUrl, 0, opts.users);
  result.setup = { users: users.length, seconds: round((Date.now() - t0) / 1000, 2), usersPerSec: round(users.length / ((Date.now() - t0) / 1000), 0) };
  log(`created ${users.length} users (token + push URL) in ${result.setup.seconds} s`);

  // sockets, round-robin over the nodes GET /nodes/ lists
  const nodes = (await http.requestJson('GET', `${apiUrl}/nodes/`)).nodes;
  const baseChannels = await pubsubChannels();
  const nLoaders = opts.loaders || Math.max(2, Math.ceil(opts.users / MAX_SOCKETS_PER_LOADER));
  const conn = await connectUsers(users, nLoaders, (u) => `ws://${nodes[u.i % nodes.length]}/`, (opts.users / opts.connectConcurrency + 4) * opts.connectTimeoutMs);
  if (conn.connected.length === 0) throw new Error(`no socket connected: ${JSON.stringify(conn.errors)}`);
  const ready = await waitRoutable(conn.connected.length, baseChannels, nodes, 30_000 + opts.users * 5);
  result.load = {
    nodes,
    loaders: nLoaders,
    connected: conn.connected.length,
    connectFailed: conn.failed,
    connectErrors: conn.errors,
    openSeconds: round((conn.lastOpenUs - conn.t0) / 1e6, 3),
    readySignal: ready.signal,
    readySeconds: ready.signal ? round((ready.atUs - conn.t0) / 1e6, 3) : null,
    steps: [],
  };
  log(`connected ${conn.connected.length}/${opts.users} sockets over ${nodes.length} nodes from ${nLoaders} loaders` +
    (conn.failed ? ` (failed ${conn.failed}: ${JSON.stringify(conn.errors)})` : '') +
    (ready.signal ? `; all routable after ${result.load.readySeconds} s (${ready.signal})` : `; NOT all routable: ${ready.channels} channels, registry ${ready.registry}`));
  await sleep(opts.settleMs);
  if (opts.gatewayCpuQuota > 0) {
    // capped once every socket is connected and routable: the cap is for the rate steps, and a starved
    // gateway would take minutes to connect thousands of sockets
    for (const g of stack.gateways) cpuCaps.push({ name: g.name, ...capCpu(g.pid, opts.gatewayCpuQuota, g.name) });
    result.gatewayCpuQuotaPct = opts.gatewayCpuQuota;
    log(`gateways capped at ${opts.gatewayCpuQuota} % of a core each (${cpuCaps.map((c) => c.dir).join(', ')})`);
  }
  if (opts.warmupSeconds > 0) {
    result.load.warmup = await warmup(apiUrl, users, conn.connected);
    const w = result.load.warmup;
    log(`warm-up: ${w.rate}/s for ${w.seconds} s: published ${w.published}, received ${w.received}, lost ${w.lost}; ` +
      `p50 ${w.latencyMs.p50} p99 ${w.latencyMs.p99} max ${w.latencyMs.max} ms, publish rtt max ${w.publishRttMaxMs} ms`);
    await sleep(1000);
  }

  for (let s = 0; s < rates.length; s++) {
    log(`step ${s + 1}/${rates.length}: ${rates[s]} msgs/s for ${opts.seconds} s`);
    const step = await runStep(s, rates[s], users, conn.connected);
    result.load.steps.push(step);
    log(stepLine(step));
    if (!step.sustained && opts.stopOnFail) {
      log('not sustained: skipping higher rates (--stop-on-fail)');
      break;
    }
    if (s + 1 < rates.length) await sleep(1000);
  }
  const ok = result.load.steps.filter((x) => x.sustained);
  result.load.maxSustainedRate = ok.length ? Math.max(...ok.map((x) => x.rate)) : 0;
  result.load.maxSustainedDeliveredPerSec = ok.length ? Math.max(...ok.map((x) => x.deliveredPerSec)) : 0;
  await Promise.allSettled(loaders.map((l) => l.stop()));
  loaders = [];

  if (opts.publishSeconds > 0) {
    const gone = await pollUntil(async () => (await pubsubChannels()) <= baseChannels, { timeoutMs: 10_000, intervalMs: 50 });
    if (!gone) log(`publish-only: subscriptions still open 10 s after the sockets closed (${await pubsubChannels()} channels)`);
    log(`publish-only: closed loop, ${opts.inflight} in flight, ${opts.publishSeconds} s, no sockets`);
    result.publishOnly = await publishOnly(users, opts.users);
    result.publishOnly.channelsAtStart = await pubsubChannels();
    const p = result.publishOnly;
    log(`publish-only: ${p.requestsPerSec} requests/s (${p.ok} ok, ${p.errors} errors), rtt p50 ${p.rttMs.p50} p99 ${p.rttMs.p99} ms; CPU % ${Object.entries(p.cpuPct).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }

  if (opts.idleUsers > 0) {
    log('idle: stopping the load gateways');
    for (const g of stack.gateways) await g.stop();
    apps = apps.filter((c) => c.alive);
    result.idle = await idleRun(apiUrl, users, ports);
  }
  result.machine.loadavgEnd = os.loadavg().map((x) => round(x, 2));
  result.finishedAt = new Date().toISOString();
  clearTimeout(watchdog);
}

function stamp(d) {
  const p = (x) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

let exitCode = 0;
try {
  await main();
} catch (err) {
  failed = true;
  exitCode = 1;
  log(`error: ${err?.stack || err}`);
  if (result) result.error = String(err?.message || err);
} finally {
  await cleanup();
}
// a failed run still leaves what it measured (with "error" set), unless it failed before measuring
if (result && (!result.error || result.load?.steps?.length)) {
  const outDir = path.resolve(opts.out);
  fs.mkdirSync(outDir, { recursive: true });
  const base = path.join(outDir, stamp(new Date(result.startedAt)));
  fs.writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
  fs.writeFileSync(`${base}.md`, renderMarkdown(result, path.basename(base)));
  const runs = [...loadPreviousRuns(outDir, result, 4), { ...result, file: path.basename(base) }];
  fs.writeFileSync(`${base}.svg`, renderSvg(runs));
  process.stdout.write(renderMarkdown(result, path.basename(base)));
  log(`results: ${path.relative(process.cwd(), base)}.{json,md,svg}`);
}
if (opts.check && exitCode === 0) {
  const problems = correctnessProblems(result);
  if (problems.length) {
    log(`check failed: ${problems.join('; ')}`);
    exitCode = 4;
  } else log('check passed: every message delivered exactly once to its own socket, every socket held');
}
process.exit(exitCode);

// What --check fails on: delivery and connection correctness only (not rates, not latency).
function correctnessProblems(r) {
  const out = [];
  const L = r.load;
  if (L.connectFailed) out.push(`${L.connectFailed} sockets failed to connect`);
  for (const s of L.steps) {
    for (const k of ['lost', 'dup', 'misrouted', 'publishErrors', 'socketsClosed', 'deliveredDespiteError']) {
      if (s[k]) out.push(`${s.rate}/s: ${k} ${s[k]}`);
    }
  }
  if (r.publishOnly?.errors) out.push(`publish-only: ${r.publishOnly.errors} errors`);
  const i = r.idle;
  if (i) {
    if (i.connectFailed) out.push(`idle: ${i.connectFailed} sockets failed to connect`);
    if (i.stillOpen < i.connected) out.push(`idle: ${i.connected - i.stillOpen} sockets closed while idle`);
    if (i.probe.delivered < i.connected) out.push(`idle: probe reached ${i.probe.delivered} of ${i.connected} sockets`);
  }
  return out;
}
