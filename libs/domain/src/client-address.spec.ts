import { clientAddress } from './client-address';

describe('clientAddress', () => {
  it('is the socket address when no proxy is trusted, whatever X-Forwarded-For claims', () => {
    expect(clientAddress('10.0.0.9', '1.2.3.4', 0)).toBe('10.0.0.9');
    expect(clientAddress(undefined, undefined, 0)).toBe('unknown');
  });

  it('behind one proxy, takes the entry that proxy appended (the rightmost), not what the client wrote', () => {
    expect(clientAddress('10.0.0.1', '203.0.113.7', 1)).toBe('203.0.113.7');
    expect(clientAddress('10.0.0.1', '6.6.6.6, 203.0.113.7', 1)).toBe('203.0.113.7');
    expect(clientAddress('10.0.0.1', ['6.6.6.6', '203.0.113.7'], 1)).toBe('203.0.113.7');
  });

  it('behind two proxies, the second entry from the right; a short header falls back to its leftmost entry', () => {
    expect(clientAddress('10.0.0.1', '6.6.6.6, 203.0.113.7, 10.0.0.2', 2)).toBe('203.0.113.7');
    expect(clientAddress('10.0.0.1', '203.0.113.7', 5)).toBe('203.0.113.7');
  });

  it('is the socket address when a trusted proxy sent no header', () => {
    expect(clientAddress('10.0.0.1', undefined, 1)).toBe('10.0.0.1');
    expect(clientAddress('10.0.0.1', ' , ', 1)).toBe('10.0.0.1');
  });
});
