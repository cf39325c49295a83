import { Module } from '@nestjs/common';
import { ApiExceptionFilter } from '../common/api-exception.filter';
import { LimitsModule } from '../limits/limits.module';
import { UserQueueModule } from '../user-queue/user-queue.module';
import { PublishLane } from './publish.lane';
import { PublishRoute } from './publish.route';
import { PublishService } from './publish.service';

/** Publishing through push URLs (and read markers, which share the route). */
@Module({ imports: [UserQueueModule, LimitsModule], providers: [PublishService, PublishRoute, PublishLane, ApiExceptionFilter] })
export class PublishModule {}
