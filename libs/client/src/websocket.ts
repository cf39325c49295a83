/**
 * A handler type whose parameter is checked bivariantly, so that both the DOM's WebSocket (handlers
 * take a MessageEvent) and the `ws` package's (its own event types) fit WebSocketLike.
 */
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** The part of a WebSocket the SDK uses: the browser's WebSocket and the `ws` package's fit. */
export interface WebSocketLike {
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket class: `new WebSocket(url)`. */
export type WebSocketConstructorLike = new (url: string) => WebSocketLike;

/** globalThis.WebSocket when the environment has one (browsers, Node ≥ 22), else null. */
export function globalWebSocket(): WebSocketConstructorLike | null {
  const g = globalThis as { WebSocket?: WebSocketConstructorLike };
  return typeof g.WebSocket === 'function' ? g.WebSocket : null;
}

/** Close codes of the gateway (see the API contract). */
export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  abnormal: 1006,
  policy: 1008,
  tooLarge: 1009,
  internalError: 1011,
  restart: 1012,
  tryAgainLater: 1013,
  badSince: 4400,
  invalidToken: 4401,
  authTimeout: 4408,
} as const;
