import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { Redis } from 'ioredis';
import { laneTarget, RespError, Script, ScriptLane } from '@push/redis';
import { TestRedisServer, waitFor } from '@push/testing';

// The publish script's own connection against a redis-server of this file's own (it flushes scripts,
// sets a password, stops and restarts the server), and against a stand-in server that answers in
// fragments. The message store's contract runs through the lane in redis-adapters.spec.ts.

const ECHO = new Script("return {KEYS[1], ARGV[1], redis.call('INCR', KEYS[1])}", 1);
const lanes: ScriptLane[] = [];

function laneFor(url: string, timeoutMs = 2_000): ScriptLane {
  const target = laneTarget(url);
  if (target === null) throw new Error(`no lane for ${url}`);
  const lane = new ScriptLane(target, 'push-lane-test', timeoutMs);
  lanes.push(lane);
  return lane;
}

afterEach(() => {
  for (const lane of lanes.splice(0)) lane.close();
});

/** Resolves once the lane runs a command again (it reconnects by itself). */
async function reconnected(lane: ScriptLane, key: string): Promise<void> {
  await waitFor(async () => (await lane.run(ECHO, [key, 'back']).catch(() => null)) !== null, 10_000, 'the lane to reconnect');
}

describe('laneTarget', () => {
  it('reads host, port, credentials and database from REDIS_URL, and has none for a cluster', () => {
    expect(laneTarget('redis://127.0.0.1:6390')).toEqual({ host: '127.0.0.1', port: 6390, tls: false, username: null, password: null, db: 0 });
    expect(laneTarget('rediss://app:p%40ss@redis.internal/4')).toEqual({ host: 'redis.internal', port: 6379, tls: true, username: 'app', password: 'p@ss', db: 4 });
    expect(laneTarget('redis://:secret@[::1]:7000')).toMatchObject({ host: '::1', port: 7000, username: null, password: 'secret' });
    expect(laneTarget('redis://a:7000,redis://b:7001')).toBeNull();
  });
});

