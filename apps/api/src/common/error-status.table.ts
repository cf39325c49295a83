import { DomainErrorCode } from '@push/domain';

/** The one table from domain error codes to HTTP statuses. */
export const HTTP_STATUS_OF: Readonly<Record<DomainErrorCode, number>> = {
  invalid_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
};

/** Seconds a client should wait before retrying a 503 (Redis away): reconnection is attempted every ≤ 2 s. */
export const RETRY_AFTER_S = 1;
