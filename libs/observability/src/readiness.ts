/**
 * Readiness through @nestjs/terminus: each app lists its indicators (Redis answers; the gateway also
 * "not draining", the monitor "job worker runs"), terminus runs them (and reports `shutting_down` once
 * Nest's shutdown began), and each app answers in its own error format. The probe bodies stay what
 * they were (`{"status":"ready"}`; errors as the app's usual JSON), so clients of /readyz see no change.
 */
import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { HealthIndicatorFunction, HealthIndicatorResult } from '@nestjs/terminus';
import { READY_PING_TIMEOUT_MS, REDIS, redisAnswers } from '@push/redis';
import type { RedisClient } from '@push/redis';

/** What a readiness check concluded; `reason` names each failed indicator. */
export type Readiness = { readonly ready: true } | { readonly ready: false; readonly reason: string };

/** One line from terminus's failure body: `redis: redis does not answer; draining: node is draining`. */
export function reasonOf(body: unknown): string {
  if (typeof body !== 'object' || body === null) return 'not ready';
  const { status, error } = body as { status?: unknown; error?: unknown };
  if (status === 'shutting_down') return 'shutting down';
  if (typeof error !== 'object' || error === null) return 'not ready';
  const parts = Object.entries(error as Record<string, { message?: unknown }>).map(([key, v]) => (typeof v?.message === 'string' ? `${key}: ${v.message}` : key));
  return parts.length > 0 ? parts.join('; ') : 'not ready';
}

/** Terminus indicators every app shares. */
@Injectable()
export class PushHealthIndicators {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(REDIS) private readonly redis: Pick<RedisClient, 'ping'>,
  ) {}

  /** `redis`: up when a PING answers within READY_PING_TIMEOUT_MS; `onError` sees a failed PING (e.g. to log an outage once). */
  async redisAnswers(onError?: (err: unknown) => void): Promise<HealthIndicatorResult<'redis'>> {
    const check = this.indicators.check('redis');
    return (await redisAnswers(this.redis, READY_PING_TIMEOUT_MS, onError)) ? check.up() : check.down('redis does not answer');
  }

  /** An indicator from a condition of the app: up when `ok`, else down with `whyNot`. */
  condition<K extends string>(key: K, ok: boolean, whyNot: string): HealthIndicatorResult<K> {
    const check = this.indicators.check(key);
    return ok ? check.up() : check.down(whyNot);
  }
}

/** Runs indicators through terminus's HealthCheckService and returns the verdict instead of throwing it. */
@Injectable()
export class ReadinessCheck {
  constructor(private readonly health: HealthCheckService) {}

  async run(indicators: HealthIndicatorFunction[]): Promise<Readiness> {
    try {
      await this.health.check(indicators);
      return { ready: true };
    } catch (err) {
      if (err instanceof ServiceUnavailableException) return { ready: false, reason: reasonOf(err.getResponse()) };
      throw err;
    }
  }
}
