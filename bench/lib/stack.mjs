// Starting and stopping the processes under test: a private redis-server and Push's apps from the
// build. Everything started here is remembered by PID and stopped by PID (never by name).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import * as http from './http.mjs';
import { pollUntil } from './util.mjs';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FAKE = path.join(REPO_ROOT, 'bench', 'test-fake.mjs');

// Every child process this module started and has not seen exit.
const running = new Set();

// A free TCP port on 127.0.0.1 (the OS picks it; a small race with other programs remains,
// so starters check that the process they started is the one answering).
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Resolves when nothing listens on 127.0.0.1:port; rejects with a clear error otherwise (so that a
// stranger answering /healthz on "our" port is never mistaken for the process we started).
export function assertPortFree(port) {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', (err) => reject(new Error(`port ${port} is already in use (${err.code}): not starting there`)));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve()));
  });
}

/** One started process: its PID, exit state and the tail of its output (also written to logFile). */
export class Child {
  constructor(name, cmd, args, { env, logFile, inherit = false }) {
    this.name = name;
    this.tail = '';
    this.exitInfo = null;
    this.child = spawn(cmd, args, { env, stdio: ['ignore', inherit ? 'inherit' : 'pipe', inherit ? 'inherit' : 'pipe'] });
    this.pid = this.child.pid;
    running.add(this);
    const out = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : null;
    const keep = (chunk) => {
      this.tail = (this.tail + chunk.toString()).slice(-20_000);
      out?.write(chunk);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        running.delete(this);
        out?.end();
        resolve(this.exitInfo);
      });
      this.child.on('error', (err) => {
        this.exitInfo = { code: null, signal: null, error: String(err) };
        running.delete(this);
        resolve(this.exitInfo);
      });
    });
  }

  get alive() {
    return this.exitInfo === null;
  }

  // SIGTERM, then SIGKILL after graceMs; resolves once the process is gone.
  async stop(graceMs = 10_000) {
    if (!this.alive) return this.exitInfo;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (this.alive) {
        process.stderr.write(`[bench] ${this.name} (pid ${this.pid}) ignored SIGTERM for ${graceMs} ms: SIGKILL\n`);
        this.child.kill('SIGKILL');
      }
    }, graceMs);
    const info = await this.exited;
    clearTimeout(timer);
    return info;
  }
}

