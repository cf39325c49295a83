/**
 * The one catalogue of Push's own metrics (prefix `push_`): names, help, labels and buckets live here,
 * as Redis keys live in libs/redis. README "Metrics and logs" documents the same list.
 */
import { Inject, Injectable } from '@nestjs/common';
import { Registry } from 'prom-client';
import { CounterCell, HotHistogram, LabelledCounter, cellCounter, readGauge } from './hot-metrics';
import { APP_NAME, METRICS_REGISTRY, PROCESS_ID } from './tokens';
import type { AppName } from './tokens';

/** Latency buckets in seconds, 0.5 ms to 5 s: a local publish-to-socket takes about a millisecond. */
export const LATENCY_BUCKETS_S: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Redis round-trip buckets in seconds, 0.1 ms to 1 s (a PING on a LAN answers in well under a ms). */
export const REDIS_RTT_BUCKETS_S: readonly number[] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
/** Statuses a publish is documented to answer; shown as 0 before the first one so rate() exists. */
export const PUBLISH_STATUSES: readonly number[] = [200, 400, 404, 413, 415, 429, 500, 503];

/** Every metric name Push defines (tests and README check against this list). */
export const PUSH_METRIC = {
  info: 'push_process_info',
  redisRtt: 'push_redis_rtt_seconds',
  redisUp: 'push_redis_up',
  publishes: 'push_publishes_total',
  publishDuration: 'push_publish_duration_seconds',
  deliveries: 'push_deliveries_total',
  connectedSockets: 'push_connected_sockets',
  deliveryLatency: 'push_delivery_latency_seconds',
  resumes: 'push_resumes_total',
  resumesUnrecovered: 'push_resumes_unrecovered_total',
  repairs: 'push_subscriber_repairs_total',
  repairClosedSockets: 'push_repair_closed_sockets_total',
  nodeReaps: 'push_node_reaps_total',
} as const;

/** Metrics every app has: who it is, and how Redis answers its periodic PING. */
@Injectable()
export class RedisMetrics {
  /** Seconds a PING took, one observation per probe (RedisRttProbe). */
  readonly rtt: HotHistogram;
  private up = 0;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry, @Inject(APP_NAME) app: AppName, @Inject(PROCESS_ID) nodeId: string) {
    readGauge(registry, { name: PUSH_METRIC.info, help: 'Always 1; labels say which app and node this process is.' }, () => 1, { app, nodeId });
    this.rtt = new HotHistogram(registry, { name: PUSH_METRIC.redisRtt, help: 'Round-trip time of a PING to Redis, sent every few seconds by each process.' }, REDIS_RTT_BUCKETS_S);
    readGauge(registry, { name: PUSH_METRIC.redisUp, help: '1 when the last PING to Redis was answered in time, else 0.' }, () => this.up);
  }

  /** Records one probe: its round trip in seconds, or null when Redis did not answer. */
  probed(rttSeconds: number | null): void {
    this.up = rttSeconds === null ? 0 : 1;
    if (rttSeconds !== null) this.rtt.observe(rttSeconds);
  }
}

/** The api's metrics. */
@Injectable()
export class ApiMetrics {
  private readonly publishes: LabelledCounter;
  private readonly byStatus: CounterCell[] = [];
  /** Seconds from a publish request's arrival to its answer, whatever the status. */
  readonly publishDuration: HotHistogram;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.publishes = new LabelledCounter(
      registry,
      { name: PUSH_METRIC.publishes, help: 'Publish requests (POST to a push URL) answered, by HTTP status.' },
      'status',
      PUBLISH_STATUSES.map(String),
    );
    this.publishDuration = new HotHistogram(
      registry,
      { name: PUSH_METRIC.publishDuration, help: 'Seconds from a publish request to its answer (includes the Redis script).' },
      LATENCY_BUCKETS_S,
    );
  }

  /** Counts one answered publish; the cell of each status is bound at its first use. */
  published(status: number, seconds: number): void {
    (this.byStatus[status] ??= this.publishes.cell(String(status))).inc();
    this.publishDuration.observe(seconds);
  }
}

/** A gateway node's metrics. */
@Injectable()
export class GatewayMetrics {
  /** Message frames sent live (pub/sub, repair and frames held during a replay). */
  readonly liveDeliveries: CounterCell;
  /** Message frames sent by a replay (resume, or catching up after the hello). */
  readonly replayDeliveries: CounterCell;
  /** Seconds from a message's stamp (the Redis server time of its publish) to its send on this node. */
  readonly deliveryLatency: HotHistogram;
  private readonly resumes = new CounterCell();
  private readonly unrecovered = new CounterCell();
  private readonly repairs = new CounterCell();
  private readonly repairClosed = new CounterCell();
  private socketCount: () => number = () => 0;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry, @Inject(PROCESS_ID) nodeId: string) {
    const deliveries = new LabelledCounter(
      registry,
      { name: PUSH_METRIC.deliveries, help: 'Message frames sent to sockets (one per message and socket), by kind: live or replay.' },
      'kind',
      ['live', 'replay'],
    );
    this.liveDeliveries = deliveries.cell('live');
    this.replayDeliveries = deliveries.cell('replay');
    this.deliveryLatency = new HotHistogram(
      registry,
      { name: PUSH_METRIC.deliveryLatency, help: 'Seconds from the publish (server time of the message) to its live send on this node, once per message.' },
      LATENCY_BUCKETS_S,
    );
    readGauge(registry, { name: PUSH_METRIC.connectedSockets, help: 'Open WebSockets on this node (authenticated or not).' }, () => this.socketCount(), { nodeId });
    cellCounter(registry, { name: PUSH_METRIC.resumes, help: 'Hellos with since (resume replays) served.' }, this.resumes);
    cellCounter(registry, { name: PUSH_METRIC.resumesUnrecovered, help: 'Resumes answered recovered:false (trimmed, unknown or future since).' }, this.unrecovered);
    cellCounter(
      registry,
      { name: PUSH_METRIC.repairs, help: 'Repairs done: the streams of every subscribed queue re-read after the pub/sub connection came back or moved.' },
      this.repairs,
    );
    cellCounter(
      registry,
      { name: PUSH_METRIC.repairClosedSockets, help: 'Sockets closed with 1013 because a repair could not read their queue (its Redis Cluster node down).' },
      this.repairClosed,
    );
  }

  /** Records one finished repair. */
  repaired(): void {
    this.repairs.inc();
  }

  /** Records sockets closed by a repair that gave up on their queue. */
  closedByRepair(sockets: number): void {
    this.repairClosed.inc(sockets);
  }

  /** Where the connected-sockets gauge reads its value (the node's connection count). */
  countSocketsWith(read: () => number): void {
    this.socketCount = read;
  }

  /** Records one live frame of key `<ms>-<seq>` (the key is the publish's stamp: seq = microseconds % 1000). */
  observeDelivery(ms: number, seq: number): void {
    this.deliveryLatency.observe((performance.timeOrigin + performance.now() - ms - seq / 1000) / 1000);
  }

  /** Records one resume and whether everything after since could be replayed. */
  resumed(recovered: boolean): void {
    this.resumes.inc();
    if (!recovered) this.unrecovered.inc();
  }
}

/** The monitor's metrics. */
@Injectable()
export class MonitorMetrics {
  private readonly reaps = new CounterCell();

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    cellCounter(registry, { name: PUSH_METRIC.nodeReaps, help: 'Gateway nodes reaped (removed from GET /nodes/, Redis connections killed).' }, this.reaps);
  }

  /** Counts one reaped node. */
  reaped(): void {
    this.reaps.inc();
  }
}
