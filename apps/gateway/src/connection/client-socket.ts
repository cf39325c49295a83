import { WebSocket } from 'ws';

/** Where a connection stands in the protocol; only moves forward. */
export const PHASE = {
  /** Waiting for the hello frame (auth timer running). */
  awaitingHello: 0,
  /** Hello received; token look-up, subscribe and replay in flight; live frames are buffered. */
  syncing: 1,
  /** Every frame of its user queue is delivered. */
  live: 2,
  /** Closing or closed: nothing more is sent. */
  closed: 3,
} as const;

export type Phase = (typeof PHASE)[keyof typeof PHASE];

/** A frame held back while a connection replays, with its key already parsed. */
export interface PendingFrame {
  readonly ms: number;
  readonly seq: number;
  readonly frame: Buffer;
}

/**
 * One client socket with its connection state in the socket object itself (ws's `WebSocket` server
 * option), so an idle connection costs a few fields and no closure, Map entry or rxjs chain.
 * Invariant: `lastMs`/`lastSeq` is the newest key this connection has been sent (or skipped as before
 * its start); a frame whose key is not greater is dropped. That one rule keeps resume and repair
 * duplicate-free and in key order.
 */
export class ClientSocket extends WebSocket {
  /** Per-node sequence number, logged as the connectionId. */
  connectionId = 0;
  phase: Phase = PHASE.awaitingHello;
  /** Set once authenticated. */
  userQueueId: string | null = null;
  /** True when the hello was JSON: the client gets control frames. */
  wantsControl = false;
  lastMs = 0;
  lastSeq = 0;
  /** Frames that arrived while syncing; null otherwise. */
  pending: PendingFrame[] | null = null;
  /** Answered the last ping. */
  alive = true;
  authTimer: NodeJS.Timeout | null = null;
  /** The client address this socket counts against (MAX_SOCKETS_PER_IP). */
  clientAddress = '';

  /** True once closed by either side (a method, so that checks after an await are not narrowed away). */
  isClosed(): boolean {
    return this.phase === PHASE.closed;
  }

  /** True when a frame with this key is newer than what the connection has had. */
  isNew(ms: number, seq: number): boolean {
    return ms > this.lastMs || (ms === this.lastMs && seq > this.lastSeq);
  }
}

/** How long a socket we closed may take to finish the closing handshake before it is terminated. */
export const CLOSE_GRACE_MS = 5_000;

function terminateIfNotClosed(ws: ClientSocket): void {
  if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
}

/** Closes a socket with a protocol close code; nothing is sent to it afterwards. Idempotent. */
export function closeSocket(ws: ClientSocket, code: number, reason: string): void {
  if (ws.authTimer !== null) {
    clearTimeout(ws.authTimer);
    ws.authTimer = null;
  }
  ws.phase = PHASE.closed;
  ws.pending = null;
  if (ws.readyState !== WebSocket.OPEN) return;
  ws.close(code, reason);
  // a client that stopped reading never answers the close frame; do not hold its buffers for ws's 30 s
  setTimeout(terminateIfNotClosed, CLOSE_GRACE_MS, ws).unref();
}
