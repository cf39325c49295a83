import { compareKeys, isMessageKey, isReadMarker, parseMessage } from './message';

describe('message keys', () => {
  it('orders by ms, then by seq, numerically', () => {
    expect(compareKeys('1000-2', '1000-10')).toBeLessThan(0);
    expect(compareKeys('999-99', '1000-0')).toBeLessThan(0);
    expect(compareKeys('1764260000123-5', '1764260000123-5')).toBe(0);
    expect(compareKeys('1764260000124-0', '1764260000123-999')).toBeGreaterThan(0);
  });

  it('tells keys from timestamps', () => {
    expect(isMessageKey('1764260000123-456')).toBe(true);
    expect(isMessageKey('1764260000.123456')).toBe(false);
    expect(isMessageKey('')).toBe(false);
  });
});

describe('parseMessage', () => {
  const base = { key: '1-0', timestamp: '0.001000', queue: 'http://h/queue/x/' };

  it('accepts notifications and read markers', () => {
    const note = parseMessage({ ...base, body: { title: 't', body: 'b', actionUrl: 'https://a', replaceId: 'r' } });
    expect(note?.body).toEqual({ title: 't', body: 'b', actionUrl: 'https://a', replaceId: 'r' });
    const marker = parseMessage({ ...base, body: { read: '0-1' } });
    expect(marker && isReadMarker(marker)).toBe(true);
  });

  it('refuses what is not the message format', () => {
    expect(parseMessage(null)).toBeNull();
    expect(parseMessage({ ...base, key: 'x' })).toBeNull();
    expect(parseMessage({ ...base, body: {} })).toBeNull();
    expect(parseMessage({ ...base, body: { title: 1 } })).toBeNull();
    expect(parseMessage({ ...base, body: { title: 't', actionUrl: 5 } })).toBeNull();
    expect(parseMessage({ type: 'hello', node: 'n', recovered: true })).toBeNull();
  });
});
