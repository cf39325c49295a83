import { Module } from '@nestjs/common';
import { ConfigModule } from '@push/config';
import { RedisModule } from '@push/redis';

@Module({ imports: [ConfigModule, RedisModule] })
export class MonitorModule {}
