import { nestsDeeperThan } from './http-limits';

describe('nestsDeeperThan', () => {
  const nested = (levels: number): unknown => JSON.parse(`${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`);

  it('counts object and array levels, scalars being no level', () => {
    expect(nestsDeeperThan(1, 0)).toBe(false);
    expect(nestsDeeperThan({}, 0)).toBe(true);
    expect(nestsDeeperThan({}, 1)).toBe(false);
    expect(nestsDeeperThan({ a: [{ b: 1 }] }, 3)).toBe(false);
    expect(nestsDeeperThan({ a: [{ b: 1 }] }, 2)).toBe(true);
    expect(nestsDeeperThan(nested(32), 32)).toBe(false);
    expect(nestsDeeperThan(nested(33), 32)).toBe(true);
  });

  it('walks 10,000 levels without recursion', () => {
    expect(nestsDeeperThan(nested(10_000), 32)).toBe(true);
    expect(nestsDeeperThan(JSON.parse(`${'['.repeat(30_000)}${']'.repeat(30_000)}`), 32)).toBe(true);
  });
});
