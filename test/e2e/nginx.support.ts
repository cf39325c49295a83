/**
 * Runs Debian's nginx with the repository's own deploy/nginx/nginx.conf in front of processes on this
 * machine. nginx.conf is copied unchanged; only the files it includes for one setup are generated:
 * upstreams.conf (upstreams.compose.conf with each compose service's `server` line replaced by one line
 * per local process, keeping its parameters), listen.conf (a free loopback port) and push.d/ (temp paths
 * inside the run's own directory).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort, REPO_ROOT, waitFor } from '@push/testing';

/** deploy/nginx in the repository. */
export const NGINX_DIR = join(REPO_ROOT, 'deploy', 'nginx');

/** The nginx binary on PATH (or in /usr/sbin, where Debian puts it), or null when nginx is not installed. */
export function findNginx(): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    const candidate = join(dir, 'nginx');
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  return null;
}

/**
 * upstreams.compose.conf with the `server <service>:<port> <params>;` line of each named service replaced
 * by one line per local port. Throws when a service has no such line, so a renamed service in the compose
 * file cannot silently leave the test pointing nowhere.
 */
export function localUpstreams(composeUpstreams: string, ports: Readonly<Record<string, readonly number[]>>): string {
  let out = composeUpstreams;
  for (const [service, servicePorts] of Object.entries(ports)) {
    const line = new RegExp(`^([ \\t]*)server[ \\t]+${service}:\\d+([^;\\n]*);[ \\t]*$`, 'm');
    if (!line.test(out)) throw new Error(`upstreams.compose.conf has no "server ${service}:<port> ...;" line`);
    out = out.replace(line, (_m, indent: string, params: string) => servicePorts.map((p) => `${indent}server 127.0.0.1:${p}${params};`).join('\n'));
  }
  return out;
}

/** A running nginx (master process started by the test) and its access log. */
export class NginxProcess {
  private stderr = '';
  private exitCode: number | null | undefined;
  private readonly exited: Promise<void>;

  constructor(
    readonly port: number,
    readonly dir: string,
    private readonly child: ChildProcess,
  ) {
    child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => child.on('exit', (code) => {
      this.exitCode = code;
      resolve();
    }));
  }

  /** `127.0.0.1:<port>`, what GET /nodes/ should answer. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** http://127.0.0.1:<port> */
  get url(): string {
    return `http://${this.address}`;
  }

  /** Access log lines so far (nginx.conf logs to /dev/stdout, here a file of the run's directory). */
  get accessLog(): string[] {
    return readFileSync(join(this.dir, 'stdout.log'), 'utf8').split('\n').filter((l) => l.length > 0);
  }

  /** nginx's error log (stderr). */
  get errorLog(): string {
    return this.stderr;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Fast shutdown (SIGTERM to the master, by PID), then removes the run's directory. */
  async stop(): Promise<void> {
    if (this.running) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Starts nginx with deploy/nginx/nginx.conf in front of local api and gateway processes, once it answers. */
export async function startNginx(nginx: string, upstreams: { api: readonly number[]; gateway: readonly number[] }, port?: number): Promise<NginxProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'push-nginx-'));
  const listenPort = port ?? (await freePort());
  copyFileSync(join(NGINX_DIR, 'nginx.conf'), join(dir, 'nginx.conf'));
  writeFileSync(join(dir, 'upstreams.conf'), localUpstreams(readFileSync(join(NGINX_DIR, 'upstreams.compose.conf'), 'utf8'), upstreams));
  writeFileSync(join(dir, 'listen.conf'), `listen 127.0.0.1:${listenPort};\n`);
  mkdirSync(join(dir, 'push.d'));
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `${k}_temp_path ${join(dir, `${k}_temp`)};`);
  writeFileSync(join(dir, 'push.d', 'temp-paths.conf'), `${temp.join('\n')}\n`);
  // as root the workers would run as nobody, who cannot enter this 0700 directory
  const user = process.getuid?.() === 0 ? ' user root;' : '';
  // stdout is a file, not a pipe: nginx open()s /dev/stdout, which fails on a socket
  const stdout = openSync(join(dir, 'stdout.log'), 'a');
  const child = spawn(nginx, ['-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-e', 'stderr', '-g', `daemon off; pid ${join(dir, 'nginx.pid')};${user}`], {
    stdio: ['ignore', stdout, 'pipe'],
  });
  closeSync(stdout);
  const proc = new NginxProcess(listenPort, dir, child);
  try {
    await waitFor(
      async () => {
        if (!proc.running) throw new Error(`nginx exited:\n${proc.errorLog}`);
        const res = await fetch(`${proc.url}/healthz`).catch(() => null);
        return res?.status === 200;
      },
      10_000,
      `nginx on port ${listenPort} proxying /healthz`,
      50,
    );
  } catch (err) {
    await proc.stop();
    throw new Error(`${String(err)}\n--- nginx stderr ---\n${proc.errorLog}`, { cause: err });
  }
  return proc;
}
