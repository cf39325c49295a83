import { Controller } from '@nestjs/common';
import type { HealthIndicatorFunction } from '@nestjs/terminus';
import { ProbesController, PushHealthIndicators, ReadinessCheck } from '@push/observability';
import { DrainService } from './drain.service';

/** GET /healthz and GET /readyz (terminus: not draining, and Redis answers). */
@Controller()
export class HealthController extends ProbesController {
  constructor(
    indicators: PushHealthIndicators,
    readiness: ReadinessCheck,
    private readonly drain: DrainService,
  ) {
    super(indicators, readiness);
  }

  protected conditions(): HealthIndicatorFunction[] {
    return [() => this.indicators.condition('draining', this.drain.accepting, 'node is draining')];
  }
}
