/** Tuning of the reconnect backoff. */
export interface BackoffOptions {
  /** First ceiling of the wait; doubles per failed attempt. Default 500. */
  baseMs?: number;
  /** Largest ceiling of the wait. Default 20000. */
  capMs?: number;
  /** A connection that stayed up this long resets the attempt count. Default 10000. */
  stableAfterMs?: number;
}

/** Sources of randomness and time, injectable for tests. */
export interface BackoffEnvironment {
  /** Uniform in [0, 1). */
  random: () => number;
  /** Milliseconds, monotonic enough for measuring how long a connection stayed up. */
  now: () => number;
}

export const DEFAULT_BACKOFF = { baseMs: 500, capMs: 20_000, stableAfterMs: 10_000 } as const;

/**
 * Full-jitter exponential backoff (AWS architecture blog, "Exponential Backoff and Jitter"): the wait
 * before retry n is uniform in [0, min(cap, base * 2^n)), so clients dropped together by one node do
 * not come back together.
 */
export class Backoff {
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly stableAfterMs: number;
  private attempt = 0;
  private upSinceMs: number | null = null;

  constructor(
    options: BackoffOptions = {},
    private readonly env: BackoffEnvironment = { random: Math.random, now: Date.now },
  ) {
    this.baseMs = options.baseMs ?? DEFAULT_BACKOFF.baseMs;
    this.capMs = options.capMs ?? DEFAULT_BACKOFF.capMs;
    this.stableAfterMs = options.stableAfterMs ?? DEFAULT_BACKOFF.stableAfterMs;
  }

  /** Failed attempts since the last stable connection. */
  get attempts(): number {
    return this.attempt;
  }

  /** A connection is up (authenticated): the clock for "stable" starts. */
  connected(): void {
    this.upSinceMs = this.env.now();
  }

  /** The connection is gone or an attempt failed: how long to wait before the next attempt. */
  nextDelayMs(): number {
    if (this.upSinceMs !== null && this.env.now() - this.upSinceMs >= this.stableAfterMs) this.attempt = 0;
    this.upSinceMs = null;
    // 2^30 already exceeds any sane cap; stop the exponent there so it never overflows to Infinity
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt += 1;
    return Math.floor(this.env.random() * ceiling);
  }

  /** Forget past failures (e.g. after close()). */
  reset(): void {
    this.attempt = 0;
    this.upSinceMs = null;
  }
}
