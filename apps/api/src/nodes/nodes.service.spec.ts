import { loadConfig } from '@push/config';
import { heartbeatIntervalMs, nodeDeadAfterMs } from '@push/domain';
import { InMemoryNodeRegistry, ManualClock } from '@push/testing';
import { NodesService } from './nodes.service';

describe('NodesService', () => {
  it('lists live nodes, least connections first, and drops the silent ones', async () => {
    const clock = new ManualClock(1_000_000_000);
    const config = loadConfig({ MONITOR_PERIOD_MS: '10000', MONITOR_TIMEOUT_MS: '5000' });
    const registry = new InMemoryNodeRegistry();
    const service = new NodesService(registry, clock, config);
    const now = clock.nowMs();
    const deadAfter = nodeDeadAfterMs(heartbeatIntervalMs(config.monitorPeriodMs));
    await registry.heartbeat({ nodeId: 'busy', address: 'a:1', connections: 9, heartbeatAtMs: now });
    await registry.heartbeat({ nodeId: 'idle', address: 'b:1', connections: 1, heartbeatAtMs: now - deadAfter });
    await registry.heartbeat({ nodeId: 'gone', address: 'c:1', connections: 0, heartbeatAtMs: now - deadAfter - 1 });
    await registry.heartbeat({ nodeId: 'broken', address: '', connections: 0, heartbeatAtMs: now });
    expect(await service.liveAddresses()).toEqual(['b:1', 'a:1']);
    clock.advance(1);
    expect(await service.liveAddresses()).toEqual(['a:1']);
  });

  it('answers the load balancer address instead of the nodes when NODES_PUBLIC_ADDRESS is set', async () => {
    const clock = new ManualClock(1_000_000_000);
    const config = loadConfig({ MONITOR_PERIOD_MS: '10000', MONITOR_TIMEOUT_MS: '5000', NODES_PUBLIC_ADDRESS: 'push.example.org:443' });
    const registry = new InMemoryNodeRegistry();
    const service = new NodesService(registry, clock, config);
    // no live gateway: the balancer would lead nowhere, so the answer stays empty
    expect(await service.liveAddresses()).toEqual([]);
    await registry.heartbeat({ nodeId: 'a', address: '10.0.0.5:8888', connections: 3, heartbeatAtMs: clock.nowMs() });
    await registry.heartbeat({ nodeId: 'b', address: '10.0.0.6:8888', connections: 1, heartbeatAtMs: clock.nowMs() });
    expect(await service.liveAddresses()).toEqual(['push.example.org:443']);
    clock.advance(nodeDeadAfterMs(heartbeatIntervalMs(config.monitorPeriodMs)) + 1);
    expect(await service.liveAddresses()).toEqual([]);
  });
});
