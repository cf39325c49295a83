/** What went wrong, as a stable code to branch on (the message says it in words). */
export type PushErrorCode =
  /** HTTP 401 or close code 4401: the token is unknown. A connection stops. */
  | 'invalid_token'
  /** Any other non-2xx HTTP answer; `status` is set and the message is the server's. */
  | 'http'
  /** A request failed, or a socket could not open or dropped without a close frame. */
  | 'network'
  /** The server sent something that is not the documented format. */
  | 'protocol'
  /** A bad argument, refused before any request. */
  | 'invalid_input'
  /** GET /nodes/ listed no gateway. */
  | 'no_nodes'
  /** The gateway closed the socket with a code (`closeCode`). */
  | 'closed'
  /** The PushStorage given threw or rejected. */
  | 'storage';

/** Options of PushError beyond code and message. */
export interface PushErrorDetails {
  /** HTTP status of the answer. */
  status?: number;
  /** WebSocket close code. */
  closeCode?: number;
  /** The underlying error. */
  cause?: unknown;
}

/** The one error type of the SDK: every failure carries a code saying what went wrong. */
export class PushError extends Error {
  override readonly name = 'PushError';
  /** What went wrong. */
  readonly code: PushErrorCode;
  /** HTTP status, when an HTTP answer caused it. */
  readonly status?: number;
  /** WebSocket close code, when a close caused it. */
  readonly closeCode?: number;

  constructor(code: PushErrorCode, message: string, details: PushErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    if (details.status !== undefined) this.status = details.status;
    if (details.closeCode !== undefined) this.closeCode = details.closeCode;
  }
}
