import { NodeInfo, NodeRegistry } from '@push/domain';
import { KeySchema } from './key-schema';
import { RedisClient } from './redis-client.factory';

function parseNode(nodeId: string, json: string): NodeInfo | null {
  try {
    const v = JSON.parse(json) as Partial<NodeInfo>;
    if (typeof v.address !== 'string' || typeof v.connections !== 'number' || typeof v.heartbeatAtMs !== 'number') return null;
    return { nodeId, address: v.address, connections: v.connections, heartbeatAtMs: v.heartbeatAtMs };
  } catch {
    // a record another version wrote that we cannot read counts as absent; the reaper removes it
    return null;
  }
}

/** Gateway nodes in one hash: node id → JSON {address, connections, heartbeatAtMs}. */
export class RedisNodeRegistry implements NodeRegistry {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySchema,
  ) {}

  async heartbeat(node: NodeInfo): Promise<void> {
    const { address, connections, heartbeatAtMs } = node;
    await this.redis.hset(this.keys.nodes(), node.nodeId, JSON.stringify({ address, connections, heartbeatAtMs }));
  }

  async remove(nodeId: string): Promise<boolean> {
    return (await this.redis.hdel(this.keys.nodes(), nodeId)) > 0;
  }

  async list(): Promise<NodeInfo[]> {
    const all = await this.redis.hgetall(this.keys.nodes());
    const nodes: NodeInfo[] = [];
    for (const [id, json] of Object.entries(all)) {
      const n = parseNode(id, json);
      nodes.push(n ?? { nodeId: id, address: '', connections: 0, heartbeatAtMs: 0 });
    }
    return nodes;
  }
}
