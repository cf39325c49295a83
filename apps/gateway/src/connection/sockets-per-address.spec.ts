import type { IncomingMessage } from 'node:http';
import { loadConfig } from '@push/config';
import { SocketsPerAddress } from './sockets-per-address';

const upgrade = (remoteAddress: string, forwardedFor?: string): IncomingMessage =>
  ({ socket: { remoteAddress }, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } }) as unknown as IncomingMessage;

describe('SocketsPerAddress', () => {
  it('lets an address hold up to the limit, and one more once one closed', () => {
    const s = new SocketsPerAddress(loadConfig({ MAX_SOCKETS_PER_IP: '2' }));
    s.opened('a');
    s.opened('a');
    expect([s.hasRoom('a'), s.hasRoom('b')]).toEqual([false, true]);
    s.closed('a');
    expect([s.hasRoom('a'), s.count('a')]).toEqual([true, 1]);
    s.closed('a');
    expect(s.count('a')).toBe(0);
  });

  it('forgets an address with no socket (memory follows the sockets)', () => {
    const s = new SocketsPerAddress(loadConfig({ MAX_SOCKETS_PER_IP: '2' }));
    s.opened('a');
    s.closed('a');
    s.closed('a');
    expect(s.count('a')).toBe(0);
    expect((s as unknown as { open: Map<string, number> }).open.size).toBe(0);
  });

  it('has no limit at 0', () => {
    const s = new SocketsPerAddress(loadConfig({ MAX_SOCKETS_PER_IP: '0' }));
    for (let i = 0; i < 10_000; i++) s.opened('a');
    expect(s.hasRoom('a')).toBe(true);
  });

  it('says whether sockets are counted at all, so that an unlimited node skips the address look-up', () => {
    expect(new SocketsPerAddress(loadConfig({ MAX_SOCKETS_PER_IP: '0' })).limited).toBe(false);
    expect(new SocketsPerAddress(loadConfig({ MAX_SOCKETS_PER_IP: '2' })).limited).toBe(true);
  });

  it('believes X-Forwarded-For only behind TRUST_PROXY proxies', () => {
    expect(new SocketsPerAddress(loadConfig({})).addressOf(upgrade('10.0.0.1', '203.0.113.7'))).toBe('10.0.0.1');
    expect(new SocketsPerAddress(loadConfig({ TRUST_PROXY: '1' })).addressOf(upgrade('10.0.0.1', '6.6.6.6, 203.0.113.7'))).toBe('203.0.113.7');
  });
});
