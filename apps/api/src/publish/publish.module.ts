import { Module } from '@nestjs/common';
import { UserQueueModule } from '../user-queue/user-queue.module';
import { PublishController } from './publish.controller';
import { PublishService } from './publish.service';

/** Publishing through push URLs (and read markers, which share the route). */
@Module({ imports: [UserQueueModule], controllers: [PublishController], providers: [PublishService] })
export class PublishModule {}
