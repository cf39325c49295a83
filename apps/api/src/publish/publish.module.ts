import { Module } from '@nestjs/common';
import { ApiExceptionFilter } from '../common/api-exception.filter';
import { UserQueueModule } from '../user-queue/user-queue.module';
import { PublishRoute } from './publish.route';
import { PublishService } from './publish.service';

/** Publishing through push URLs (and read markers, which share the route). */
@Module({ imports: [UserQueueModule], providers: [PublishService, PublishRoute, ApiExceptionFilter] })
export class PublishModule {}
