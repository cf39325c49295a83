import { createHash } from 'node:crypto';
import { connect as connectTcp, isIP, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { connect as connectTls } from 'node:tls';
import { Logger } from '@nestjs/common';
import { reconnectDelayMs, redisUrlList } from './redis-client.factory';
import { TurnCork } from './turn-cork';

/** A RESP2 reply: simple or bulk string, integer, nil, error, or an array of those. */
export type RespValue = string | number | null | RespError | RespValue[];

/** An error reply of Redis (`-ERR …`, `-NOSCRIPT …`, `-LOADING …`): the command ran and was refused. */
export class RespError extends Error {
  override readonly name = 'ReplyError';
}

/** Where and as whom the lane connects: a single-server REDIS_URL. */
export interface LaneTarget {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly username: string | null;
  readonly password: string | null;
  readonly db: number;
}

/** The lane's target for REDIS_URL; null for a cluster's list of seed nodes (the lane speaks to one server). */
export function laneTarget(redisUrl: string): LaneTarget | null {
  const urls = redisUrlList(redisUrl);
  if (urls.length !== 1) return null;
  const url = new URL(urls[0] ?? '');
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return null;
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  if (!Number.isSafeInteger(db) || db < 0) return null;
  return {
    host: url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: Number(url.port || 6379),
    tls: url.protocol === 'rediss:',
    username: url.username ? decodeURIComponent(url.username) : null,
    password: url.password ? decodeURIComponent(url.password) : null,
    db,
  };
}

/** Errors worded as ioredis words them, so that the edge's outage check (503) reads both alike. */
const NOT_CONNECTED = "Stream isn't writeable and enableOfflineQueue options is false";
const CLOSED = 'Connection is closed.';
const TIMED_OUT = 'Command timed out';
/** Connect and handshake must be done within this. */
const CONNECT_TIMEOUT_MS = 5_000;
/** A connection that answers nothing for this many command timeouts is given up (a stopped or half-open peer). */
const SILENT_TIMEOUTS = 4;

/** A command sent and not yet answered. Settled early (timeout) entries stay queued to take their reply. */
interface Pending {
  readonly resolve: (value: RespValue) => void;
  readonly reject: (err: Error) => void;
  /** The script and arguments, to send again as EVAL when Redis does not know the script (NOSCRIPT). */
  readonly script: Script | null;
  readonly args: readonly string[];
  /** performance.now() when first sent (a NOSCRIPT resend keeps it). */
  readonly sentAt: number;
  settled: boolean;
}

/** A Lua script, sent by its SHA-1 and, when Redis lacks it, once in full. */
export class Script {
  readonly sha: string;

  constructor(
    readonly lua: string,
    readonly numberOfKeys: number,
  ) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }
}

/** `*<n>` then `$<len> <arg>` for each: a command as Redis reads it. */
function encode(words: readonly string[]): string {
  let out = `*${words.length}\r\n`;
  for (const w of words) out += `$${Buffer.byteLength(w)}\r\n${w}\r\n`;
  return out;
}

/** Reads RESP2 replies from the bytes received; a reply split over chunks waits for the rest. */
class ReplyReader {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;

  push(chunk: Buffer): void {
    this.buf = this.pos < this.buf.length ? Buffer.concat([this.buf.subarray(this.pos), chunk]) : chunk;
    this.pos = 0;
  }

  /** The next whole reply, or undefined when it has not all arrived. Throws on bytes that are not RESP. */
  next(): RespValue | undefined {
    const start = this.pos;
    const value = this.value();
    if (value === undefined) this.pos = start;
    return value;
  }

  private line(): string | undefined {
    const end = this.buf.indexOf('\r\n', this.pos, 'latin1');
    if (end < 0) return undefined;
    const text = this.buf.toString('utf8', this.pos + 1, end);
    this.pos = end + 2;
    return text;
  }

  private value(): RespValue | undefined {
    if (this.pos >= this.buf.length) return undefined;
    const type = this.buf[this.pos];
    const text = this.line();
    if (text === undefined) return undefined;
    switch (type) {
      case 0x2b: // +
        return text;
      case 0x2d: // -
        return new RespError(text);
      case 0x3a: // :
        return Number(text);
      case 0x24: {
        // $
        const len = Number(text);
        if (len < 0) return null;
        if (this.pos + len + 2 > this.buf.length) return undefined;
        const s = this.buf.toString('utf8', this.pos, this.pos + len);
        this.pos += len + 2;
        return s;
      }
      case 0x2a: {
        // *
        const n = Number(text);
        if (n < 0) return null;
        const items: RespValue[] = [];
        for (let i = 0; i < n; i++) {
          const item = this.value();
          if (item === undefined) return undefined;
          items.push(item);
        }
        return items;
      }
      default:
        throw new Error(`not a RESP reply (first byte ${String(type)})`);
    }
  }
}