describe('ScriptLane against a redis-server of its own', () => {
  let server: TestRedisServer;
  let admin: Redis;

  beforeAll(async () => {
    server = await TestRedisServer.start(false);
    admin = await server.admin();
  });

  afterAll(async () => {
    admin.disconnect();
    await server.destroy();
  });

  /** A lane whose command timed out while the server was stopped (SIGSTOP); `during` runs before it is continued. */
  async function timedOutWhileStopped(timeoutMs: number, key: string, during: (lane: ScriptLane) => Promise<void>): Promise<ScriptLane> {
    const lane = laneFor(server.url, timeoutMs);
    await lane.run(ECHO, [key, 'x']);
    process.kill(server.pid, 'SIGSTOP');
    try {
      await expect(lane.run(ECHO, [key, 'late'])).rejects.toThrow('Command timed out');
      await during(lane);
    } finally {
      process.kill(server.pid, 'SIGCONT');
    }
    return lane;
  }

  it('runs a script by its SHA-1, loading it once when Redis does not know it (NOSCRIPT)', async () => {
    const lane = laneFor(server.url);
    await admin.script('FLUSH');
    expect(await lane.run(ECHO, ['lane:a', 'x'])).toEqual(['lane:a', 'x', 1]);
    expect(await lane.run(ECHO, ['lane:a', 'y'])).toEqual(['lane:a', 'y', 2]);
    await admin.script('FLUSH');
    // every command of the turn was sent by SHA-1 before Redis knew the script: each is sent again in full, in order
    const replies = await Promise.all([1, 2, 3].map((n) => lane.run(ECHO, ['lane:b', String(n)])));
    expect(replies).toEqual([
      ['lane:b', '1', 1],
      ['lane:b', '2', 2],
      ['lane:b', '3', 3],
    ]);
  });

  it('names its connection and answers an error reply as RespError', async () => {
    const lane = laneFor(server.url);
    await lane.run(ECHO, ['lane:c', 'x']);
    expect(String(await admin.client('LIST'))).toContain('name=push-lane-test');
    await admin.set('lane:string', 'abc');
    await expect(lane.run(ECHO, ['lane:string', 'x'])).rejects.toBeInstanceOf(RespError);
    // the connection goes on after a refused command
    expect(await lane.run(ECHO, ['lane:c', 'y'])).toEqual(['lane:c', 'y', 2]);
  });

  it('authenticates and selects the database of REDIS_URL', async () => {
    await admin.config('SET', 'requirepass', 'lane-secret');
    try {
      await admin.auth('lane-secret');
      const lane = laneFor(`redis://:lane-secret@127.0.0.1:${server.port}/3`);
      expect(await lane.run(ECHO, ['lane:db3', 'x'])).toEqual(['lane:db3', 'x', 1]);
      await admin.select(3);
      expect(await admin.get('lane:db3')).toBe('1');
      await admin.select(0);
      expect(await admin.exists('lane:db3')).toBe(0);
      const wrong = laneFor(`redis://:wrong@127.0.0.1:${server.port}`);
      await expect(wrong.run(ECHO, ['lane:x', 'x'])).rejects.toThrow();
    } finally {
      await admin.config('SET', 'requirepass', '');
    }
  });

  it('refuses at once while Redis is away and is back by itself when Redis is', async () => {
    const lane = laneFor(server.url);
    await lane.run(ECHO, ['lane:d', 'x']);
    admin.disconnect();
    await server.kill9();
    // the command in flight or the next one learns that the connection closed; later ones are refused at once
    await expect(lane.run(ECHO, ['lane:d', 'x'])).rejects.toThrow(/Connection is closed|isn't writeable/);
    const t0 = Date.now();
    await expect(lane.run(ECHO, ['lane:d', 'x'])).rejects.toThrow(/isn't writeable|Connection is closed/);
    expect(Date.now() - t0).toBeLessThan(500);
    await server.start();
    admin = await server.admin();
    await reconnected(lane, 'lane:d');
  });

  it('refuses a command unanswered after the timeout, and later replies still reach their own commands', async () => {
    const lane = await timedOutWhileStopped(300, 'lane:e', async () => undefined);
    // the late reply arrives and is dropped: the next command gets its own answer (INCR counted both)
    expect(await lane.run(ECHO, ['lane:e', 'next'])).toEqual(['lane:e', 'next', 3]);
  });

  it('gives up a connection that answers nothing for four timeouts, refuses meanwhile, and opens anew', async () => {
    const lane = await timedOutWhileStopped(200, 'lane:f', async (stopped) => {
      // after 4 x 200 ms of silence the connection is dropped: commands are refused at once, not queued
      await waitFor(
        async () => {
          const t0 = Date.now();
          const refused = await stopped.run(ECHO, ['lane:f', 'probe']).then(
            () => false,
            (err: Error) => /isn't writeable|Connection is closed/.test(err.message),
          );
          return refused && Date.now() - t0 < 100;
        },
        5_000,
        'the silent connection to be given up',
      );
    });
    await reconnected(lane, 'lane:f');
  });
});

describe('ScriptLane reading replies', () => {
  let fake: Server;
  const received: string[] = [];

  /** A stand-in Redis that answers every command with `reply`, written one byte at a time. */
  async function fakeRedis(reply: (command: string) => string): Promise<string> {
    fake = createServer((socket: Socket) => {
      socket.on('data', (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        received.push(text);
        // one answer per command in the chunk (each starts with '*')
        const commands = text.split(/(?=\*\d+\r\n\$)/).filter((c) => c.length > 0);
        const out = Buffer.from(commands.map(reply).join(''));
        for (let i = 0; i < out.length; i++) setTimeout(() => socket.write(out.subarray(i, i + 1)), i);
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    return `redis://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  }

  afterEach(async () => {
    for (const lane of lanes.splice(0)) lane.close();
    await new Promise<void>((resolve) => fake.close(() => resolve()));
  });

  it('a first connection that never answers fails within the timeouts, worded as an outage, and the next command at once', async () => {
    const url = await fakeRedis(() => '');
    const lane = laneFor(url);
    const t0 = Date.now();
    await expect(lane.run(ECHO, ['k', 'a'])).rejects.toThrow(/isn't writeable.*\((Command timed out|connect ETIMEDOUT)/);
    expect(Date.now() - t0).toBeLessThan(8_000);
    const t1 = Date.now();
    await expect(lane.run(ECHO, ['k', 'b'])).rejects.toThrow("isn't writeable");
    expect(Date.now() - t1).toBeLessThan(100);
  }, 15_000);

  it('reads nested arrays, nil, integers and empty strings split over many chunks', async () => {
    const url = await fakeRedis((command) => (command.includes('SETNAME') ? '+OK\r\n' : '*4\r\n$5\r\nhé!!\r\n$-1\r\n:-42\r\n*2\r\n$0\r\n\r\n+ok\r\n'));
    const lane = laneFor(url);
    // 'hé!!' is five bytes: lengths are in bytes, not characters
    expect(await lane.run(ECHO, ['k', 'a'])).toEqual(['hé!!', null, -42, ['', 'ok']]);
    // a script's first call on a connection carries its text, the next its SHA-1
    expect(received.join('')).toContain('EVAL\r\n');
    expect(await lane.run(ECHO, ['k', 'b'])).toEqual(['hé!!', null, -42, ['', 'ok']]);
    expect(received.join('')).toContain('EVALSHA');
  });
});
