import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { REDIS, redisAnswers } from '@push/redis';
import type { RedisClient } from '@push/redis';
import { MonitorJobsService } from '../jobs/monitor-jobs.service';

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
    if (!(await redisAnswers(this.redis))) throw new ServiceUnavailableException('redis is not answering');
    return { status: 'ready' };
  }
}