/**
 * A connection of its own for the publish script, with RESP written and read here: one string per
 * command, no Command object, argument conversion, promise wrapper or timer per command as in ioredis
 * (~8 µs of the api's CPU per publish against an idle Redis, a tenth of what a publish costs it). It
 * behaves as the main connection does: it fails fast while Redis is away (the edge answers 503), it
 * reconnects with the same backoff, a command unanswered after the command timeout is refused, and the
 * commands of one turn of the event loop leave in one write (the socket is corked until setImmediate).
 * It connects at its first command, so processes that never publish never open it.
 */
export class ScriptLane {
  private readonly logger = new Logger(ScriptLane.name);
  private socket: Socket | null = null;
  private ready = false;
  /** The first connect attempt: the only one that commands wait for. */
  private opening: Promise<void> | null = null;
  private pending: Pending[] = [];
  /** Scripts sent in full on this connection (Redis has them unless its scripts were flushed since). */
  private loaded = new Set<Script>();
  private reader = new ReplyReader();
  /** The commands of one turn leave in one write. */
  private readonly turnCork = new TurnCork();
  /** Entries at the head of `pending` already refused for their timeout (the scan starts after them). */
  private expiredHead = 0;
  /** Failed or lost connections since the lane was last ready (0 while ready or before the first attempt ended). */
  private attempts = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private timeoutTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private downLogged = false;

  constructor(
    private readonly target: LaneTarget,
    private readonly name: string,
    private readonly commandTimeoutMs: number,
  ) {}

  /**
   * Runs a script (EVAL at its first call on a connection, EVALSHA after; EVAL again should Redis
   * answer NOSCRIPT, its scripts flushed). Error replies are thrown as
   * RespError (an array's error elements are left to the caller). `numberOfKeys` is for a script whose
   * key count varies by call (publishBatchLua).
   */
  async run(script: Script, keysThenArgs: readonly string[], numberOfKeys = script.numberOfKeys): Promise<RespValue> {
    if (!this.ready) await this.whenReady();
    // a script's first call on a connection carries its text, so that calls of different scripts run in
    // the order sent (a NOSCRIPT answer would send the refused call again after the ones behind it);
    // `loaded` starts empty on every new connection
    const known = this.loaded.has(script);
    if (!known) this.loaded.add(script);
    const reply = await this.send(script, known ? ['EVALSHA', script.sha, String(numberOfKeys), ...keysThenArgs] : ['EVAL', script.lua, String(numberOfKeys), ...keysThenArgs]);
    if (reply instanceof RespError) throw reply;
    return reply;
  }

  /** Writes what this turn has queued now instead of when the turn ends. */
  flush(): void {
    this.turnCork.flush();
  }

