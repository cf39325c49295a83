import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EventEmitter } from 'node:events';
import { REDIS } from '@push/redis';

const UNAVAILABLE_MESSAGES = [
  'Connection is closed',
  // a pipelined command in flight when the connection dropped (it may or may not have run: not acknowledged)
  'Command aborted due to connection close',
  "Stream isn't writeable",
  'enableOfflineQueue',
  'Reached the max retries per request limit',
  'None of startup nodes is available',
  'Failed to refresh slots cache',
  'Command timed out',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'LOADING',
  'CLUSTERDOWN',
  'TRYAGAIN',
  'MASTERDOWN',
  // a cluster client chasing MOVED replies while a failover settles (test/e2e/redis-cluster-promotion.e2e-spec.ts)
  'Too many Cluster redirections',
];

/** True when an error says that Redis cannot be reached right now (as opposed to a bug or a bad reply). */
export function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'MaxRetriesPerRequestError' || err.name === 'ClusterAllFailedError') return true;
  const code = (err as NodeJS.ErrnoException).code;
  return UNAVAILABLE_MESSAGES.some((m) => err.message.includes(m) || code === m);
}

/** Tracks whether Redis is away, so that an outage is logged once when it starts and once when it ends. */
@Injectable()
export class RedisOutage {
  private readonly logger = new Logger(RedisOutage.name);
  private down = false;

  constructor(@Inject(REDIS) redis: Pick<EventEmitter, 'on'>) {
    // ioredis emits 'error' on every failed reconnect; without a listener it prints each one
    redis.on('error', (err: unknown) => this.report(err));
    redis.on('ready', () => {
      if (!this.down) return;
      this.down = false;
      this.logger.log('redis is reachable again');
    });
  }

  /** True between the first failure and the next successful connect. */
  get isDown(): boolean {
    return this.down;
  }

  /** Records a failure; logs only the first of an outage. */
  report(err: unknown): void {
    if (this.down) return;
    this.down = true;
    this.logger.error(`redis is unavailable, answering 503 until it is back: ${err instanceof Error ? err.message : String(err)}`);
  }
}
