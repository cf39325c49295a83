import { NodeInfo } from './ports';

/** A node is dead after missing two heartbeats, plus a margin for a busy event loop. */
export function nodeDeadAfterMs(heartbeatIntervalMs: number): number {
  return 2 * heartbeatIntervalMs + heartbeatIntervalMs / 2;
}

/** Nodes whose heartbeat is recent enough, least connections first (ties by address). */
export function liveNodes(nodes: readonly NodeInfo[], nowMs: number, heartbeatIntervalMs: number): NodeInfo[] {
  const deadline = nowMs - nodeDeadAfterMs(heartbeatIntervalMs);
  return nodes
    .filter((n) => n.heartbeatAtMs >= deadline)
    .sort((a, b) => a.connections - b.connections || a.address.localeCompare(b.address));
}

/**
 * How long a node has gone without a heartbeat it could have sent: time while Redis was unreachable
 * does not count (no node could write one), and after Redis is back each node gets `reconnectGraceMs`
 * (its own connection's longest retry delay) before its old record counts against it. Without this, the
 * first probe after a Redis outage reaps every live node.
 */
export function heartbeatOverdueMs(nowMs: number, heartbeatAtMs: number, redisBackAtMs: number, reconnectGraceMs: number): number {
  return nowMs - Math.max(heartbeatAtMs, redisBackAtMs + reconnectGraceMs);
}

/** Gateways heartbeat twice per monitor period, so a node that stopped is seen dead within about 1.25 periods. */
export function heartbeatIntervalMs(monitorPeriodMs: number): number {
  return Math.max(50, Math.floor(monitorPeriodMs / 2));
}
