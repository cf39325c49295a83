import { heartbeatIntervalMs, heartbeatOverdueMs, liveNodes, nodeDeadAfterMs } from './node.rules';
import { NodeInfo } from './ports';

const node = (nodeId: string, connections: number, heartbeatAtMs: number, address = `${nodeId}.test:8888`): NodeInfo => ({
  nodeId,
  address,
  connections,
  heartbeatAtMs,
});

describe('node rules', () => {
  it('counts a node dead after two missed heartbeats plus half an interval', () => {
    expect(nodeDeadAfterMs(1000)).toBe(2500);
    expect(nodeDeadAfterMs(5000)).toBe(12_500);
  });

  it('heartbeats twice per monitor period, never faster than every 50 ms', () => {
    expect(heartbeatIntervalMs(10_000)).toBe(5000);
    expect(heartbeatIntervalMs(1001)).toBe(500);
    expect(heartbeatIntervalMs(60)).toBe(50);
  });

  it('so a stopped node is seen dead within two monitor periods', () => {
    for (const period of [100, 1000, 10_000]) expect(nodeDeadAfterMs(heartbeatIntervalMs(period))).toBeLessThanOrEqual(2 * period);
  });

  describe('heartbeatOverdueMs', () => {
    it('is the age of the last heartbeat while Redis stayed reachable', () => {
      expect(heartbeatOverdueMs(10_000, 7_000, 0, 2_000)).toBe(3_000);
    });

    it('does not count an outage against a node: only the time since Redis came back and the grace', () => {
      // heartbeat at 1 s, Redis away until 9 s, grace 2 s: at 10 s the node is not overdue at all
      expect(heartbeatOverdueMs(10_000, 1_000, 9_000, 2_000)).toBeLessThan(0);
      expect(heartbeatOverdueMs(14_000, 1_000, 9_000, 2_000)).toBe(3_000);
    });
  });

  describe('liveNodes', () => {
    const now = 1_000_000;
    const interval = 1000;

    it('drops nodes whose heartbeat is older than the deadline (the deadline itself is live)', () => {
      const nodes = [node('fresh', 0, now), node('edge', 0, now - 2500), node('late', 0, now - 2501), node('never', 0, 0)];
      expect(liveNodes(nodes, now, interval).map((n) => n.nodeId)).toEqual(['edge', 'fresh']);
    });

    it('lists the least connected first, ties by address', () => {
      const nodes = [node('a', 5, now, 'c:1'), node('b', 1, now, 'z:1'), node('c', 5, now, 'a:1'), node('d', 0, now, 'm:1')];
      expect(liveNodes(nodes, now, interval).map((n) => n.nodeId)).toEqual(['d', 'b', 'c', 'a']);
    });

    it('leaves its input alone', () => {
      const nodes = [node('a', 2, now), node('b', 1, now)];
      liveNodes(nodes, now, interval);
      expect(nodes.map((n) => n.nodeId)).toEqual(['a', 'b']);
      expect(liveNodes([], now, interval)).toEqual([]);
    });
  });
});
