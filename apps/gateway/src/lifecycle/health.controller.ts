import { Controller, Get, Header, ServiceUnavailableException } from '@nestjs/common';
import { PushHealthIndicators, ReadinessCheck } from '@push/observability';
import { DrainService } from './drain.service';

/** GET /healthz (the process answers) and GET /readyz (terminus: not draining, and Redis answers). */
@Controller()
export class HealthController {
  constructor(
    private readonly indicators: PushHealthIndicators,
    private readonly readiness: ReadinessCheck,
    private readonly drain: DrainService,
  ) {}

  @Get('healthz')
  @Header('cache-control', 'no-store')
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  @Header('cache-control', 'no-store')
  async readyz(): Promise<{ status: 'ready' }> {
    const verdict = await this.readiness.run([
      () => this.indicators.condition('draining', this.drain.accepting, 'node is draining'),
      () => this.indicators.redisAnswers(),
    ]);
    if (!verdict.ready) throw new ServiceUnavailableException(`not ready: ${verdict.reason}`);
    return { status: 'ready' };
  }
}
