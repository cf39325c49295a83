/**
 * Helpers of the browser tests: Debian's chromium driven by playwright-core, the set of processes one
 * test file starts (api, two gateways, monitor) and a static file server for pages of another origin.
 */
import { AppProcess, freePort, REPO_ROOT, startApp, TEST_REDIS_URL, waitFor } from '@push/testing';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { Browser, chromium, Page, WebSocket as PageWebSocket } from 'playwright-core';

/** The browser the tests drive (`apt-get install chromium`); never a downloaded one. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** True when the browser tests can run here. */
export const HAS_CHROMIUM = existsSync(CHROMIUM_PATH);

/** `describe`, or `describe.skip` with the reason in the name when chromium is missing. */
export function describeWithChromium(name: string, fn: () => void): void {
  if (HAS_CHROMIUM) {
    describe(name, fn);
    return;
  }
  const reason = `skipped: ${CHROMIUM_PATH} is missing; install it with \`apt-get install chromium\``;
  // jest prints neither the names of a skipped file's tests nor its buffered console, so write directly
  process.stderr.write(`\n${name}: ${reason}\n`);
  describe.skip(`${name} (${reason})`, fn);
}

/** The SDK's browser bundle that /demo/push-client.js serves. */
export const SDK_BUNDLE = join(REPO_ROOT, 'libs', 'client', 'dist', 'browser', 'push-client.js');

/** Where tests write screenshots (gitignored). */
export const ARTIFACTS_DIR = join(REPO_ROOT, 'test-artifacts');

// quiet, offline and reproducible on a shared CI machine; playwright adds a fresh user-data-dir per launch
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/** Starts chromium; every `browser.newContext()` is a separate device (own storage, own sockets). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(SDK_BUNDLE)) throw new Error(`${SDK_BUNDLE} is missing: run \`npm run build\` (it runs build:client) first`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/** One api, two gateway nodes and a monitor on one Redis, under their own KEY_PREFIX. */
export interface Cluster {
  readonly api: AppProcess;
  readonly gateways: AppProcess[];
  readonly monitor: AppProcess;
  /** Stops every process still running. */
  stop(): Promise<void>;
}

/** Starts the cluster and waits until both gateways are listed in GET /nodes/. */
export async function startCluster(prefix: string): Promise<Cluster> {
  const env = {
    KEY_PREFIX: prefix,
    REDIS_URL: TEST_REDIS_URL,
    PUSH_URL_SECRET: 'browser-secret-browser-secret-browser-secret',
    // a killed node leaves /nodes/ within about two seconds
    MONITOR_PERIOD_MS: '1000',
    MONITOR_TIMEOUT_MS: '500',
  };
  const started = await Promise.allSettled([
    startApp('api', { env }),
    startApp('gateway', { env }),
    startApp('gateway', { env }),
    startApp('monitor', { env }),
  ]);
  const procs = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stop = async (): Promise<void> => {
    await Promise.all(procs.map((p) => p.stop()));
  };
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const [api, gw1, gw2, monitor] = procs;
  await waitFor(async () => (await nodesOf(api)).length === 2, 10_000, 'both gateways in /nodes/');
  return { api, gateways: [gw1, gw2], monitor, stop };
}

/** GET /nodes/ of the api. */
export async function nodesOf(api: AppProcess): Promise<string[]> {
  const res = await fetch(`${api.url}/nodes/`);
  return ((await res.json()) as { nodes: string[] }).nodes;
}

/** Publishes as a website does, with a form POST to the push URL (what `curl -d` sends); returns the stored key. */
export async function publishForm(pushUrl: string, fields: Record<string, string>): Promise<string> {
  const res = await fetch(pushUrl, { method: 'POST', body: new URLSearchParams(fields) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`publish answered ${res.status}: ${text}`);
  return (JSON.parse(text) as { key: string }).key;
}

/** Remembers the WebSockets a page opens, so a test knows which gateway a page is connected to. */
export class SocketLog {
  private readonly sockets: PageWebSocket[] = [];

  constructor(page: Page) {
    page.on('websocket', (ws) => this.sockets.push(ws));
  }

  /** Port of the newest socket that is still open, or null. */
  openPort(): number | null {
    const open = this.sockets.filter((ws) => !ws.isClosed());
    const last = open[open.length - 1];
    return last ? Number(new URL(last.url()).port) : null;
  }
}

/**
 * Collects what went wrong on a page: uncaught exceptions, console errors, and HTTP answers >= 400
 * with their URL (the browser's own favicon request aside). The array fills as the page runs.
 */
export function echoPageErrors(page: Page, name: string): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`${name}: ${err.message}`));
  page.on('console', (msg) => {
    // chromium's "Failed to load resource" line has no URL; the response listener below reports those
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) errors.push(`${name} console: ${msg.text()}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400 && new URL(res.url()).pathname !== '/favicon.ico') errors.push(`${name}: ${res.status()} from ${res.url()}`);
  });
  return errors;
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

/** Serves the files of `dir` on a free port of 127.0.0.1: a web page of another origin than the api. */
export async function serveDirectory(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = join(dir, path.endsWith('/') ? `${path}index.html` : path);
    readFile(file).then(
      (data) => {
        res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
        res.end(data);
      },
      () => {
        res.writeHead(404).end();
      },
    );
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
