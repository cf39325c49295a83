import { Inject, Injectable } from '@nestjs/common';
import { PUSH_CONFIG } from '@push/config';
import type { PushConfig } from '@push/config';
import { heartbeatIntervalMs, liveNodes } from '@push/domain';
import type { Clock, NodeRegistry } from '@push/domain';
import { NODE_REGISTRY } from '@push/redis';
import { CLOCK } from '../common/clock.provider';

/** Where clients should connect: gateway nodes with a recent heartbeat, least connections first. */
@Injectable()
export class NodesService {
  constructor(
    @Inject(NODE_REGISTRY) private readonly registry: NodeRegistry,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PUSH_CONFIG) private readonly config: PushConfig,
  ) {}

  /** `host:port` of every live node. */
  async liveAddresses(): Promise<string[]> {
    const nodes = await this.registry.list();
    return liveNodes(nodes, this.clock.nowMs(), heartbeatIntervalMs(this.config.monitorPeriodMs))
      .map((n) => n.address)
      .filter((address) => address !== '');
  }
}
