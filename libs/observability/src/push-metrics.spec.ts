import { ApiMetrics, GatewayMetrics, MonitorMetrics, PUBLISH_STATUSES, PUSH_METRIC, RedisMetrics } from './push-metrics';
import { createMetricsRegistry } from './observability.module';

/** The value of one sample line, or null. */
function sample(text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

describe('Push metrics', () => {
  it('counts publishes by status, every documented status present from the start', async () => {
    const registry = createMetricsRegistry(false);
    const metrics = new ApiMetrics(registry);
    metrics.published(200, 0.002);
    metrics.published(200, 0.003);
    metrics.published(503, 0.001);
    metrics.published(418, 0.001);
    const text = await registry.metrics();
    expect(sample(text, `${PUSH_METRIC.publishes}{status="200"}`)).toBe(2);
    expect(sample(text, `${PUSH_METRIC.publishes}{status="503"}`)).toBe(1);
    expect(sample(text, `${PUSH_METRIC.publishes}{status="418"}`)).toBe(1);
    for (const status of PUBLISH_STATUSES) expect(sample(text, `${PUSH_METRIC.publishes}{status="${status}"}`)).not.toBeNull();
    expect(sample(text, `${PUSH_METRIC.publishDuration}_count`)).toBe(4);
  });

  it('measures delivery latency from the key, which is the publish stamp', async () => {
    const registry = createMetricsRegistry(false);
    const metrics = new GatewayMetrics(registry, 'n1');
    const nowMs = performance.timeOrigin + performance.now();
    // stamped 100 ms ago: key <ms>-<microseconds % 1000>
    metrics.observeDelivery(Math.floor(nowMs - 100), 500);
    metrics.resumed(true);
    metrics.resumed(false);
    metrics.countSocketsWith(() => 42);
    metrics.repaired();
    metrics.closedByRepair(3);
    const text = await registry.metrics();
    expect(sample(text, `${PUSH_METRIC.deliveryLatency}_bucket{le="0.05"}`)).toBe(0);
    expect(sample(text, `${PUSH_METRIC.deliveryLatency}_bucket{le="0.25"}`)).toBe(1);
    expect(sample(text, PUSH_METRIC.resumes)).toBe(2);
    expect(sample(text, PUSH_METRIC.resumesUnrecovered)).toBe(1);
    expect(sample(text, PUSH_METRIC.repairs)).toBe(1);
    expect(sample(text, PUSH_METRIC.repairClosedSockets)).toBe(3);
    expect(sample(text, `${PUSH_METRIC.connectedSockets}{nodeId="n1"}`)).toBe(42);
  });

  it('counts reaps, Redis probes and says who the process is', async () => {
    const registry = createMetricsRegistry(false);
    new MonitorMetrics(registry).reaped();
    const redis = new RedisMetrics(registry, 'monitor', 'host-1');
    redis.probed(0.0003);
    redis.probed(null);
    const text = await registry.metrics();
    expect(sample(text, PUSH_METRIC.nodeReaps)).toBe(1);
    expect(sample(text, `${PUSH_METRIC.redisRtt}_count`)).toBe(1);
    expect(sample(text, PUSH_METRIC.redisUp)).toBe(0);
    expect(sample(text, `${PUSH_METRIC.info}{app="monitor",nodeId="host-1"}`)).toBe(1);
  });

  it('names every metric push_*', () => {
    for (const name of Object.values(PUSH_METRIC)) expect(name).toMatch(/^push_[a-z_]+$/);
  });
});
