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

/** Gateways heartbeat twice per monitor period, so a node that stopped is seen dead within about 1.25 periods. */
export function heartbeatIntervalMs(monitorPeriodMs: number): number {
  return Math.max(50, Math.floor(monitorPeriodMs / 2));
}