  /** Stops reconnecting and closes the connection; commands still in flight are refused. */
  close(): void {
    this.closed = true;
    this.ready = false;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.timeoutTimer) clearInterval(this.timeoutTimer);
    this.socket?.destroy();
    this.failAll(new Error(CLOSED));
  }

  /**
   * The first command opens the lane and waits for that first attempt; after it (ready once, or the
   * attempt failed) a lane that is down refuses at once. A failed attempt reads as "not connected",
   * whatever the socket said (ENOTFOUND, a refused AUTH), so the edge answers 503.
   */
  private whenReady(): Promise<void> {
    if (this.closed) return Promise.reject(new Error(CLOSED));
    if (this.attempts > 0) return Promise.reject(new Error(NOT_CONNECTED));
    this.opening ??= this.open().catch((err: unknown) => {
      throw new Error(`${NOT_CONNECTED} (${err instanceof Error ? err.message : String(err)})`);
    });
    return this.opening;
  }

  private send(script: Script | null, words: readonly string[]): Promise<RespValue> {
    if (!this.ready) return Promise.reject(new Error(NOT_CONNECTED));
    return this.write(script, words);
  }

  /** Queues a command on the open socket; the commands of one turn leave in one write. */
  private write(script: Script | null, words: readonly string[], sentAt = performance.now()): Promise<RespValue> {
    const socket = this.socket;
    if (socket === null || !socket.writable) return Promise.reject(new Error(NOT_CONNECTED));
    return new Promise<RespValue>((resolve, reject) => {
      this.pending.push({ resolve, reject, script, args: words, sentAt, settled: false });
      this.turnCork.hold(socket);
      socket.write(encode(words));
    });
  }

  /** Connects, authenticates, selects the database and names the connection; resolves when ready. */
  private open(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const { host, port } = this.target;
      const socket = this.target.tls ? connectTls({ host, port, ...(isIP(host) ? {} : { servername: host }) }) : connectTcp({ host, port });
      this.socket = socket;
      this.reader = new ReplyReader();
      this.loaded = new Set();
      this.expiredHead = 0;
      socket.setNoDelay(true);
      // covers the handshake too: a server that accepts and never answers is given up
      socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy(new Error(`connect ETIMEDOUT ${host}:${port}`)));
      socket.once(this.target.tls ? 'secureConnect' : 'connect', () => {
        this.handshake().then(
          () => {
            if (this.socket !== socket) return;
            socket.setTimeout(0);
            this.ready = true;
            this.attempts = 0;
            if (this.downLogged) this.logger.log(`connection ${this.name} ready again`);
            this.downLogged = false;
            resolve();
          },
          (err: unknown) => socket.destroy(err instanceof Error ? err : new Error(String(err))),
        );
      });
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.on('error', (err: Error) => {
        if (!this.downLogged && !this.closed) this.logger.warn(`connection ${this.name} failed, reconnecting: ${err.message}`);
        this.downLogged = true;
        reject(err);
      });
      socket.on('close', () => {
        // settles the wait of the first commands when the connection ended without an error
        reject(new Error(CLOSED));
        this.onClose(socket);
      });
      if (this.commandTimeoutMs > 0 && this.timeoutTimer === null) {
        this.timeoutTimer = setInterval(() => this.refuseLate(), Math.max(10, Math.floor(this.commandTimeoutMs / 4)));
        this.timeoutTimer.unref();
      }
    });
  }

  /** AUTH, SELECT and CLIENT SETNAME, pipelined ahead of any command. */
  private async handshake(): Promise<void> {
    const { username, password, db } = this.target;
    const steps: Promise<RespValue>[] = [];
    if (password !== null) steps.push(this.write(null, username !== null ? ['AUTH', username, password] : ['AUTH', password]));
    if (db !== 0) steps.push(this.write(null, ['SELECT', String(db)]));
    steps.push(this.write(null, ['CLIENT', 'SETNAME', this.name]));
    for (const reply of await Promise.all(steps)) if (reply instanceof RespError) throw reply;
  }

  private onData(chunk: Buffer): void {
    this.reader.push(chunk);
    for (;;) {
      let reply: RespValue | undefined;
      try {
        reply = this.reader.next();
      } catch (err) {
        this.socket?.destroy(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      if (reply === undefined) return;
      const p = this.pending.shift();
      if (this.expiredHead > 0) this.expiredHead--;
      if (p === undefined || p.settled) continue;
      if (reply instanceof RespError && reply.message.startsWith('NOSCRIPT') && p.script !== null) {
        // Redis restarted or flushed its scripts: this one goes again in full (Redis keeps it from then on)
        this.write(null, ['EVAL', p.script.lua, ...p.args.slice(2)], p.sentAt).then(p.resolve, p.reject);
        continue;
      }
      p.resolve(reply);
    }
  }

  private onClose(socket: Socket): void {
    if (this.socket !== socket) return;
    this.ready = false;
    this.socket = null;
    this.failAll(new Error(CLOSED));
    if (this.closed) return;
    this.attempts++;
    const delay = reconnectDelayMs(this.attempts);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      // a failed attempt closes the socket, which schedules the next one
      this.open().catch(() => undefined);
    }, delay);
  }

  /**
   * Refuses commands unanswered for longer than the timeout; their replies, if they come, are dropped
   * (they stay queued, so every later reply still meets its own command). When nothing at all has been
   * answered for SILENT_TIMEOUTS timeouts the connection is given up and opened anew.
   */
  private refuseLate(): void {
    const now = performance.now();
    const limit = now - this.commandTimeoutMs;
    const pending = this.pending;
    while (this.expiredHead < pending.length) {
      const p = pending[this.expiredHead];
      if (p === undefined || p.sentAt > limit) break;
      this.expiredHead++;
      if (p.settled) continue;
      p.settled = true;
      p.reject(new Error(TIMED_OUT));
    }
    const oldest = pending[0];
    if (oldest !== undefined && now - oldest.sentAt > SILENT_TIMEOUTS * this.commandTimeoutMs) {
      this.socket?.destroy(new Error(`${TIMED_OUT}: no reply for ${SILENT_TIMEOUTS} timeouts, reconnecting`));
    }
  }

  private failAll(err: Error): void {
    const all = this.pending;
    this.pending = [];
    this.expiredHead = 0;
    for (const p of all) if (!p.settled) p.reject(err);
  }
}
