"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RedisClientStore = void 0;
/** Tokens as `tok:<sha256>` → user queue id. */
class RedisClientStore {
    redis;
    keys;
    constructor(redis, keys) {
        this.redis = redis;
        this.keys = keys;
    }
    async createClient(tokenHash, userQueueId) {
        const set = await this.redis.set(this.keys.token(tokenHash), userQueueId, 'NX');
        if (set !== 'OK')
            throw new Error('token hash collision: refusing to overwrite a client');
    }
    findUserQueue(tokenHash) {
        return this.redis.get(this.keys.token(tokenHash));
    }
}
exports.RedisClientStore = RedisClientStore;
//# sourceMappingURL=redis-client.store.js.map