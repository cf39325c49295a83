import { PUBLISH_ARG_COUNT, publishBatchLua, publishKeyCount, publishLua } from './lua.scripts';

describe('publishLua', () => {
  it('writes the length cap and the limit into the text, and leaves the bucket out without a limit', () => {
    const limited = publishLua({ maxLen: 1000, limit: { burst: 100, ratePerS: 2 } });
    expect(limited).toContain("'MAXLEN', '1000', t[1]");
    expect(limited).toContain('take_publish_token(KEYS[4], 100, 2, tonumber(t[1]) * 1000 + tonumber(us) / 1000)');
    // the limit and the stamp share one reading of the clock
    expect(limited.match(/redis\.call\('TIME'\)/g)).toHaveLength(1);
    const unlimited = publishLua({ maxLen: 5, limit: null });
    expect(unlimited).toContain("'MAXLEN', '5', t[1]");
    // trimming by age is the monitor's, not every publish's
    expect(unlimited).not.toContain('MINID');
    expect(unlimited).not.toContain('take_publish_token');
    expect(unlimited).not.toContain('KEYS[4]');
  });

  it.each([
    ['maxLen', { maxLen: 1.5, limit: null }],
    ['maxLen', { maxLen: -1, limit: null }],
    ['maxLen', { maxLen: Number.NaN, limit: null }],
    ['burst', { maxLen: 1, limit: { burst: Number.POSITIVE_INFINITY, ratePerS: 1 } }],
    ['ratePerS', { maxLen: 1, limit: { burst: 1, ratePerS: 0.5 } }],
  ])('refuses a %s that is not a whole number >= 0 rather than write it into a script', (name, settings) => {
    expect(() => publishLua(settings)).toThrow(new RegExp(`^${name} must be a whole number`));
  });
});

describe('publishBatchLua', () => {
  it('steps through the keys and arguments of each publish, with the settings in its text and one stamp per call', () => {
    const limited = publishBatchLua({ maxLen: 1000, limit: { burst: 100, ratePerS: 2 } });
    expect(publishKeyCount({ burst: 100, ratePerS: 2 })).toBe(4);
    expect(limited).toContain(`pcall(publish_one, i * 4 - 4, i * ${PUBLISH_ARG_COUNT} - ${PUBLISH_ARG_COUNT})`);
    expect(limited).toContain('take_publish_token(KEYS[k + 4], 100, 2, tonumber(t[1]) * 1000 + tonumber(us) / 1000)');
    expect(limited.match(/redis\.call\('TIME'\)/g)).toHaveLength(1);
    expect(limited).toContain("'MAXLEN', '1000', stamp_key");
    const unlimited = publishBatchLua({ maxLen: 5, limit: null });
    expect(publishKeyCount(null)).toBe(3);
    expect(unlimited).toContain('pcall(publish_one, i * 3 - 3, i * 5 - 5)');
    expect(unlimited).not.toContain('take_publish_token');
    expect(unlimited.match(/redis\.call\('TIME'\)/g)).toHaveLength(1);
  });
});
