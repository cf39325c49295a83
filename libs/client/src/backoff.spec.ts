import { Backoff } from './backoff';

/** A clock and a random source the test sets by hand. */
function env(randomValue = 0.5) {
  const state = { nowMs: 0, random: randomValue };
  return { state, env: { random: () => state.random, now: () => state.nowMs } };
}

describe('Backoff', () => {
  it('waits random * min(cap, base * 2^attempt): full jitter, doubling up to the cap', () => {
    const { env: e } = env(0.999999);
    const backoff = new Backoff({ baseMs: 500, capMs: 20_000 }, e);
    const ceilings = Array.from({ length: 9 }, () => backoff.nextDelayMs());
    expect(ceilings).toEqual([499, 999, 1999, 3999, 7999, 15999, 19999, 19999, 19999]);
  });

  it('spreads the wait over the whole window, from zero', () => {
    const { state, env: e } = env(0);
    const backoff = new Backoff({ baseMs: 500, capMs: 20_000 }, e);
    expect(backoff.nextDelayMs()).toBe(0);
    state.random = 0.5;
    expect(backoff.nextDelayMs()).toBe(500); // attempt 1: half of 1000
    state.random = 0.25;
    expect(backoff.nextDelayMs()).toBe(500); // attempt 2: a quarter of 2000
  });

  it('resets after a connection stayed up stableAfterMs, not after a shorter one', () => {
    const { state, env: e } = env(0.999999);
    const backoff = new Backoff({ baseMs: 100, capMs: 10_000, stableAfterMs: 5_000 }, e);
    backoff.nextDelayMs();
    backoff.nextDelayMs();
    expect(backoff.attempts).toBe(2);

    backoff.connected();
    state.nowMs += 4_999; // dropped just before it counted as stable: keep backing off
    expect(backoff.nextDelayMs()).toBe(399);

    backoff.connected();
    state.nowMs += 5_000;
    expect(backoff.nextDelayMs()).toBe(99);
    expect(backoff.attempts).toBe(1);
  });

  it('never overflows however many attempts fail', () => {
    const { env: e } = env(0.999999);
    const backoff = new Backoff({ baseMs: 500, capMs: 20_000 }, e);
    for (let i = 0; i < 2_000; i++) backoff.nextDelayMs();
    expect(backoff.nextDelayMs()).toBe(19999);
  });

  it('has the documented defaults', () => {
    const { env: e } = env(0.999999);
    const backoff = new Backoff({}, e);
    expect(backoff.nextDelayMs()).toBe(499);
    for (let i = 0; i < 20; i++) backoff.nextDelayMs();
    expect(backoff.nextDelayMs()).toBe(19999);
  });
});
