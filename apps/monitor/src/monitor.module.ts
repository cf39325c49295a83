import { Module } from '@nestjs/common';
import { ConfigModule } from '@push/config';
import { ObservabilityModule } from '@push/observability';
import { RedisModule } from '@push/redis';
import { HealthController } from './health/health.controller';
import { RetentionTrimmerService } from './housekeeping/retention-trimmer.service';
import { MonitorJobsService } from './jobs/monitor-jobs.service';
import { NodeReaperService } from './liveness/node-reaper.service';

/** The monitor: reaps dead gateway nodes and trims retention, as BullMQ job schedulers; health and metrics. */
@Module({
  imports: [ConfigModule, RedisModule, ObservabilityModule.forRoot({ app: 'monitor' })],
  controllers: [HealthController],
  providers: [NodeReaperService, RetentionTrimmerService, MonitorJobsService],
})
export class MonitorModule {}
