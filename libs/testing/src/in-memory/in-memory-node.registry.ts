import { NodeInfo, NodeRegistry } from '@push/domain';

/** NodeRegistry in a Map, with RedisNodeRegistry's rules: one record per node id, refreshed in place, listed live or not. */
export class InMemoryNodeRegistry implements NodeRegistry {
  private readonly nodes = new Map<string, NodeInfo>();

  async heartbeat(node: NodeInfo): Promise<void> {
    const { nodeId, address, connections, heartbeatAtMs } = node;
    this.nodes.set(nodeId, { nodeId, address, connections, heartbeatAtMs });
  }

  async remove(nodeId: string): Promise<boolean> {
    return this.nodes.delete(nodeId);
  }

  async list(): Promise<NodeInfo[]> {
    return [...this.nodes.values()].map((n) => ({ ...n }));
  }
}
