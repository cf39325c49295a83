import { Injectable } from '@nestjs/common';
import { PushHealthIndicators, ReadinessCheck } from '@push/observability';
import type { Readiness } from '@push/observability';
import { RedisOutage } from '../common/redis-outage.service';

/** Readiness of the api: Redis answers a PING in time (terminus indicator `redis`). */
@Injectable()
export class ReadinessService {
  constructor(
    private readonly indicators: PushHealthIndicators,
    private readonly readiness: ReadinessCheck,
    private readonly outage: RedisOutage,
  ) {}

  check(): Promise<Readiness> {
    // a failed ping is the answer, not an error of the probe; the outage is logged once
    return this.readiness.run([() => this.indicators.redisAnswers((err) => this.outage.report(err))]);
  }
}
