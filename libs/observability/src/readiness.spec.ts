import { HealthIndicatorService } from '@nestjs/terminus';
import { READY_PING_TIMEOUT_MS } from '@push/redis';
import { PushHealthIndicators, reasonOf } from './readiness';

describe('readiness', () => {
  afterEach(() => jest.useRealTimers());

  const indicators = (ping: () => Promise<'PONG'>): PushHealthIndicators => new PushHealthIndicators(new HealthIndicatorService(), { ping });

  it('is up when Redis answers a PING', async () => {
    await expect(indicators(async () => 'PONG').redisAnswers()).resolves.toEqual({ redis: { status: 'up' } });
  });

  it('is down when the PING fails, and reports the failure', async () => {
    const seen: unknown[] = [];
    const result = await indicators(() => Promise.reject(new Error('Connection is closed.'))).redisAnswers((err) => seen.push(err));
    expect(result).toEqual({ redis: { status: 'down', message: 'redis does not answer' } });
    expect(seen).toHaveLength(1);
  });

  it('is down when the PING does not answer in time', async () => {
    jest.useFakeTimers();
    const result = indicators(() => new Promise<'PONG'>(() => undefined)).redisAnswers();
    jest.advanceTimersByTime(READY_PING_TIMEOUT_MS);
    await expect(result).resolves.toEqual({ redis: { status: 'down', message: 'redis does not answer' } });
  });

  it('names every failed indicator of a terminus failure body', () => {
    expect(reasonOf({ status: 'error', error: { draining: { status: 'down', message: 'node is draining' }, redis: { status: 'down' } } })).toBe('draining: node is draining; redis');
    expect(reasonOf({ status: 'shutting_down', error: {} })).toBe('shutting down');
    expect(reasonOf('x')).toBe('not ready');
  });
});
