import { Inject, Injectable, Logger } from '@nestjs/common';
import type { NodeRegistry } from '@push/domain';
import { PUSH_CONFIG } from '@push/config';
import type { PushConfig } from '@push/config';
import { NODE_REGISTRY } from '@push/redis';
import { CLOSE } from '../connection/close-codes';
import { ConnectionService } from '../connection/connection.service';
import { HeartbeatService } from '../heartbeat/heartbeat.service';
import { NODE_ID } from './node-identity.module';

/** How long sockets may take to answer their 1012 close after the spread, before they are terminated. */
const DRAIN_GRACE_MS = 2_000;

/**
 * Graceful shutdown (SIGTERM): refuse new sockets, turn readiness false, leave GET /nodes/ first (so that
 * reconnecting clients pick another node), close every socket with 1012 spread over DRAIN_SPREAD_MS,
 * then deregister again in case a heartbeat was in flight. Nest's own shutdown hooks would drop the
 * sockets with 1006 (toolchain.md), so main.ts calls this before app.close().
 */
@Injectable()
export class DrainService {
  private readonly logger = new Logger(DrainService.name);
  private draining: Promise<void> | null = null;

  constructor(
    @Inject(PUSH_CONFIG) private readonly config: PushConfig,
    @Inject(NODE_REGISTRY) private readonly registry: NodeRegistry,
    @Inject(NODE_ID) private readonly nodeId: string,
    private readonly heartbeat: HeartbeatService,
    private readonly connections: ConnectionService,
  ) {}

  /** False once draining: upgrades are refused with 503 and /readyz answers 503. */
  get accepting(): boolean {
    return this.draining === null;
  }

  /** Runs the drain once; later calls return the same promise. */
  drain(): Promise<void> {
    this.draining ??= this.run();
    return this.draining;
  }

  private async run(): Promise<void> {
    this.logger.log(`nodeId=${this.nodeId} draining sockets=${this.connections.connections} spreadMs=${this.config.drainSpreadMs}`);
    this.heartbeat.stop();
    await this.deregister();
    await this.connections.closeAll(CLOSE.serviceRestart, 'node is shutting down', this.config.drainSpreadMs, DRAIN_GRACE_MS);
    await this.deregister();
  }

  private async deregister(): Promise<void> {
    await this.registry.remove(this.nodeId).catch((err: unknown) => this.logger.warn(`nodeId=${this.nodeId} deregister failed: ${String(err)}`));
  }
}
