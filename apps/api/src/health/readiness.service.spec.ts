import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import { RedisOutage } from '../common/redis-outage.service';
import { READY_TIMEOUT_MS, ReadinessService } from './readiness.service';

describe('ReadinessService', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined));
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  const outage = (): RedisOutage => new RedisOutage(new EventEmitter());

  it('is ready when Redis answers a PING', async () => {
    await expect(new ReadinessService({ ping: async () => 'PONG' }, outage()).isReady()).resolves.toBe(true);
  });

  it('is not ready when the PING fails, and reports the outage', async () => {
    const o = outage();
    await expect(new ReadinessService({ ping: async () => Promise.reject(new Error('Connection is closed.')) }, o).isReady()).resolves.toBe(false);
    expect(o.isDown).toBe(true);
  });

  it('is not ready when the PING does not answer in time', async () => {
    jest.useFakeTimers();
    const ready = new ReadinessService({ ping: () => new Promise<'PONG'>(() => undefined) }, outage()).isReady();
    jest.advanceTimersByTime(READY_TIMEOUT_MS);
    await expect(ready).resolves.toBe(false);
  });
});
