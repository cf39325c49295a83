import { Controller } from '@nestjs/common';
import type { HealthIndicatorFunction } from '@nestjs/terminus';
import { ProbesController, PushHealthIndicators, ReadinessCheck } from '@push/observability';
import { MonitorJobsService } from '../jobs/monitor-jobs.service';

/** GET /healthz and GET /readyz (terminus: the job worker runs, and Redis answers). */
@Controller()
export class HealthController extends ProbesController {
  constructor(
    indicators: PushHealthIndicators,
    readiness: ReadinessCheck,
    private readonly jobs: MonitorJobsService,
  ) {
    super(indicators, readiness);
  }

  protected conditions(): HealthIndicatorFunction[] {
    return [() => this.indicators.condition('jobs', this.jobs.running, 'job worker is not running')];
  }
}
