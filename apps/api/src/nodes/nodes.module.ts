import { Module } from '@nestjs/common';
import { NodesController } from './nodes.controller';
import { NodesService } from './nodes.service';

/** Gateway discovery for clients. */
@Module({ controllers: [NodesController], providers: [NodesService] })
export class NodesModule {}
