import { Inject, Injectable } from '@nestjs/common';
import { REDIS } from '@push/redis';
import type { RedisClient } from '@push/redis';
import { RedisOutage } from '../common/redis-outage.service';

/** How long Redis may take to answer a PING before the API reports itself not ready. */
export const READY_TIMEOUT_MS = 1_000;

/** Readiness: Redis answers a PING in time. */
@Injectable()
export class ReadinessService {
  constructor(
    @Inject(REDIS) private readonly redis: Pick<RedisClient, 'ping'>,
    private readonly outage: RedisOutage,
  ) {}

  async isReady(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
    });
    const ping = this.redis.ping().then(
      () => true,
      (err: unknown) => {
        // a failed ping is the answer, not an error of the probe; the outage is logged once
        this.outage.report(err);
        return false;
      },
    );
    try {
      return await Promise.race([ping, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}
