import { Controller, Get } from '@nestjs/common';
import { DomainError } from '@push/domain';
import { ReadinessService } from './readiness.service';

/** `GET /healthz` (the process answers) and `GET /readyz` (and Redis answers too). */
@Controller()
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  @Get('healthz')
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  async ready(): Promise<{ status: 'ready' }> {
    if (!(await this.readiness.isReady())) throw new DomainError('unavailable', 'redis does not answer');
    return { status: 'ready' };
  }
}
