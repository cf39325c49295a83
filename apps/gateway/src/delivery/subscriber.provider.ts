import { Provider } from '@nestjs/common';
import { PUSH_CONFIG, PushConfig } from '@push/config';
import { createRedisClient, REDIS_CONNECTION_NAME, RedisClient } from '@push/redis';

/** Injection token of this node's pub/sub connection (subscriber mode: it can run no other command). */
export const SUBSCRIBER = Symbol('SUBSCRIBER');

/** A dedicated connection named like the node's others, so the reaper's CLIENT KILL also drops its routing state. */
export const subscriberProvider: Provider = {
  provide: SUBSCRIBER,
  inject: [PUSH_CONFIG, REDIS_CONNECTION_NAME],
  useFactory: (config: PushConfig, name: string): Promise<RedisClient> => createRedisClient(config.redisUrl, name),
};
