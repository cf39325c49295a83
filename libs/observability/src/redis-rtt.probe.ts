import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { READY_PING_TIMEOUT_MS, REDIS } from '@push/redis';
import type { RedisClient } from '@push/redis';
import { RedisMetrics } from './push-metrics';

/** How often each process PINGs Redis to feed push_redis_rtt_seconds and push_redis_up. */
export const REDIS_RTT_PROBE_EVERY_MS = 5_000;

/**
 * Sends one PING every REDIS_RTT_PROBE_EVERY_MS on the process's main Redis connection (auto-pipelined
 * with the traffic, so the RTT includes queueing behind it, which is what requests feel). Failures are
 * recorded as push_redis_up 0 and not logged: the app's own outage handling logs them once.
 */
@Injectable()
export class RedisRttProbe implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private inFlight = false;

  constructor(
    @Inject(REDIS) private readonly redis: Pick<RedisClient, 'ping'>,
    private readonly metrics: RedisMetrics,
  ) {}

  onApplicationBootstrap(): void {
    void this.probe();
    this.timer = setInterval(() => void this.probe(), REDIS_RTT_PROBE_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** One PING; resolves with its round trip in seconds, or null when it failed or took over READY_PING_TIMEOUT_MS. */
  async probe(): Promise<number | null> {
    if (this.inFlight) return null;
    this.inFlight = true;
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const late = new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), READY_PING_TIMEOUT_MS);
      });
      const answered = this.redis.ping().then(
        () => (performance.now() - started) / 1000,
        () => null,
      );
      const rtt = await Promise.race([answered, late]);
      this.metrics.probed(rtt);
      return rtt;
    } finally {
      clearTimeout(timer);
      this.inFlight = false;
    }
  }
}
