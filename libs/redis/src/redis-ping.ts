import type { RedisClient } from './redis-client.factory';

/** How long readiness probes wait for Redis to answer a PING. */
export const READY_PING_TIMEOUT_MS = 1_000;

/**
 * True when Redis answers a PING within `timeoutMs`; never throws (a failed PING is the answer).
 * `onError` sees the failure, e.g. to log an outage once.
 */
export async function redisAnswers(
  redis: Pick<RedisClient, 'ping'>,
  timeoutMs = READY_PING_TIMEOUT_MS,
  onError: (err: unknown) => void = () => undefined,
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const ping = redis.ping().then(
    () => true,
    (err: unknown) => {
      onError(err);
      return false;
    },
  );
  try {
    return await Promise.race([ping, late]);
  } finally {
    clearTimeout(timer);
  }
}
