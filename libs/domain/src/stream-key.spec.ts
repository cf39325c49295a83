import { DomainError } from './errors';
import {
  compareKeys,
  formatMicros,
  keyFromMicros,
  parseKey,
  parseSince,
  parseTimestamp,
  rangeStart,
  SEQ_PER_MS,
  timestampFromKey,
} from './stream-key';

const key = (s: string) => {
  const parts = parseKey(s);
  if (parts === null) throw new Error(`not a key: ${s}`);
  return parts;
};

describe('stream keys and timestamps', () => {
  it('writes the spec example both ways', () => {
    const us = 1_764_260_000_123_456;
    expect(keyFromMicros(us)).toBe('1764260000123-456');
    expect(formatMicros(us)).toBe('1764260000.123456');
    expect(timestampFromKey(key('1764260000123-456'))).toBe('1764260000.123456');
    expect(parseTimestamp('1764260000.123456')).toBe(us);
  });

  it('maps microseconds to keys and timestamps one-to-one, in the same order', () => {
    const samples = [0, 1, 999, 1000, 1001, 999_999, 1_000_000, 1_764_260_000_000_000, 1_764_260_000_999_999, 4_102_444_800_000_001];
    // deterministic spread over a few years of microseconds
    for (let i = 0; i < 200; i++) samples.push(1_700_000_000_000_000 + ((i * 7_919_993_777) % 100_000_000_000_000));
    samples.sort((a, b) => a - b);
    for (const us of samples) {
      const k = keyFromMicros(us);
      const ts = timestampFromKey(key(k));
      expect(ts).toBe(formatMicros(us));
      expect(parseTimestamp(ts)).toBe(us);
      expect(keyFromMicros(parseTimestamp(ts)!)).toBe(k);
      expect(key(k).seq).toBeLessThan(SEQ_PER_MS);
    }
    for (let i = 1; i < samples.length; i++) {
      if (samples[i] === samples[i - 1]) continue;
      expect(compareKeys(key(keyFromMicros(samples[i - 1])), key(keyFromMicros(samples[i])))).toBeLessThan(0);
    }
  });

  it('pads the fraction of a timestamp to six digits', () => {
    expect(formatMicros(1_000_007)).toBe('1.000007');
    expect(formatMicros(5)).toBe('0.000005');
    expect(timestampFromKey(key('1000-0'))).toBe('1.000000');
  });

  it('clamps the sequence of a key Push did not write into the same millisecond', () => {
    expect(timestampFromKey(key('1000-5000'))).toBe('1.000999');
  });

  describe('parseKey', () => {
    it('reads <ms>-<seq>', () => {
      expect(parseKey('1764260000123-0')).toEqual({ ms: 1_764_260_000_123, seq: 0 });
      expect(parseKey('0-0')).toEqual({ ms: 0, seq: 0 });
    });

    it.each(['', '1', '1-', '-1', '1-2-3', 'a-1', '1.5-0', ' 1-0', '1-0 ', '9999999999999999-0', '1-9999999999999999'])('refuses %p', (s) => {
      expect(parseKey(s)).toBeNull();
    });
  });

  describe('compareKeys', () => {
    it('orders by millisecond, then sequence, numerically', () => {
      expect(compareKeys(key('9-0'), key('10-0'))).toBeLessThan(0);
      expect(compareKeys(key('10-2'), key('10-10'))).toBeLessThan(0);
      expect(compareKeys(key('11-0'), key('10-999'))).toBeGreaterThan(0);
      expect(compareKeys(key('10-3'), key('10-3'))).toBe(0);
    });
  });

  describe('parseTimestamp', () => {
    it('reads whole and fractional seconds', () => {
      expect(parseTimestamp('1764260000')).toBe(1_764_260_000_000_000);
      expect(parseTimestamp('1764260000.5')).toBe(1_764_260_000_500_000);
      expect(parseTimestamp('0.000001')).toBe(1);
    });

    it('rounds a fraction below a microsecond up, so an inclusive since never includes an earlier message', () => {
      expect(parseTimestamp('1.0000001')).toBe(1_000_001);
      expect(parseTimestamp('1.123456789')).toBe(1_123_457);
      expect(parseTimestamp('1.999999001')).toBe(2_000_000);
    });

    it('does not round when the extra digits are zeros', () => {
      expect(parseTimestamp('1.1234560')).toBe(1_123_456);
      expect(parseTimestamp('1.123456000')).toBe(1_123_456);
    });

    it.each(['', '.5', '1.', '-1', '+1', '1e3', '1.2.3', 'abc', ' 1', '1.1234567890', '1234567890123'])('refuses %p', (s) => {
      expect(parseTimestamp(s)).toBeNull();
    });
  });

  describe('parseSince', () => {
    it('reads a key as exclusive', () => {
      const since = parseSince('1764260000123-4');
      expect(since).toEqual({ kind: 'key', key: { ms: 1_764_260_000_123, seq: 4 }, raw: '1764260000123-4' });
      expect(rangeStart(since)).toBe('(1764260000123-4');
    });

    it('reads a timestamp as inclusive, starting at the key of that microsecond', () => {
      const since = parseSince('1764260000.123456');
      expect(since).toEqual({ kind: 'timestamp', micros: 1_764_260_000_123_456, raw: '1764260000.123456' });
      expect(rangeStart(since)).toBe('1764260000123-456');
      expect(rangeStart(parseSince('1764260000'))).toBe('1764260000000-0');
    });

    it('reads a message timestamp back to exactly that message key', () => {
      const k = '1764260000123-456';
      const since = parseSince(timestampFromKey(key(k)));
      expect(rangeStart(since)).toBe(k);
    });

    it.each(['', 'abc', '-1', '1-', '1.2.3', 'null', '1e9'])('refuses %p with an invalid_input error naming the field', (s) => {
      expect(() => parseSince(s)).toThrow(DomainError);
      try {
        parseSince(s, 'hello.since');
      } catch (err) {
        expect(err).toMatchObject({ code: 'invalid_input', field: 'hello.since' });
        expect((err as Error).message).toMatch(/^hello\.since /);
      }
    });
  });
});
