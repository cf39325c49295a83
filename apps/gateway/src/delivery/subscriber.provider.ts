import { Provider } from '@nestjs/common';
import { PUSH_CONFIG, PushConfig } from '@push/config';
import { createSubscriber, PubSubConnection, REDIS, REDIS_CONNECTION_NAME, RedisClient } from '@push/redis';

/** Injection token of this node's pub/sub connection (subscriber mode: it can run no other command). */
export const SUBSCRIBER = Symbol('SUBSCRIBER');

/**
 * A dedicated connection named like the node's others, so the reaper's CLIENT KILL also drops its routing
 * state; on Redis Cluster it sits on one node of those the main client knows and moves when that node goes.
 */
export const subscriberProvider: Provider = {
  provide: SUBSCRIBER,
  inject: [PUSH_CONFIG, REDIS_CONNECTION_NAME, REDIS],
  useFactory: (config: PushConfig, name: string, commands: RedisClient): Promise<PubSubConnection> => createSubscriber(config.redisUrl, name, commands),
};
