import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { waitFor } from './wait-for';

/** Root of the repository (libs/testing/src → ../../..). */
export const REPO_ROOT = join(__dirname, '..', '..', '..');

export type AppName = 'api' | 'gateway' | 'monitor';

/** A port the OS says is free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** One app started as its own process from the build (`node dist/apps/<app>/main.js`). */
export class AppProcess {
  private output = '';
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly exited: Promise<void>;

  constructor(
    readonly app: AppName,
    readonly port: number,
    readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString()).slice(-200_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve();
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** http://127.0.0.1:<port> */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** What the process printed (last 200 kB), for failure messages. */
  get logs(): string {
    return this.output;
  }

  get exit(): { code: number | null; signal: NodeJS.Signals | null } | null {
    return this.exitInfo;
  }

  /** Sends a signal to this process (by PID). */
  signal(sig: NodeJS.Signals): void {
    if (this.exitInfo === null) this.child.kill(sig);
  }

  /** Resolves when the process has exited, or rejects after `timeoutMs`. */
  async waitExit(timeoutMs = 15_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.app} (pid ${this.pid}) did not exit within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.exitInfo !== null) return;
    this.signal('SIGTERM');
    try {
      await this.waitExit(graceMs);
    } catch {
      this.signal('SIGKILL');
      await this.waitExit(5_000);
    }
  }
}

/** Options of startApp. */
export interface StartOptions {
  /** Environment of the process on top of PATH/HOME; KEY_PREFIX and REDIS_URL at least. */
  readonly env: Record<string, string>;
  /** Port to listen on; a free one when absent. */
  readonly port?: number;
  /** How long to wait for GET /healthz to answer 200. */
  readonly readyTimeoutMs?: number;
}

const PORT_VAR: Record<AppName, string> = { api: 'API_PORT', gateway: 'GATEWAY_PORT', monitor: 'MONITOR_PORT' };

/** Starts `node dist/apps/<app>/main.js` (run `npm run build` first) and waits until /healthz answers. */
export async function startApp(app: AppName, options: StartOptions): Promise<AppProcess> {
  const main = join(REPO_ROOT, 'dist', 'apps', app, 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` before the e2e tests`);
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, [main], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ...options.env,
      [PORT_VAR[app]]: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = new AppProcess(app, port, child);
  try {
    await waitFor(
      async () => {
        if (proc.exit) throw new Error(`${app} exited early (${JSON.stringify(proc.exit)}):\n${proc.logs}`);
        const res = await fetch(`${proc.url}/healthz`).catch(() => null);
        return res?.status === 200;
      },
      options.readyTimeoutMs ?? 20_000,
      `${app} /healthz on port ${port}`,
      50,
    );
  } catch (err) {
    proc.signal('SIGKILL');
    throw new Error(`${String(err)}\n--- ${app} output ---\n${proc.logs}`, { cause: err });
  }
  return proc;
}

/** Starts `apps` at once (startApp, the same options); if one fails, stops those that started and throws its error. */
export async function startApps(apps: readonly AppName[], options: StartOptions): Promise<AppProcess[]> {
  const started = await Promise.allSettled(apps.map((app) => startApp(app, options)));
  const running = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(running.map((p) => p.stop()));
    throw failed.reason;
  }
  return running;
}
