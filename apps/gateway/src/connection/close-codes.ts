import { DomainErrorCode } from '@push/domain';

/** WebSocket close codes of the protocol (spec: "WebSocket API"). */
export const CLOSE = {
  /** Origin not in WS_ALLOWED_ORIGINS. */
  policyViolation: 1008,
  /** A client frame over WS_MAX_PAYLOAD_BYTES (ws sends it itself). */
  messageTooBig: 1009,
  /** Unexpected server fault. */
  internalError: 1011,
  /** The node is draining: reconnect elsewhere and resume with since. */
  serviceRestart: 1012,
  /** The client cannot keep up, or Redis is unavailable: reconnect and resume. */
  tryAgainLater: 1013,
  /** Valid token but an invalid since. */
  badRequest: 4400,
  /** The first frame is not a valid token. */
  unauthorized: 4401,
  /** No hello within WS_AUTH_TIMEOUT_MS. */
  authTimeout: 4408,
} as const;

/** The one table from domain refusals to close codes; the HTTP edge has its own to statuses. */
export const CLOSE_CODE_OF: Readonly<Record<DomainErrorCode, number>> = {
  invalid_input: CLOSE.badRequest,
  unauthenticated: CLOSE.unauthorized,
  forbidden: CLOSE.policyViolation,
  not_found: CLOSE.unauthorized,
  too_large: CLOSE.messageTooBig,
  rate_limited: CLOSE.tryAgainLater,
  unavailable: CLOSE.tryAgainLater,
};
