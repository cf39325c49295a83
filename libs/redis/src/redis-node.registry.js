"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RedisNodeRegistry = void 0;
function parseNode(nodeId, json) {
    try {
        const v = JSON.parse(json);
        if (typeof v.address !== 'string' || typeof v.connections !== 'number' || typeof v.heartbeatAtMs !== 'number')
            return null;
        return { nodeId, address: v.address, connections: v.connections, heartbeatAtMs: v.heartbeatAtMs };
    }
    catch {
        // a record another version wrote that we cannot read counts as absent; the reaper removes it
        return null;
    }
}
/** Gateway nodes in one hash: node id → JSON {address, connections, heartbeatAtMs}. */
class RedisNodeRegistry {
    redis;
    keys;
    constructor(redis, keys) {
        this.redis = redis;
        this.keys = keys;
    }
    async heartbeat(node) {
        const { address, connections, heartbeatAtMs } = node;
        await this.redis.hset(this.keys.nodes(), node.nodeId, JSON.stringify({ address, connections, heartbeatAtMs }));
    }
    async remove(nodeId) {
        return (await this.redis.hdel(this.keys.nodes(), nodeId)) > 0;
    }
    async list() {
        const all = await this.redis.hgetall(this.keys.nodes());
        const nodes = [];
        for (const [id, json] of Object.entries(all)) {
            const n = parseNode(id, json);
            nodes.push(n ?? { nodeId: id, address: '', connections: 0, heartbeatAtMs: 0 });
        }
        return nodes;
    }
}
exports.RedisNodeRegistry = RedisNodeRegistry;
//# sourceMappingURL=redis-node.registry.js.map