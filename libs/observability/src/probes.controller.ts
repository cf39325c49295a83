import { Get, Header, ServiceUnavailableException } from '@nestjs/common';
import type { HealthIndicatorFunction } from '@nestjs/terminus';
import { PushHealthIndicators, ReadinessCheck } from './readiness';

/**
 * GET /healthz (the process answers) and GET /readyz (terminus: the app's own conditions, and Redis
 * answers), for the apps whose errors are Nest's default JSON (gateway, monitor). An app subclasses it
 * under `@Controller()` and names its conditions; the api has its own, in its error format.
 */
export abstract class ProbesController {
  protected constructor(
    protected readonly indicators: PushHealthIndicators,
    private readonly readiness: ReadinessCheck,
  ) {}

  /** The app's own readiness conditions, checked before Redis. */
  protected abstract conditions(): HealthIndicatorFunction[];

  @Get('healthz')
  @Header('cache-control', 'no-store')
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  @Header('cache-control', 'no-store')
  async readyz(): Promise<{ status: 'ready' }> {
    const verdict = await this.readiness.run([...this.conditions(), () => this.indicators.redisAnswers()]);
    if (!verdict.ready) throw new ServiceUnavailableException(`not ready: ${verdict.reason}`);
    return { status: 'ready' };
  }
}
