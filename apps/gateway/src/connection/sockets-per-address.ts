import type { IncomingMessage } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { PUSH_CONFIG } from '@push/config';
import type { PushConfig } from '@push/config';
import { clientAddress } from '@push/domain';

/** Seconds a client refused for holding too many sockets is told to wait: long enough for one of them to close. */
export const SOCKET_LIMIT_RETRY_AFTER_S = 5;

/** The message of a refused upgrade, naming the limit. */
export const SOCKET_LIMIT_MESSAGE = 'too many sockets from this address';

/**
 * Open sockets per client address on this node (MAX_SOCKETS_PER_IP; 0 = no limit). An address is
 * held only while it has a socket open, so memory follows the sockets. The upgrade is checked with
 * `hasRoom` and counted with `opened` in the same synchronous run (ws emits 'connection' from within
 * the verifyClient callback), so concurrent upgrades cannot overshoot.
 */
@Injectable()
export class SocketsPerAddress {
  private readonly open = new Map<string, number>();
  private readonly max: number;
  private readonly trustedProxies: number;

  /** False when MAX_SOCKETS_PER_IP is 0: nothing is counted, so a connect skips the address look-up (a getpeername system call). */
  readonly limited: boolean;

  constructor(@Inject(PUSH_CONFIG) config: PushConfig) {
    this.max = config.maxSocketsPerIp;
    this.trustedProxies = config.trustProxy;
    this.limited = this.max > 0;
  }

  /** The client address of an upgrade request: the socket's, or X-Forwarded-For's behind TRUST_PROXY proxies. */
  addressOf(request: IncomingMessage): string {
    return clientAddress(request.socket.remoteAddress, request.headers['x-forwarded-for'], this.trustedProxies);
  }

  /** True when the address may open one more socket. */
  hasRoom(address: string): boolean {
    return !this.limited || (this.open.get(address) ?? 0) < this.max;
  }

  opened(address: string): void {
    this.open.set(address, (this.open.get(address) ?? 0) + 1);
  }

  closed(address: string): void {
    const n = this.open.get(address) ?? 0;
    if (n <= 1) this.open.delete(address);
    else this.open.set(address, n - 1);
  }

  /** Sockets the address holds now. */
  count(address: string): number {
    return this.open.get(address) ?? 0;
  }
}
