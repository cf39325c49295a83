import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { REDIS, redisAnswers } from '@push/redis';
import type { RedisClient } from '@push/redis';
import { DrainService } from './drain.service';

/** GET /healthz (the process answers) and GET /readyz (Redis answers and the node is not draining). */
@Controller()
export class HealthController {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly drain: DrainService,
  ) {}

  @Get('healthz')
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  async readyz(): Promise<{ status: 'ready' }> {
    if (!this.drain.accepting) throw new ServiceUnavailableException('node is draining');
    if (!(await redisAnswers(this.redis))) throw new ServiceUnavailableException('redis is not answering');
    return { status: 'ready' };
  }
}
