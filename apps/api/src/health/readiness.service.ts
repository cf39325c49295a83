import { Inject, Injectable } from '@nestjs/common';
import { READY_PING_TIMEOUT_MS, REDIS, redisAnswers } from '@push/redis';
import type { RedisClient } from '@push/redis';
import { RedisOutage } from '../common/redis-outage.service';

/** How long Redis may take to answer a PING before the API reports itself not ready. */
export const READY_TIMEOUT_MS = READY_PING_TIMEOUT_MS;

/** Readiness: Redis answers a PING in time. */
@Injectable()
export class ReadinessService {
  constructor(
    @Inject(REDIS) private readonly redis: Pick<RedisClient, 'ping'>,
    private readonly outage: RedisOutage,
  ) {}

  isReady(): Promise<boolean> {
    // a failed ping is the answer, not an error of the probe; the outage is logged once
    return redisAnswers(this.redis, READY_TIMEOUT_MS, (err) => this.outage.report(err));
  }
}
