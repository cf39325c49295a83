import type { IncomingMessage } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { DomainError, hashToken, unauthenticated } from '@push/domain';
import type { ClientStore } from '@push/domain';
import { PUSH_CONFIG } from '@push/config';
import type { PushConfig } from '@push/config';
import { CLIENT_STORE } from '@push/redis';
import { RawData, WebSocket } from 'ws';
import { DeliveryService } from '../delivery/delivery.service';
import { NODE_ID } from '../lifecycle/node-identity.module';
import { ClientSocket, closeSocket, PHASE } from './client-socket';
import { CLOSE, CLOSE_CODE_OF } from './close-codes';
import { parseHello, parseHelloSince } from './hello.parser';
import { SocketsPerAddress } from './sockets-per-address';

/** Granularity of a drain's spread of closes. */
const DRAIN_TICK_MS = 10;

function textOf(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/** Shared listeners: one function for every socket, reaching its state through `this`. */
function onPong(this: WebSocket): void {
  (this as ClientSocket).alive = true;
}

/** The ping interval is cut into this many ticks; each pings the sockets whose connection id falls in its slice. */
export const PING_SLICES = 25;

/**
 * The connection protocol: Origin check, the auth timer, the hello (seed or JSON form), pings, and
 * drain. Delivery of messages is DeliveryService's. Logs carry nodeId and connectionId, never a token.
 */
@Injectable()
export class ConnectionService implements OnModuleDestroy {
  private readonly logger = new Logger(ConnectionService.name);
  /** Every open socket of this node, authenticated or not (ws's own client tracking is off). */
  private readonly sockets = new Set<ClientSocket>();
  private pingTimer: NodeJS.Timeout | null = null;
  /** The slice of sockets the next ping tick takes. */
  private pingTick = 0;
  private nextConnectionId = 1;
  private readonly onFrame: (this: WebSocket, data: RawData, isBinary: boolean) => void;
  private readonly onClose: (this: WebSocket, code: number) => void;
  private readonly onError: (this: WebSocket, err: Error) => void;
  private readonly onAuthTimeout: (ws: ClientSocket) => void;

  constructor(
    @Inject(PUSH_CONFIG) private readonly config: PushConfig,
    @Inject(CLIENT_STORE) private readonly clients: ClientStore,
    @Inject(NODE_ID) private readonly nodeId: string,
    private readonly delivery: DeliveryService,
    private readonly addresses: SocketsPerAddress,
  ) {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the listeners get the socket as `this`
    const service = this;
    this.onFrame = function (data, isBinary) {
      service.handleFrame(this as ClientSocket, data, isBinary);
    };
    this.onClose = function (code) {
      service.handleClose(this as ClientSocket, code);
    };
    this.onError = function (err) {
      service.logger.debug(`nodeId=${service.nodeId} connectionId=${(this as ClientSocket).connectionId} socket error: ${err.message}`);
    };
    this.onAuthTimeout = (ws) => {
      ws.authTimer = null;
      if (ws.phase === PHASE.awaitingHello) this.close(ws, CLOSE.authTimeout, 'no hello in time', 'auth-timeout');
    };
  }

  /** Open sockets on this node (authenticated or not), for the heartbeat. */
  get connections(): number {
    return this.sockets.size;
  }

  /**
   * Called once the WebSocket server exists: starts the ping loop. Each socket is pinged once per
   * WS_PING_INTERVAL_MS, but in PING_SLICES slices (by connection id) a tick apart, not all in one
   * sweep: a sweep wrote to every socket at once and held a gateway of 1,000 sockets for 100-400 ms on
   * a slow machine, which every message in flight waited out (bench/README.md, "Pings in slices").
   */
  startPinging(): void {
    this.pingTimer = setInterval(() => this.pingSlice(), Math.max(1, Math.round(this.config.wsPingIntervalMs / PING_SLICES)));
    this.pingTimer.unref();
  }

  onModuleDestroy(): void {
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    // what a drain left open goes now (ws's own tracking, which Nest's close used, is off)
    for (const ws of this.sockets) ws.terminate();
  }

  /** A new socket: check its Origin and wait for its hello. */
  accept(ws: ClientSocket, request: IncomingMessage): void {
    ws.connectionId = this.nextConnectionId++;
    this.sockets.add(ws);
    if (this.addresses.limited) {
      ws.clientAddress = this.addresses.addressOf(request);
      this.addresses.opened(ws.clientAddress);
    }
    ws.on('error', this.onError);
    ws.on('close', this.onClose);
    ws.on('pong', onPong);
    const allowed = this.config.wsAllowedOrigins;
    if (allowed.length > 0 && !allowed.includes(request.headers.origin ?? '')) {
      // accepted then closed, so that the client sees why (a refused upgrade shows no code)
      this.close(ws, CLOSE.policyViolation, 'origin not allowed', 'origin');
      return;
    }
    ws.on('message', this.onFrame);
    ws.authTimer = setTimeout(this.onAuthTimeout, this.config.wsAuthTimeoutMs, ws);
  }

  /** Drain: closes every socket with `code`, spread evenly over `spreadMs`, then waits up to `graceMs` for them to go. */
  async closeAll(code: number, reason: string, spreadMs: number, graceMs: number): Promise<void> {
    const sockets = [...this.sockets];
    const startMs = Date.now();
    let closed = 0;
    while (closed < sockets.length) {
      const elapsedMs = Date.now() - startMs;
      const due = spreadMs <= 0 ? sockets.length : Math.min(sockets.length, Math.floor((elapsedMs / spreadMs) * sockets.length) + 1);
      for (; closed < due; closed++) closeSocket(sockets[closed], code, reason);
      if (closed < sockets.length) await delay(DRAIN_TICK_MS);
    }
    const deadline = Date.now() + graceMs;
    while (this.sockets.size > 0 && Date.now() < deadline) await delay(DRAIN_TICK_MS);
    for (const ws of sockets) if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
    this.logger.log(`nodeId=${this.nodeId} drained sockets=${sockets.length} code=${code}`);
  }

  private handleFrame(ws: ClientSocket, data: RawData, isBinary: boolean): void {
    // after the hello, client frames carry nothing the protocol uses: ignored, never a reason to close
    if (ws.phase !== PHASE.awaitingHello) return;
    if (ws.authTimer !== null) {
      clearTimeout(ws.authTimer);
      ws.authTimer = null;
    }
    ws.phase = PHASE.syncing;
    void this.authenticate(ws, data, isBinary);
  }

  private async authenticate(ws: ClientSocket, data: RawData, isBinary: boolean): Promise<void> {
    try {
      if (isBinary) throw unauthenticated('hello must be a text frame');
      const hello = parseHello(textOf(data));
      ws.wantsControl = hello.json;
      let userQueueId: string | null;
      try {
        userQueueId = await this.clients.findUserQueue(hashToken(hello.token));
      } catch (err) {
        throw new DomainError('unavailable', `redis: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (userQueueId === null) throw unauthenticated('unknown token');
      const since = parseHelloSince(hello.since);
      if (ws.isClosed()) return;
      await this.delivery.open(ws, userQueueId, since);
      if (ws.phase === PHASE.live) {
        this.logger.debug(`nodeId=${this.nodeId} connectionId=${ws.connectionId} authenticated resume=${since !== null}`);
      }
    } catch (err) {
      if (err instanceof DomainError) {
        this.close(ws, CLOSE_CODE_OF[err.code], err.message, err.code);
      } else {
        this.logger.error(`nodeId=${this.nodeId} connectionId=${ws.connectionId} hello failed: ${String(err)}`);
        this.close(ws, CLOSE.internalError, 'internal error', 'internal');
      }
    }
  }

  private close(ws: ClientSocket, code: number, reason: string, why: string): void {
    if (ws.phase === PHASE.closed) return;
    const log = code === CLOSE.tryAgainLater || code === CLOSE.internalError ? 'warn' : 'debug';
    this.logger[log](`nodeId=${this.nodeId} connectionId=${ws.connectionId} closed code=${code} reason=${why}`);
    // a close reason is at most 123 bytes; ours are short fixed texts or the domain message
    closeSocket(ws, code, reason.slice(0, 120));
  }

  private handleClose(ws: ClientSocket, code: number): void {
    this.sockets.delete(ws);
    if (this.addresses.limited) this.addresses.closed(ws.clientAddress);
    closeSocket(ws, code, '');
    this.delivery.detach(ws);
    this.logger.verbose(`nodeId=${this.nodeId} connectionId=${ws.connectionId} gone code=${code}`);
  }

  /** The sockets of this tick's slice: terminates those that did not answer their previous ping, and pings the others. */
  private pingSlice(): void {
    const slice = this.pingTick;
    this.pingTick = (slice + 1) % PING_SLICES;
    for (const ws of this.sockets) {
      if (ws.connectionId % PING_SLICES !== slice) continue;
      if (!ws.alive) {
        this.logger.debug(`nodeId=${this.nodeId} connectionId=${ws.connectionId} terminated reason=no-pong`);
        ws.terminate();
        continue;
      }
      ws.alive = false;
      ws.ping();
    }
  }
}
