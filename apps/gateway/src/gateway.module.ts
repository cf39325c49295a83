import { Module } from '@nestjs/common';
import { ConfigModule } from '@push/config';
import { RedisModule } from '@push/redis';
import { ConnectionGateway } from './connection/connection.gateway';
import { ConnectionService } from './connection/connection.service';
import { SocketsPerAddress } from './connection/sockets-per-address';
import { DeliveryService } from './delivery/delivery.service';
import { subscriberProvider } from './delivery/subscriber.provider';
import { HeartbeatService } from './heartbeat/heartbeat.service';
import { DrainService } from './lifecycle/drain.service';
import { HealthController } from './lifecycle/health.controller';
import { NodeIdentityModule } from './lifecycle/node-identity.module';

/** One gateway node: WebSockets at `/`, routing from Redis pub/sub, heartbeat, drain, health. */
@Module({
  imports: [ConfigModule, NodeIdentityModule, RedisModule],
  controllers: [HealthController],
  providers: [subscriberProvider, DeliveryService, SocketsPerAddress, ConnectionService, ConnectionGateway, HeartbeatService, DrainService],
})
export class GatewayModule {}
