import { LruMap } from './lru-map';

describe('LruMap', () => {
  it('forgets the least recently used entry beyond its capacity', () => {
    const m = new LruMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    expect(m.get('a')).toBe(1); // a is now the newest
    m.set('c', 3);
    expect([m.get('a'), m.get('b'), m.get('c'), m.size]).toEqual([1, undefined, 3, 2]);
  });

  it('never grows past its capacity', () => {
    const m = new LruMap<number, number>(100);
    for (let i = 0; i < 10_000; i++) m.set(i, i);
    expect(m.size).toBe(100);
    expect(m.get(9_999)).toBe(9_999);
    expect(m.get(0)).toBeUndefined();
  });

  it('refuses a capacity below one', () => {
    expect(() => new LruMap(0)).toThrow(/at least 1/);
  });
});
