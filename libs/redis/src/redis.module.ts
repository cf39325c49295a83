import { randomBytes } from 'node:crypto';
import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { PushUrlCodec } from '@push/domain';
import { PUSH_CONFIG, PushConfig } from '@push/config';
import { KeySchema } from './key-schema';
import { createRedisClient } from './redis-client.factory';
import type { RedisClient } from './redis-client.factory';
import { RedisClientStore } from './redis-client.store';
import { RedisMessageStore } from './redis-message.store';
import { RedisNodeRegistry } from './redis-node.registry';
import { RedisPushUrlStore } from './redis-push-url.store';
import { laneTarget, ScriptLane } from './script-lane';

/** Injection tokens of the Redis-backed ports. */
export const REDIS = Symbol('REDIS');
export const KEY_SCHEMA = Symbol('KEY_SCHEMA');
export const CLIENT_STORE = Symbol('CLIENT_STORE');
export const PUSH_URL_STORE = Symbol('PUSH_URL_STORE');
export const MESSAGE_STORE = Symbol('MESSAGE_STORE');
export const NODE_REGISTRY = Symbol('NODE_REGISTRY');
export const PUSH_URL_CODEC = Symbol('PUSH_URL_CODEC');
/** Optional: CLIENT SETNAME of the main connection ('push' when absent); a gateway names it after its node so the reaper can find it. */
export const REDIS_CONNECTION_NAME = Symbol('REDIS_CONNECTION_NAME');
/** The publish script's own connection (ScriptLane); null on Redis Cluster, where publishes use the main client. */
export const PUBLISH_LANE = Symbol('PUBLISH_LANE');

/** The push URL secret: PUSH_URL_SECRET, or one generated once and shared by every process through Redis. */
export async function pushUrlSecret(redis: RedisClient, keys: KeySchema, configured: string | null): Promise<string> {
  if (configured !== null) return configured;
  await redis.set(keys.pushUrlSecret(), randomBytes(32).toString('base64url'), 'NX');
  const secret = await redis.get(keys.pushUrlSecret());
  if (secret === null) throw new Error('could not read the push URL secret from Redis');
  return secret;
}

@Injectable()
class RedisLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(PUBLISH_LANE) private readonly lane: ScriptLane | null,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    this.lane?.close();
    await this.redis.quit().catch((err: unknown) => new Logger(RedisLifecycle.name).warn(`redis quit: ${String(err)}`));
  }
}

/** The main Redis connection and the adapters of every port; connects at boot (fails fast if Redis is absent). */
@Global()
@Module({
  providers: [
    { provide: KEY_SCHEMA, inject: [PUSH_CONFIG], useFactory: (c: PushConfig) => new KeySchema(c.keyPrefix) },
    {
      provide: REDIS,
      inject: [PUSH_CONFIG, { token: REDIS_CONNECTION_NAME, optional: true }],
      // a hung (not dead) Redis fails commands after the timeout, so the edge answers 503 / 1013 instead of stalling
      useFactory: (c: PushConfig, name?: string) =>
        createRedisClient(c.redisUrl, name ?? 'push', c.redisCommandTimeoutMs > 0 ? { commandTimeout: c.redisCommandTimeoutMs } : {}),
    },
    {
      provide: PUBLISH_LANE,
      inject: [PUSH_CONFIG, { token: REDIS_CONNECTION_NAME, optional: true }],
      // opened by the first publish, so only the api's processes hold it
      useFactory: (c: PushConfig, name?: string) => {
        const target = laneTarget(c.redisUrl);
        return target === null ? null : new ScriptLane(target, `${name ?? 'push'}-publish`, c.redisCommandTimeoutMs);
      },
    },
    { provide: CLIENT_STORE, inject: [REDIS, KEY_SCHEMA], useFactory: (r: RedisClient, k: KeySchema) => new RedisClientStore(r, k) },
    {
      provide: PUSH_URL_STORE,
      inject: [REDIS, KEY_SCHEMA, PUSH_URL_CODEC],
      useFactory: (r: RedisClient, k: KeySchema, codec: PushUrlCodec) => new RedisPushUrlStore(r, k, codec),
    },
    {
      provide: MESSAGE_STORE,
      inject: [REDIS, KEY_SCHEMA, PUSH_CONFIG, PUSH_URL_CODEC, PUBLISH_LANE],
      useFactory: (r: RedisClient, k: KeySchema, c: PushConfig, codec: PushUrlCodec, lane: ScriptLane | null) =>
        new RedisMessageStore(
          r,
          k,
          {
            maxLen: c.streamMaxLen,
            publishLimit: { burst: c.publishBurstPerPushUrl, ratePerS: c.publishRatePerPushUrl },
          },
          codec,
          Date.now,
          lane,
        ),
    },
    { provide: NODE_REGISTRY, inject: [REDIS, KEY_SCHEMA], useFactory: (r: RedisClient, k: KeySchema) => new RedisNodeRegistry(r, k) },
    {
      provide: PUSH_URL_CODEC,
      inject: [REDIS, KEY_SCHEMA, PUSH_CONFIG],
      useFactory: async (r: RedisClient, k: KeySchema, c: PushConfig) => new PushUrlCodec(await pushUrlSecret(r, k, c.pushUrlSecret)),
    },
    RedisLifecycle,
  ],
  exports: [REDIS, KEY_SCHEMA, CLIENT_STORE, PUSH_URL_STORE, MESSAGE_STORE, NODE_REGISTRY, PUSH_URL_CODEC],
})
export class RedisModule {}
