import { Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { ConfigModule } from '@push/config';
import { ObservabilityModule } from '@push/observability';
import { RedisModule } from '@push/redis';
import { ApiExceptionFilter } from './common/api-exception.filter';
import { CommonModule } from './common/common.module';
import { apiValidationPipe } from './common/input-validation';
import { HealthModule } from './health/health.module';
import { LimitsModule } from './limits/limits.module';
import { NodesModule } from './nodes/nodes.module';
import { PublishModule } from './publish/publish.module';
import { PushUrlModule } from './push-url/push-url.module';
import { TokenModule } from './token/token.module';
import { UserQueueModule } from './user-queue/user-queue.module';

/** The HTTP API: clients, push URLs, publishing, user queues, gateway discovery, health, metrics. */
@Module({
  imports: [
    ConfigModule,
    RedisModule,
    ObservabilityModule.forRoot({ app: 'api' }),
    CommonModule,
    LimitsModule,
    TokenModule,
    PushUrlModule,
    PublishModule,
    UserQueueModule,
    NodesModule,
    HealthModule,
  ],
  providers: [
    { provide: APP_FILTER, useClass: ApiExceptionFilter },
    { provide: APP_PIPE, useFactory: apiValidationPipe },
  ],
})
export class ApiModule {}
