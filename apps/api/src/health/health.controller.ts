import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { DomainError } from '@push/domain';
import { ErrorBody, HealthBody, ReadyBody } from '../common/api-docs';
import { ReadinessService } from './readiness.service';

/** `GET /healthz` (the process answers) and `GET /readyz` (and Redis answers too). */
@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  @Get('healthz')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Liveness: the process answers (200 while it serves)' })
  @ApiOkResponse({ type: HealthBody })
  health(): HealthBody {
    return { status: 'ok' };
  }

  @Get('readyz')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Readiness: Redis answers a PING within a second' })
  @ApiOkResponse({ type: ReadyBody })
  @ApiServiceUnavailableResponse({ type: ErrorBody, description: 'Redis does not answer (or the process is shutting down); Retry-After: 1' })
  async ready(): Promise<ReadyBody> {
    const verdict = await this.readiness.check();
    if (!verdict.ready) throw new DomainError('unavailable', `not ready: ${verdict.reason}`);
    return { status: 'ready' };
  }
}
