import { Redis, RedisOptions } from 'ioredis';
import { TurnCork } from './turn-cork';

/**
 * A single-server connection whose commands of one turn of the event loop leave in one `writev`: the
 * first command of a turn corks the socket and `setImmediate` uncorks it. Without it every command was a
 * loopback `write` of its own, and during a connect storm a gateway issues three per socket (token
 * look-up, the stream's tip, the read after SUBSCRIBE) from the replies of many sockets at once: those
 * writes were ~40 % of the gateway's busy time in its profile. Corked, connects went 2,260 → 2,584/s and
 * gateway CPU per connect 321 → 281 µs (means of six alternating idle runs, bench/README.md). Unlike
 * ioredis's auto-pipelining (off: see connectionOptions) there is no Pipeline object, promise or
 * nextTick per batch, and a lone command waits only for the end of its turn.
 */
export class TurnCorkedRedis extends Redis {
  private readonly turnCork = new TurnCork();

  /** Replies as ioredis maps them by default (Push sets no RESP3 reply mapping). */
  constructor(url: string, options: Omit<RedisOptions, 'replyMapping'>) {
    super(url, options);
  }

  override sendCommand(...args: Parameters<Redis['sendCommand']>): unknown {
    // only a ready connection writes at once; ioredis's own handshake and refusals are left as they are
    if (this.status === 'ready' && this.stream.writable) this.turnCork.hold(this.stream);
    return super.sendCommand(...args);
  }
}
