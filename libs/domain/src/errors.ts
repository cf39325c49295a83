/** Why a domain operation was refused; mapped to HTTP statuses and WebSocket close codes at the edges. */
export type DomainErrorCode =
  | 'invalid_input' // a field is missing or malformed
  | 'unauthenticated' // missing, malformed or unknown token
  | 'forbidden' // a valid token that does not own the user queue, or an action not allowed there
  | 'not_found' // unknown or revoked push URL, or no such message
  | 'too_large' // notification over its size cap
  | 'rate_limited' // too many requests
  | 'unavailable'; // infrastructure (Redis) cannot answer

/** A refusal of the domain, with a code and a message naming the field or resource at fault. */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** The input field at fault, when there is one. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const invalid = (field: string, why: string): DomainError => new DomainError('invalid_input', `${field} ${why}`, field);
export const unauthenticated = (why = 'token is missing or unknown'): DomainError => new DomainError('unauthenticated', why, 'token');
export const forbidden = (why: string): DomainError => new DomainError('forbidden', why);
export const notFound = (why: string): DomainError => new DomainError('not_found', why);

/** A refusal because a limit was reached; the client may retry after `retryAfterS` (whole seconds, ≥ 1). */
export class RateLimitedError extends DomainError {
  constructor(
    message: string,
    /** Seconds to wait before retrying, sent as `Retry-After`. */
    readonly retryAfterS: number,
  ) {
    super('rate_limited', message);
    this.name = 'RateLimitedError';
  }
}

export const rateLimited = (which: string, retryAfterS: number): RateLimitedError => new RateLimitedError(which, Math.max(1, Math.ceil(retryAfterS)));
