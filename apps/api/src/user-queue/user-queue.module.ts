import { Module } from '@nestjs/common';
import { PushUrlModule } from '../push-url/push-url.module';
import { TokenModule } from '../token/token.module';
import { UserQueueController } from './user-queue.controller';
import { UserQueueService } from './user-queue.service';

/** A token's own user queue: history, last_seen, read markers. */
@Module({ imports: [TokenModule, PushUrlModule], controllers: [UserQueueController], providers: [UserQueueService], exports: [UserQueueService] })
export class UserQueueModule {}
