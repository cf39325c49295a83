/**
 * Rate limit rules, pure and clock-free: the caller passes `nowMs`. The publish script in
 * libs/redis/src/lua.scripts.ts applies the same token bucket in Lua; keep the two in step.
 */

/** A token bucket: `burst` requests at once, refilled at `ratePerS` a second; 0 in either disables it. */
export interface BucketLimit {
  readonly burst: number;
  readonly ratePerS: number;
}

/** A bucket's tokens at `atMs`; an absent bucket is full. */
export interface BucketState {
  readonly tokens: number;
  readonly atMs: number;
}

/** What taking a token decided; a refused take leaves the bucket as it was (refilled to now). */
export type BucketDecision =
  | { readonly allowed: true; readonly state: BucketState }
  | { readonly allowed: false; readonly state: BucketState; readonly retryAfterS: number };

/** Failed attempts allowed per address in a fixed window; 0 in either disables the lockout. */
export interface FailureLimit {
  readonly maxFailures: number;
  readonly windowMs: number;
}

/** Failed attempts counted in the window that began at `startMs` (the first failure after the previous window). */
export interface FailureWindow {
  readonly startMs: number;
  readonly failures: number;
}

const MS_PER_S = 1000;

/** The whole seconds a client is told to wait (`Retry-After`): at least 1, rounded up. */
export function retryAfterSeconds(waitMs: number): number {
  return Math.max(1, Math.ceil(waitMs / MS_PER_S));
}

/** True when the bucket limits anything. */
export function bucketEnabled(limit: BucketLimit): boolean {
  return limit.burst > 0 && limit.ratePerS > 0;
}

/** The bucket refilled up to `nowMs` (a clock that went back refills nothing). */
export function refill(limit: BucketLimit, state: BucketState | undefined, nowMs: number): BucketState {
  if (state === undefined) return { tokens: limit.burst, atMs: nowMs };
  const elapsedMs = Math.max(0, nowMs - state.atMs);
  return { tokens: Math.min(limit.burst, state.tokens + (elapsedMs * limit.ratePerS) / MS_PER_S), atMs: Math.max(nowMs, state.atMs) };
}

/** Takes one token; refused when less than one is left, with the wait until one will be. */
export function takeToken(limit: BucketLimit, state: BucketState | undefined, nowMs: number): BucketDecision {
  const now = refill(limit, state, nowMs);
  if (!bucketEnabled(limit)) return { allowed: true, state: now };
  if (now.tokens >= 1) return { allowed: true, state: { tokens: now.tokens - 1, atMs: now.atMs } };
  return { allowed: false, state: now, retryAfterS: retryAfterSeconds(((1 - now.tokens) * MS_PER_S) / limit.ratePerS) };
}

/** How long until an untouched bucket is full again, i.e. until forgetting it changes nothing. */
export function msUntilFull(limit: BucketLimit, state: BucketState): number {
  if (!bucketEnabled(limit)) return 0;
  return Math.ceil(((limit.burst - state.tokens) * MS_PER_S) / limit.ratePerS);
}

/** True when the lockout applies at all. */
export function lockoutEnabled(limit: FailureLimit): boolean {
  return limit.maxFailures > 0 && limit.windowMs > 0;
}

/** Counts one failed attempt: in the current window, or as the first of a new one once it has passed. */
export function recordFailure(limit: FailureLimit, window: FailureWindow | undefined, nowMs: number): FailureWindow {
  if (window === undefined || nowMs >= window.startMs + limit.windowMs || nowMs < window.startMs) return { startMs: nowMs, failures: 1 };
  return { startMs: window.startMs, failures: window.failures + 1 };
}

/** Milliseconds the address stays locked out (every request refused), 0 when it is not. */
export function lockedForMs(limit: FailureLimit, window: FailureWindow | undefined, nowMs: number): number {
  if (!lockoutEnabled(limit) || window === undefined || window.failures < limit.maxFailures) return 0;
  return Math.max(0, window.startMs + limit.windowMs - nowMs);
}
