"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.nodeDeadAfterMs = nodeDeadAfterMs;
exports.liveNodes = liveNodes;
/** A node is dead after missing two heartbeats, plus a margin for a busy event loop. */
function nodeDeadAfterMs(heartbeatIntervalMs) {
    return 2 * heartbeatIntervalMs + heartbeatIntervalMs / 2;
}
/** Nodes whose heartbeat is recent enough, least connections first (ties by address). */
function liveNodes(nodes, nowMs, heartbeatIntervalMs) {
    const deadline = nowMs - nodeDeadAfterMs(heartbeatIntervalMs);
    return nodes
        .filter((n) => n.heartbeatAtMs >= deadline)
        .sort((a, b) => a.connections - b.connections || a.address.localeCompare(b.address));
}
//# sourceMappingURL=node.rules.js.map