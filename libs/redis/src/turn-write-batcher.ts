import { Redis } from 'ioredis';
import type { RedisClient } from './redis-client.factory';

/** What the batcher needs of a connection's socket (net.Socket has it). */
interface CorkableStream {
  readonly writable: boolean;
  cork(): void;
  uncork(): void;
}

/**
 * Holds a connection's writes until the end of the current turn of the event loop, so that the commands
 * issued in one turn (the publishes of all requests that arrived together) leave in one `writev`, and
 * Redis reads them with one `read` and answers them with one `write`. ioredis's auto-pipelining batches
 * the same way but builds a Pipeline (object, promise, a nextTick per reply) around every batch; this
 * only corks the socket. A loopback write costs the api ~24 µs of CPU (the receiving side's TCP work runs
 * in the sender's system call), so one write per request was the largest single item of its profile.
 *
 * Single-server connections only: a cluster client writes to several sockets (it is left as it is).
 */
export class TurnWriteBatcher {
  private held: CorkableStream | null = null;
  private readonly release = (): void => {
    const stream = this.held;
    this.held = null;
    stream?.uncork();
  };

  constructor(private readonly client: RedisClient) {}

  /** Call before issuing a command: its write waits for the end of this turn, with the others of the turn. */
  hold(): void {
    if (this.held !== null || !(this.client instanceof Redis)) return;
    const stream: CorkableStream | undefined = this.client.stream;
    if (stream === undefined || !stream.writable) return;
    stream.cork();
    this.held = stream;
    setImmediate(this.release);
  }
}
