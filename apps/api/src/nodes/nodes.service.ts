import { Inject, Injectable } from '@nestjs/common';
import { PUSH_CONFIG } from '@push/config';
import type { PushConfig } from '@push/config';
import { heartbeatIntervalMs, liveNodes } from '@push/domain';
import type { Clock, NodeRegistry } from '@push/domain';
import { NODE_REGISTRY } from '@push/redis';
import { CLOCK } from '../common/clock.provider';

/**
 * Where clients should connect: gateway nodes with a recent heartbeat, least connections first. Behind a
 * load balancer (NODES_PUBLIC_ADDRESS) the nodes' own addresses are unreachable for clients, so the answer
 * is the balancer's address alone, and only while some node is live: an empty list still means "no gateway".
 */
@Injectable()
export class NodesService {
  constructor(
    @Inject(NODE_REGISTRY) private readonly registry: NodeRegistry,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PUSH_CONFIG) private readonly config: PushConfig,
  ) {}

  /** `host:port` of every live node, or of the load balancer in front of them. */
  async liveAddresses(): Promise<string[]> {
    const nodes = await this.registry.list();
    const live = liveNodes(nodes, this.clock.nowMs(), heartbeatIntervalMs(this.config.monitorPeriodMs))
      .map((n) => n.address)
      .filter((address) => address !== '');
    const balancer = this.config.nodesPublicAddress;
    if (balancer === null) return live;
    return live.length > 0 ? [balancer] : [];
  }
}
