import { rateLimited, RateLimitedError } from './errors';
import { BucketLimit, BucketState, FailureLimit, FailureWindow, lockedForMs, msUntilFull, recordFailure, retryAfterSeconds, takeToken } from './rate-limit.rules';

/** Takes `n` tokens at `nowMs`, threading the state; returns the last decision's state and how many were allowed. */
function takeMany(limit: BucketLimit, state: BucketState | undefined, nowMs: number, n: number): { state: BucketState | undefined; allowed: number } {
  let allowed = 0;
  let s = state;
  for (let i = 0; i < n; i++) {
    const d = takeToken(limit, s, nowMs);
    s = d.state;
    if (d.allowed) allowed++;
  }
  return { state: s, allowed };
}

describe('token bucket', () => {
  const limit: BucketLimit = { burst: 5, ratePerS: 2 };
  const t0 = 1_000_000;

  it('allows a burst at once, then refuses with the wait until the next token', () => {
    const { state, allowed } = takeMany(limit, undefined, t0, 5);
    expect(allowed).toBe(5);
    const refused = takeToken(limit, state, t0);
    expect(refused).toMatchObject({ allowed: false, retryAfterS: 1 });
  });

  it('refills at the steady rate and never above the burst', () => {
    let { state } = takeMany(limit, undefined, t0, 5);
    expect(takeToken(limit, state, t0 + 499).allowed).toBe(false);
    const half = takeToken(limit, state, t0 + 500);
    expect(half.allowed).toBe(true);
    state = half.state;
    expect(takeMany(limit, state, t0 + 60_000, 10).allowed).toBe(5);
  });

  it('rounds the wait up to whole seconds, at least one', () => {
    const slow: BucketLimit = { burst: 1, ratePerS: 1 };
    const { state } = takeMany(slow, undefined, t0, 1);
    expect(takeToken(slow, state, t0 + 100)).toMatchObject({ allowed: false, retryAfterS: 1 });
    expect(retryAfterSeconds(0)).toBe(1);
    expect(retryAfterSeconds(1001)).toBe(2);
  });

  it('a refused take consumes nothing', () => {
    const { state } = takeMany(limit, undefined, t0, 5);
    const refused = takeMany(limit, state, t0 + 100, 50);
    expect(refused.allowed).toBe(0);
    expect(takeToken(limit, refused.state, t0 + 500).allowed).toBe(true);
  });

  it('a clock that goes back refills nothing', () => {
    const { state } = takeMany(limit, undefined, t0, 5);
    expect(takeToken(limit, state, t0 - 10_000).allowed).toBe(false);
  });

  it('is off when the burst or the rate is 0', () => {
    expect(takeMany({ burst: 0, ratePerS: 2 }, undefined, t0, 1000).allowed).toBe(1000);
    expect(takeMany({ burst: 5, ratePerS: 0 }, undefined, t0, 1000).allowed).toBe(1000);
  });

  it('knows when an untouched bucket is full again (so it can be forgotten)', () => {
    const { state } = takeMany(limit, undefined, t0, 5);
    expect(msUntilFull(limit, state as BucketState)).toBe(2500);
  });
});

describe('failed attempts lockout', () => {
  const limit: FailureLimit = { maxFailures: 3, windowMs: 10_000 };
  const t0 = 5_000_000;

  function failures(times: readonly number[]): FailureWindow | undefined {
    let w: FailureWindow | undefined;
    for (const t of times) w = recordFailure(limit, w, t);
    return w;
  }

  it('locks an address out once it reached the limit, until its window passes', () => {
    expect(lockedForMs(limit, failures([t0, t0 + 1]), t0 + 2)).toBe(0);
    const w = failures([t0, t0 + 1, t0 + 2_000]);
    expect(lockedForMs(limit, w, t0 + 2_000)).toBe(8_000);
    expect(lockedForMs(limit, w, t0 + 9_999)).toBe(1);
    expect(lockedForMs(limit, w, t0 + 10_000)).toBe(0);
  });

  it('starts a new window after the old one passed', () => {
    const w = failures([t0, t0 + 1, t0 + 10_000]);
    expect(w).toEqual({ startMs: t0 + 10_000, failures: 1 });
    expect(lockedForMs(limit, w, t0 + 10_000)).toBe(0);
  });

  it('is off when either number is 0', () => {
    const w = failures([t0, t0, t0, t0, t0]);
    expect(lockedForMs({ maxFailures: 0, windowMs: 10_000 }, w, t0)).toBe(0);
    expect(lockedForMs({ maxFailures: 3, windowMs: 0 }, w, t0)).toBe(0);
  });
});

describe('rateLimited', () => {
  it('is a rate_limited domain error carrying whole seconds, at least one', () => {
    const err = rateLimited('too many publishes to this push URL', 0.2);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect([err.code, err.message, err.retryAfterS]).toEqual(['rate_limited', 'too many publishes to this push URL', 1]);
    expect(rateLimited('x', 2.1).retryAfterS).toBe(3);
  });
});
