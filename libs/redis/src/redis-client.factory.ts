import { Logger } from '@nestjs/common';
import { Cluster, Redis, RedisOptions } from 'ioredis';
import { ClusterNodeSubscriber, PubSubConnection } from './pubsub-connection';
import { TurnCorkedRedis } from './turn-corked-redis';

/** The ioredis client type Push uses: a single server or a cluster. */
export type RedisClient = Redis | Cluster;

/** A connection to one server (serversOf). */
export type RedisServer = Redis;

/** Longest wait between two reconnect attempts: a connection is back at most this long after Redis is. */
export const REDIS_RETRY_MAX_DELAY_MS = 2_000;

/** Wait before reconnect attempt `attempt` (1, 2, …): doubling from 100 ms up to REDIS_RETRY_MAX_DELAY_MS. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(50 * 2 ** Math.min(attempt, 6), REDIS_RETRY_MAX_DELAY_MS);
}

/** Options shared by every connection: fail fast while Redis is away (the edge answers 503), reconnect forever. */
export function connectionOptions(name: string): RedisOptions {
  return {
    connectionName: name,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: true,
    connectTimeout: 5_000,
    // off: auto-pipelining holds every command until setImmediate and sends it through a Pipeline of its
    // own (object, promise, a nextTick per reply). A publish is one command per turn of the event loop, so
    // that was delay and CPU on the api's critical path: at 10,000 offered, 5,140-6,405 -> 6,311-7,227
    // delivered/s and p99 42-58 -> 35-44 ms with it off (bench, three alternating runs each); connects/s
    // unchanged. Batching is explicit instead: a single-server connection corks its socket per turn of the
    // event loop (TurnCorkedRedis), ScriptLane does the same for the publishes, a connect storm's SUBSCRIBEs
    // are one command, and the monitor's sweeps are pipelines.
    enableAutoPipelining: false,
    retryStrategy: reconnectDelayMs,
  };
}

/**
 * Every server behind a client, for the commands that concern one server, not a key (CLIENT LIST and
 * KILL, SCAN): the server itself, or every node a cluster client knows (`role`: masters, or masters and
 * replicas). A command sent to a cluster client without a key goes to any one node.
 */
export function serversOf(client: RedisClient, role: 'master' | 'all'): RedisServer[] {
  return client instanceof Cluster ? client.nodes(role) : [client];
}

/** What a cluster client puts before the name of a connection it opens for a purpose (ioredis cluster/util.js getConnectionName). */
const CLUSTER_PURPOSE_PREFIX = /^ioredis-cluster\([a-z]+\):/;

/**
 * True when a connection listed by CLIENT LIST with `listedName` was opened under `name`: a cluster
 * client names the connections it opens for a purpose of its own `ioredis-cluster(<purpose>):<name>`
 * (its subscriber's among them), its connections to the nodes `name`.
 */
export function isConnectionNamed(listedName: string, name: string): boolean {
  if (listedName === name) return true;
  const purpose = CLUSTER_PURPOSE_PREFIX.exec(listedName);
  return purpose !== null && listedName.slice(purpose[0].length) === name;
}

/** The Redis client ids of the connections opened under `name` in a CLIENT LIST reply (isConnectionNamed). */
export function clientIdsNamed(clientList: string, name: string): string[] {
  const ids: string[] = [];
  for (const line of clientList.split('\n')) {
    let id: string | null = null;
    let matches = false;
    for (const field of line.trim().split(' ')) {
      if (field.startsWith('id=')) id = field.slice(3);
      else if (field.startsWith('name=')) matches = isConnectionNamed(field.slice(5), name);
    }
    if (matches && id !== null) ids.push(id);
  }
  return ids;
}

/** The server URLs of REDIS_URL: one for a single server, several for a cluster's seed nodes. */
export function redisUrlList(redisUrl: string): string[] {
  return redisUrl.split(',').map((u) => u.trim()).filter((u) => u.length > 0);
}

/** Opens a connection (corked per turn; or a cluster client when REDIS_URL lists several nodes) and waits until it is ready. */
export async function createRedisClient(redisUrl: string, name: string, extra: RedisOptions = {}): Promise<RedisClient> {
  const urls = redisUrlList(redisUrl);
  const options = { ...connectionOptions(name), ...extra };
  const client: RedisClient =
    urls.length > 1
      ? new Cluster(
          urls.map((u) => {
            const url = new URL(u);
            return { host: url.hostname, port: Number(url.port || 6379) };
          }),
          { redisOptions: options, enableOfflineQueue: false, lazyConnect: true },
        )
      : new TurnCorkedRedis(urls[0] ?? 'redis://127.0.0.1:6379', options);
  logOutagesOnce(client, name);
  await client.connect();
  return client;
}

/**
 * A gateway's pub/sub connection, named `name` like its others (the reaper's CLIENT KILL finds it): on a
 * single server a connection of its own; on a cluster (`commands` is a cluster client) a
 * ClusterNodeSubscriber on one of the nodes `commands` knows, which moves to another when its node goes.
 */
export async function createSubscriber(redisUrl: string, name: string, commands: RedisClient): Promise<PubSubConnection> {
  if (!(commands instanceof Cluster)) return createRedisClient(redisUrl, name) as Promise<Redis>;
  const { retryStrategy: _sameNodeOnly, ...options } = connectionOptions(name);
  const subscriber = new ClusterNodeSubscriber(
    () => commands.nodes('all').map((n) => ({ host: n.options.host ?? '127.0.0.1', port: n.options.port ?? 6379 })),
    options,
    reconnectDelayMs,
  );
  logOutagesOnce(subscriber, name);
  await subscriber.connect();
  return subscriber;
}

/**
 * ioredis emits 'error' at every failed reconnect attempt and, when nobody listens, prints each one as
 * "Unhandled error event": every connection says it once when it goes down and once when it is back.
 */
function logOutagesOnce(client: RedisClient | ClusterNodeSubscriber, name: string): void {
  const logger = new Logger('Redis');
  let down = false;
  client.on('error', (err: Error) => {
    if (down) return;
    down = true;
    logger.warn(`connection ${name} failed, reconnecting: ${err.message}`);
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    logger.log(`connection ${name} ready again`);
  });
}
