import { NodeInfo, NodeRegistry } from '@push/domain';

/** One setup of the NodeRegistry port; each fixture starts with no nodes registered. */
export interface NodeRegistryFixture {
  readonly nodes: NodeRegistry;
  close(): Promise<void>;
}

/** Builds a fresh, empty fixture. */
export type NodeRegistryFactory = () => Promise<NodeRegistryFixture>;

const node = (nodeId: string, connections = 0, heartbeatAtMs = 1_764_260_000_000): NodeInfo => ({
  nodeId,
  address: `127.0.0.1:${8800 + nodeId.length}`,
  connections,
  heartbeatAtMs,
});

const byId = (nodes: readonly NodeInfo[]): NodeInfo[] => [...nodes].sort((a, b) => a.nodeId.localeCompare(b.nodeId));

/** The NodeRegistry contract: one record per node, refreshed in place by heartbeats, removed by the reaper. */
export function nodeRegistryContract(name: string, factory: NodeRegistryFactory): void {
  describe(`NodeRegistry contract: ${name}`, () => {
    let fx: NodeRegistryFixture;

    beforeEach(async () => {
      fx = await factory();
    });
    afterEach(() => fx.close());

    it('lists nothing before any heartbeat', async () => {
      expect(await fx.nodes.list()).toEqual([]);
    });

    it('lists every node that heartbeats, with what it reported', async () => {
      const a = node('node-a', 3, 1_764_260_000_000);
      const b = { ...node('node-b', 0, 1_764_260_000_500), address: 'gw2.example.org:443' };
      await fx.nodes.heartbeat(a);
      await fx.nodes.heartbeat(b);
      expect(byId(await fx.nodes.list())).toEqual([a, b]);
    });

    it('refreshes a node in place: one record per node id, the last heartbeat wins', async () => {
      await fx.nodes.heartbeat(node('node-a', 1, 1000));
      await fx.nodes.heartbeat(node('node-a', 7, 2000));
      expect(await fx.nodes.list()).toEqual([node('node-a', 7, 2000)]);
    });

    it('keeps only the NodeInfo fields', async () => {
      const extra = { ...node('node-a'), secret: 'not stored' } as NodeInfo;
      await fx.nodes.heartbeat(extra);
      expect(await fx.nodes.list()).toEqual([node('node-a')]);
    });

    it('removes a node once', async () => {
      await fx.nodes.heartbeat(node('node-a'));
      await fx.nodes.heartbeat(node('node-b'));
      expect(await fx.nodes.remove('node-a')).toBe(true);
      expect(await fx.nodes.remove('node-a')).toBe(false);
      expect(await fx.nodes.remove('never-was')).toBe(false);
      expect(await fx.nodes.list()).toEqual([node('node-b')]);
    });

    it('lets a removed node register again', async () => {
      await fx.nodes.heartbeat(node('node-a', 1));
      await fx.nodes.remove('node-a');
      await fx.nodes.heartbeat(node('node-a', 2));
      expect(await fx.nodes.list()).toEqual([node('node-a', 2)]);
    });
  });
}