// Last resort on process exit: SIGKILL whatever we started and is still running (synchronous).
export function killAllSync() {
  for (const c of running) {
    try {
      c.child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Starts `redis-server` on a free port with no persistence, in `dir`; resolves { child, url, port, version }. */
export async function startRedis(dir, { logFile } = {}) {
  fs.mkdirSync(dir, { recursive: true });
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const child = new Child('redis', 'redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--dir', dir, '--protected-mode', 'yes', '--loglevel', 'warning',
    ], { env: process.env, logFile });
    const url = `redis://127.0.0.1:${port}`;
    // the server that answers must be the one we started (pid check), not a stranger on that port
    const info = await pollUntil(async () => {
      if (!child.alive) return 'exited';
      const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
      r.on('error', () => {}); // not up yet: the poll tries again
      try {
        await r.connect();
        const text = await r.info('server');
        return /process_id:(\d+)/.exec(text)?.[1] === String(child.pid) ? text : 'other';
      } catch {
        return null;
      } finally {
        r.disconnect();
      }
    }, { timeoutMs: 5000, intervalMs: 50 });
    if (info && info !== 'exited' && info !== 'other') {
      return { child, url, port, version: /redis_version:(\S+)/.exec(info)?.[1] ?? null };
    }
    await child.stop(2000);
    if (attempt === 3) throw new Error(`redis-server did not start (last output: ${child.tail.slice(-500)})`);
  }
  throw new Error('unreachable');
}

export const APPS = ['api', 'gateway', 'monitor'];

// Path of an app's build output; throws a clear error when it is missing.
export function appMain(app) {
  const main = path.join(REPO_ROOT, 'dist', 'apps', app, 'main.js');
  if (!fs.existsSync(main)) {
    throw new Error(`${path.relative(process.cwd(), main) || main} is missing: run \`npm run build\` first (or \`npx nest build ${app}\`)`);
  }
  return main;
}

export function checkBuild() {
  for (const app of APPS) appMain(app);
}

/**
 * Starts one app from the build (or from bench/test-fake.mjs when `fake`) with Push's env variables.
 * `ports` = { api, gateway, monitor } (the app uses its own; the others are passed for completeness).
 */
/**
 * The abuse limits the benchmark turns off: it publishes thousands a second from one address, to push
 * URLs at well over their steady rate, and opens ~10k sockets from a few loopback addresses; with the
 * limits on it would measure 429s. `--app-env` can still set any of them.
 */
export const BENCH_LIMITS_OFF = {
  PUBLISH_BURST_PER_PUSH_URL: '0',
  PUBLISH_BURST_PER_IP: '0',
  FAILED_ATTEMPTS_PER_IP: '0',
  MAX_SOCKETS_PER_IP: '0',
};

export function startApp(name, app, { redisUrl, keyPrefix, ports, fake = false, logFile, extraEnv = {}, inherit = false, nodeArgs = [] }) {
  const env = {
    ...process.env,
    ...BENCH_LIMITS_OFF,
    REDIS_URL: redisUrl,
    KEY_PREFIX: keyPrefix,
    API_PORT: String(ports.api),
    MONITOR_PORT: String(ports.monitor),
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.LOG_LEVEL || 'warn',
    ...extraEnv,
  };
  if (ports.gateway !== undefined) {
    env.GATEWAY_PORT = String(ports.gateway);
    env.GATEWAY_PUBLIC_ADDRESS = `127.0.0.1:${ports.gateway}`;
  }
  const args = fake ? [...nodeArgs, FAKE, '--role', app] : [...nodeArgs, appMain(app)];
  const child = new Child(name, process.execPath, args, { env, logFile, inherit });
  child.app = app;
  child.port = app === 'api' ? ports.api : app === 'gateway' ? ports.gateway : ports.monitor;
  child.url = `http://127.0.0.1:${child.port}`;
  return child;
}

// Waits until GET <child.url>/healthz answers 200; fails early when the process exits.
export async function waitHealthy(child, timeoutMs = 30_000) {
  const ok = await pollUntil(async () => !child.alive || (await http.probe(`${child.url}/healthz`)) === 200, { timeoutMs, intervalMs: 100 });
  if (!child.alive) throw new Error(`${child.name} exited (${JSON.stringify(child.exitInfo)}) before it was healthy; its output:\n${child.tail.slice(-3000)}`);
  if (!ok) throw new Error(`${child.name} did not answer 200 on ${child.url}/healthz within ${timeoutMs} ms; its output:\n${child.tail.slice(-3000)}`);
}

// Waits until GET /nodes/ of the api lists every address in `addresses`; returns the list.
export async function waitNodes(apiUrl, addresses, timeoutMs = 30_000) {
  let last = null;
  const ok = await pollUntil(async () => {
    try {
      last = await http.requestJson('GET', `${apiUrl}/nodes/`);
      const nodes = Array.isArray(last?.nodes) ? last.nodes : [];
      return addresses.every((a) => nodes.includes(a)) ? nodes : null;
    } catch (err) {
      last = String(err.message);
      return null;
    }
  }, { timeoutMs, intervalMs: 200 });
  if (!ok) throw new Error(`GET ${apiUrl}/nodes/ did not list ${addresses.join(', ')} within ${timeoutMs} ms (last answer: ${JSON.stringify(last)})`);
  return ok;
}

/**
 * The whole stack: one api, `gateways` gateway nodes, one monitor, against `redisUrl`.
 * Resolves { api, gateways: [...], monitor, all } once every /healthz answers and GET /nodes/ lists
 * every gateway. On failure it stops what it started and rethrows.
 */
export async function startStack({ redisUrl, keyPrefix, apiPort, gatewayPorts, monitorPort, fake = false, logDir, extraEnv, inherit = false, nodeArgs = [] }) {
  const ports = { api: apiPort, monitor: monitorPort };
  const logFile = (name) => (logDir ? path.join(logDir, `${name}.log`) : undefined);
  const common = { redisUrl, keyPrefix, fake, extraEnv, inherit, nodeArgs };
  const started = [];
  const addresses = gatewayPorts.map((p) => `127.0.0.1:${p}`);
  for (const p of [apiPort, ...gatewayPorts, monitorPort]) await assertPortFree(p);
  try {
    // gateways and monitor first, the api last: whoever waits for the api's GET /nodes/ to answer
    // (e.g. the side-by-side harness) then finds the gateways registered
    const gateways = gatewayPorts.map((port, k) => {
      const g = startApp(`gateway-${k + 1}`, 'gateway', { ...common, ports: { ...ports, gateway: port }, logFile: logFile(`gateway-${k + 1}`) });
      started.push(g);
      return g;
    });
    const monitor = startApp('monitor', 'monitor', { ...common, ports, logFile: logFile('monitor') });
    started.push(monitor);
    await Promise.all([...gateways, monitor].map((c) => waitHealthy(c)));
    await waitRegistered(redisUrl, keyPrefix, addresses);
    const api = startApp('api', 'api', { ...common, ports, logFile: logFile('api') });
    started.push(api);
    await waitHealthy(api);
    const nodes = await waitNodes(api.url, addresses);
    return { api, gateways, monitor, all: started, nodes };
  } catch (err) {
    await stopAll(started);
    throw err;
  }
}

// Waits until the node registry hash in Redis holds every address (gateways register at start).
async function waitRegistered(redisUrl, keyPrefix, addresses, timeoutMs = 30_000) {
  const r = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let seen = [];
    const ok = await pollUntil(async () => {
      seen = Object.values(await r.hgetall(`${keyPrefix}nodes`)).map((j) => {
        try {
          return JSON.parse(j).address;
        } catch {
          return null; // not a record we can read: not one of ours
        }
      });
      return addresses.every((a) => seen.includes(a));
    }, { timeoutMs, intervalMs: 100 });
    if (!ok) throw new Error(`the gateways did not register in ${keyPrefix}nodes within ${timeoutMs} ms (seen: ${JSON.stringify(seen)})`);
  } finally {
    r.disconnect();
  }
}

// Stops children all at once (each SIGTERM, then SIGKILL after its grace time).
export async function stopAll(children) {
  await Promise.all([...children].reverse().map((c) => c.stop()));
}

