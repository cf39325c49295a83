import { Global, Module } from '@nestjs/common';
import { clockProvider } from './clock.provider';
import { QueueUrlBuilder } from './queue-urls';
import { RedisOutage } from './redis-outage.service';

/** What every feature of the API shares: the clock, URL building, the Redis outage tracker. */
@Global()
@Module({
  providers: [clockProvider, QueueUrlBuilder, RedisOutage],
  exports: [clockProvider, QueueUrlBuilder, RedisOutage],
})
export class CommonModule {}
