import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './process-harness';
import { waitFor } from './wait-for';

/** One inline PING over a plain socket: the reply line, or why there was none. */
export function pingRedis(port: number, timeoutMs = 1_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const done = (answer: string): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done('timeout'));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.trim());
    });
    socket.on('error', (err) => done(err.message));
  });
}

/**
 * A redis-server of a test's own (never the shared one) on a free port, started and killed by its PID. A persistent one writes an append-only file with
 * `appendfsync always` in its temp dir, so after `kill -9` and start() it has every acknowledged write;
 * the others keep nothing on disk.
 */
export class TestRedisServer {
  private child: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    readonly dir: string,
    readonly persistent: boolean,
    /** More redis-server options (e.g. cluster mode), after the ones above. */
    private readonly extraArgs: readonly string[],
  ) {}

  /** Starts a new server in a new temp dir. */
  static async start(persistent: boolean, extraArgs: readonly string[] = []): Promise<TestRedisServer> {
    const redis = new TestRedisServer(await freePort(), mkdtempSync(join(tmpdir(), 'push-test-redis-')), persistent, extraArgs);
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** PID of the running server, or -1. */
  get pid(): number {
    return this.child?.pid ?? -1;
  }

  /** (Re)starts the server on its port and AOF; resolves when it answers PONG (the AOF is loaded). */
  async start(): Promise<void> {
    if (this.child !== null) throw new Error('redis-server is already running');
    const persistence = this.persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--dir', this.dir, ...this.extraArgs];
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.child = child;
    child.once('exit', () => {
      if (this.child === child) this.child = null;
    });
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
        return (await pingRedis(this.port)) === '+PONG';
      },
      15_000,
      `redis-server on port ${this.port}`,
    );
  }

  /** `kill -9` of the server (by its PID); resolves once it has exited. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (child === null || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /** Kills the server and deletes its dir. */
  async destroy(): Promise<void> {
    await this.kill9();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** A connection of the test itself (the caller disconnects it). */
  async admin(): Promise<Redis> {
    const redis = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 2 });
    await redis.connect();
    return redis;
  }
}
