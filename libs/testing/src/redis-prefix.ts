import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** REDIS_URL of the tests (the machine's shared Redis unless set). */
export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A KEY_PREFIX of its own for one test file, e.g. `t:api-e2e:3f9a1c:`. */
export function uniquePrefix(name: string): string {
  return `t:${name}:${randomBytes(3).toString('hex')}:`;
}

/** Deletes every key under `prefix` (and only those), with SCAN + UNLINK; never the whole database, which other tests share. */
export async function deletePrefix(prefix: string, redisUrl = TEST_REDIS_URL): Promise<number> {
  const redis = new Redis(redisUrl, { lazyConnect: true });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    const pattern = `${prefix.replace(/([*?[\]\\])/g, '\\$1')}*`;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
