import { loadConfig } from '@push/config';
import { ManualClock } from '@push/testing';
import { ADDRESS_LIMIT_MESSAGES, AddressLimits } from './address-limits.service';
import { isPublishRequest } from '../publish/publish.route';

function setup(env: Record<string, string>) {
  const clock = new ManualClock();
  return { clock, limits: new AddressLimits(loadConfig(env), clock) };
}

describe('AddressLimits', () => {
  it('publishes: a burst per address, then 429 with the wait, then the steady rate', () => {
    const { clock, limits } = setup({ PUBLISH_BURST_PER_IP: '3', PUBLISH_RATE_PER_IP: '2' });
    for (let i = 0; i < 3; i++) expect(limits.takePublish('a')).toBeNull();
    const refused = limits.takePublish('a');
    expect([refused?.code, refused?.message, refused?.retryAfterS]).toEqual(['rate_limited', ADDRESS_LIMIT_MESSAGES.publishes, 1]);
    expect(limits.takePublish('b')).toBeNull();
    clock.advance(500);
    expect(limits.takePublish('a')).toBeNull();
    expect(limits.takePublish('a')).not.toBeNull();
  });

  it('failed attempts: locked out after the limit until the window ends, with the remaining seconds', () => {
    const { clock, limits } = setup({ FAILED_ATTEMPTS_PER_IP: '3', FAILED_ATTEMPTS_WINDOW_S: '10' });
    limits.recordFailure('a');
    limits.recordFailure('a');
    expect(limits.lockout('a')).toBeNull();
    clock.advance(2_000);
    limits.recordFailure('a');
    const locked = limits.lockout('a');
    expect([locked?.message, locked?.retryAfterS]).toEqual([ADDRESS_LIMIT_MESSAGES.failures, 8]);
    expect(limits.lockout('b')).toBeNull();
    clock.advance(7_500);
    expect(limits.lockout('a')?.retryAfterS).toBe(1);
    clock.advance(500);
    expect(limits.lockout('a')).toBeNull();
  });

  it('a publish is refused while locked out (taking no token), and only 401/404 answers count as failures', () => {
    const { limits } = setup({ PUBLISH_BURST_PER_IP: '2', PUBLISH_RATE_PER_IP: '1', FAILED_ATTEMPTS_PER_IP: '2', FAILED_ATTEMPTS_WINDOW_S: '10' });
    expect(limits.admitPublish('a')).toBeNull();
    for (const status of [200, 400, 429, 503]) limits.answered('a', status);
    expect(limits.lockout('a')).toBeNull();
    limits.answered('a', 401);
    limits.answered('a', 404);
    expect(limits.admitPublish('a')?.message).toBe(ADDRESS_LIMIT_MESSAGES.failures);
    // the refused publish took no token: a's bucket still holds its second one
    expect(limits.takePublish('a')).toBeNull();
  });

  it('0 turns each limit off', () => {
    const { limits } = setup({ PUBLISH_BURST_PER_IP: '0', FAILED_ATTEMPTS_PER_IP: '0' });
    for (let i = 0; i < 5_000; i++) {
      expect(limits.takePublish('a')).toBeNull();
      limits.recordFailure('a');
    }
    expect(limits.lockout('a')).toBeNull();
  });
});

describe('isPublishRequest', () => {
  const pushUrlId = 'd9vibOG4mYSm7cvEfWO4lnsP_701JLFSaNKM1ysofnIJnvqYRkEk0-crVmU';
  it('is a POST to a push URL, with or without the trailing slash or a query', () => {
    expect(isPublishRequest('POST', `/queue/${pushUrlId}/`)).toBe(true);
    expect(isPublishRequest('POST', `/queue/${pushUrlId}`)).toBe(true);
    expect(isPublishRequest('POST', `/queue/${pushUrlId}/?x=1`)).toBe(true);
  });

  it('is not a read marker (a user queue id), another method or another route', () => {
    expect(isPublishRequest('POST', '/queue/0123456789abcdef0123456789abcdef/')).toBe(false);
    expect(isPublishRequest('DELETE', `/queue/${pushUrlId}/`)).toBe(false);
    expect(isPublishRequest('POST', '/queue/')).toBe(false);
    expect(isPublishRequest('POST', '/token/')).toBe(false);
    expect(isPublishRequest('POST', `/queue/${pushUrlId}/more`)).toBe(false);
  });
});
