import { Inject, Injectable, Logger } from '@nestjs/common';
import { heartbeatIntervalMs, heartbeatOverdueMs, nodeDeadAfterMs } from '@push/domain';
import type { NodeInfo, NodeRegistry } from '@push/domain';
import { PUSH_CONFIG } from '@push/config';
import type { PushConfig } from '@push/config';
import { MonitorMetrics } from '@push/observability';
import { clientIdsNamed, KEY_SCHEMA, NODE_REGISTRY, REDIS, REDIS_RETRY_MAX_DELAY_MS, serversOf } from '@push/redis';
import type { KeySchema, RedisClient } from '@push/redis';

/** What one probe-nodes tick found. */
export interface ProbeResult {
  readonly probed: number;
  readonly reaped: readonly string[];
}

/**
 * The reaper: probes every registered gateway node (GET /healthz within MONITOR_TIMEOUT_MS) and removes a
 * node that does not answer or whose heartbeat is older than nodeDeadAfterMs (not counting a Redis outage). Removing means its record
 * (it leaves GET /nodes/) and its Redis connections, found by their CLIENT SETNAME: killing its
 * subscriber connection ends every channel subscription routed to it. Reaping twice is harmless; a node
 * that was only paused reconnects and registers again at its next heartbeat.
 */
@Injectable()
export class NodeReaperService {
  private readonly logger = new Logger(NodeReaperService.name);
  private readonly deadAfterMs: number;
  /** When this monitor's Redis connection last became ready again after losing it (0: never lost). */
  private redisBackAtMs = 0;

  constructor(
    @Inject(PUSH_CONFIG) private readonly config: PushConfig,
    @Inject(NODE_REGISTRY) private readonly registry: NodeRegistry,
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(KEY_SCHEMA) private readonly keys: KeySchema,
    private readonly metrics: MonitorMetrics,
  ) {
    this.deadAfterMs = nodeDeadAfterMs(heartbeatIntervalMs(config.monitorPeriodMs));
    // the connection is ready before this runs, so every later 'ready' ends an outage
    redis.on('ready', () => {
      this.redisBackAtMs = Date.now();
    });
  }

  /** One probe-nodes tick. */
  async probeNodes(): Promise<ProbeResult> {
    const nodes = await this.registry.list();
    const nowMs = Date.now();
    const verdicts = await Promise.all(nodes.map(async (node) => ({ node, why: await this.deathOf(node, nowMs) })));
    const reaped: string[] = [];
    for (const { node, why } of verdicts) {
      if (why === null) continue;
      await this.reapNode(node, why);
      reaped.push(node.nodeId);
    }
    return { probed: nodes.length, reaped };
  }

  /**
   * Removes a node's record and kills its Redis connections, on every server (a cluster's nodes, replicas
   * too). A server that fails does not keep the others from being cleared; the failure is thrown after.
   */
  async reapNode(node: NodeInfo, why: string): Promise<void> {
    await this.registry.remove(node.nodeId);
    const name = this.keys.nodeClientName(node.nodeId);
    let killed = 0;
    const failures: unknown[] = [];
    for (const server of serversOf(this.redis, 'all')) {
      try {
        const ids = clientIdsNamed(String(await server.client('LIST')), name);
        for (const id of ids) await server.client('KILL', 'ID', id);
        killed += ids.length;
      } catch (err) {
        failures.push(err);
      }
    }
    this.metrics.reaped();
    this.logger.warn(`reaped nodeId=${node.nodeId} address=${node.address} reason="${why}" redisClientsKilled=${killed}`);
    if (failures.length > 0) throw new AggregateError(failures, `reaping nodeId=${node.nodeId}: ${failures.length} Redis server(s) failed`);
  }

  /** Null when the node is alive, else why it is dead. */
  private async deathOf(node: NodeInfo, nowMs: number): Promise<string | null> {
    // a Redis outage stops every heartbeat: a node is blamed only for those it could have sent
    if (heartbeatOverdueMs(nowMs, node.heartbeatAtMs, this.redisBackAtMs, REDIS_RETRY_MAX_DELAY_MS) > this.deadAfterMs) {
      return `no heartbeat for ${nowMs - node.heartbeatAtMs} ms`;
    }
    if (node.address === '') return 'unreadable record';
    try {
      const res = await fetch(`http://${node.address}/healthz`, { signal: AbortSignal.timeout(this.config.monitorTimeoutMs) });
      await res.body?.cancel();
      return res.ok ? null : `healthz answered ${res.status}`;
    } catch (err) {
      return `healthz failed: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
}
