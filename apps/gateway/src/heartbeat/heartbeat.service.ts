import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { heartbeatIntervalMs } from '@push/domain';
import type { NodeRegistry } from '@push/domain';
import { PUSH_CONFIG } from '@push/config';
import type { PushConfig } from '@push/config';
import { NODE_REGISTRY, REDIS } from '@push/redis';
import type { RedisClient } from '@push/redis';
import { ConnectionService } from '../connection/connection.service';
import { NODE_ID } from '../lifecycle/node-identity.module';

/**
 * Registers this node for GET /nodes/ and refreshes its record every heartbeatIntervalMs(MONITOR_PERIOD_MS).
 * A heartbeat writes the whole record, so a node the monitor reaped while it was alive (say, paused by
 * SIGSTOP) registers again at its next heartbeat: only a running event loop whose Redis connection
 * answers can send one, which is the check that it can still serve. Its subscriber connection, killed
 * by the reaper, has reconnected and repaired by itself.
 */
@Injectable()
export class HeartbeatService implements OnModuleDestroy {
  private readonly logger = new Logger(HeartbeatService.name);
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | null = null;
  private inFlight = false;
  private failing = false;

  constructor(
    @Inject(PUSH_CONFIG) private readonly config: PushConfig,
    @Inject(NODE_REGISTRY) private readonly registry: NodeRegistry,
    @Inject(NODE_ID) private readonly nodeId: string,
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly connections: ConnectionService,
  ) {
    this.intervalMs = heartbeatIntervalMs(config.monitorPeriodMs);
  }

  /** Registers the node (throws if Redis refuses: the node must not serve unlisted) and starts beating. */
  async start(): Promise<void> {
    await this.registry.heartbeat(this.record());
    this.logger.log(`nodeId=${this.nodeId} registered address=${this.config.gatewayPublicAddress} heartbeatMs=${this.intervalMs}`);
    this.timer = setInterval(() => void this.beat(), this.intervalMs);
    // back in GET /nodes/ as soon as Redis is, not an interval later
    this.redis.on('ready', this.onRedisReady);
  }

  private readonly onRedisReady = (): void => {
    if (this.timer !== null) void this.beat();
  };

  /** Stops beating (drain); the caller deregisters. */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.redis.off('ready', this.onRedisReady);
  }

  onModuleDestroy(): void {
    this.stop();
  }

  private record(): { nodeId: string; address: string; connections: number; heartbeatAtMs: number } {
    return { nodeId: this.nodeId, address: this.config.gatewayPublicAddress, connections: this.connections.connections, heartbeatAtMs: Date.now() };
  }

  private async beat(): Promise<void> {
    if (this.inFlight) return;
    this.inFlight = true;
    try {
      await this.registry.heartbeat(this.record());
      if (this.failing) this.logger.log(`nodeId=${this.nodeId} heartbeat restored`);
      this.failing = false;
    } catch (err) {
      // said once per outage; the monitor will reap this node if it lasts
      if (!this.failing) this.logger.warn(`nodeId=${this.nodeId} heartbeat failed: ${String(err)}`);
      this.failing = true;
    } finally {
      this.inFlight = false;
    }
  }
}
