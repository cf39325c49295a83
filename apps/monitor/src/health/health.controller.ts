import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { REDIS } from '@push/redis';
import type { RedisClient } from '@push/redis';
import { MonitorJobsService } from '../jobs/monitor-jobs.service';

/** How long /readyz waits for Redis to answer a PING. */
const READY_PING_TIMEOUT_MS = 1_000;

/** GET /healthz (the process answers) and GET /readyz (Redis answers and the job worker runs). */
@Controller()
export class HealthController {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly jobs: MonitorJobsService,
  ) {}

  @Get('healthz')
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  async readyz(): Promise<{ status: 'ready' }> {
    if (!this.jobs.running) throw new ServiceUnavailableException('job worker is not running');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), READY_PING_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.redis.ping(), timeout]);
    } catch {
      throw new ServiceUnavailableException('redis is not answering');
    } finally {
      clearTimeout(timer);
    }
    return { status: 'ready' };
  }
}
