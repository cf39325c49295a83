import { Module } from '@nestjs/common';
import { ConfigModule } from '@push/config';
import { ObservabilityModule } from '@push/observability';
import { RedisModule } from '@push/redis';
import { ConnectionGateway } from './connection/connection.gateway';
import { ConnectionService } from './connection/connection.service';
import { SocketsPerAddress } from './connection/sockets-per-address';
import { DeliveryService } from './delivery/delivery.service';
import { subscriberProvider } from './delivery/subscriber.provider';
import { HeartbeatService } from './heartbeat/heartbeat.service';
import { DrainService } from './lifecycle/drain.service';
import { HealthController } from './lifecycle/health.controller';
import { NODE_ID, NodeIdentityModule } from './lifecycle/node-identity.module';
import { socketGaugeProvider } from './lifecycle/socket-gauge.provider';

/** One gateway node: WebSockets at `/`, routing from Redis pub/sub, heartbeat, drain, health, metrics. */
@Module({
  imports: [ConfigModule, NodeIdentityModule, RedisModule, ObservabilityModule.forRoot({ app: 'gateway', processId: NODE_ID })],
  controllers: [HealthController],
  providers: [subscriberProvider, DeliveryService, SocketsPerAddress, ConnectionService, ConnectionGateway, HeartbeatService, DrainService, socketGaugeProvider],
})
export class GatewayModule {}
