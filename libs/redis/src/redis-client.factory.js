"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.connectionOptions = connectionOptions;
exports.createRedisClient = createRedisClient;
const ioredis_1 = require("ioredis");
/** Options shared by every connection: fail fast while Redis is away (the edge answers 503), reconnect forever. */
function connectionOptions(name) {
    return {
        connectionName: name,
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
        lazyConnect: true,
        connectTimeout: 5_000,
        retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 6), 2_000),
    };
}
/** Opens a connection (or a cluster client when REDIS_URL lists several nodes) and waits until it is ready. */
async function createRedisClient(redisUrl, name, extra = {}) {
    const urls = redisUrl.split(',').map((u) => u.trim()).filter((u) => u.length > 0);
    const options = { ...connectionOptions(name), ...extra };
    const client = urls.length > 1
        ? new ioredis_1.Cluster(urls.map((u) => {
            const url = new URL(u);
            return { host: url.hostname, port: Number(url.port || 6379) };
        }), { redisOptions: options, enableOfflineQueue: false, lazyConnect: true })
        : new ioredis_1.Redis(urls[0] ?? 'redis://127.0.0.1:6379', options);
    await client.connect();
    return client;
}
//# sourceMappingURL=redis-client.factory.js.map