"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RedisPushUrlStore = void 0;
const lua_scripts_1 = require("./lua.scripts");
/** Push URLs of a user queue in one hash: `d:<domain>` → id and `p:<id>` → domain. */
class RedisPushUrlStore {
    redis;
    keys;
    scripts;
    constructor(redis, keys) {
        this.redis = redis;
        this.keys = keys;
        redis.defineCommand('pushFindOrCreateUrl', { numberOfKeys: 1, lua: lua_scripts_1.FIND_OR_CREATE_PUSH_URL_LUA });
        redis.defineCommand('pushRevokeUrl', { numberOfKeys: 1, lua: lua_scripts_1.REVOKE_PUSH_URL_LUA });
        this.scripts = redis;
    }
    findOrCreate(userQueueId, domain, candidateId) {
        return this.scripts.pushFindOrCreateUrl(this.keys.pushUrls(userQueueId), domain, candidateId);
    }
    async list(userQueueId) {
        const all = await this.redis.hgetall(this.keys.pushUrls(userQueueId));
        const byDomain = {};
        for (const [field, value] of Object.entries(all)) {
            if (field.startsWith('d:'))
                byDomain[field.slice(2)] = value;
        }
        return byDomain;
    }
    async revoke(userQueueId, pushUrlId) {
        return (await this.scripts.pushRevokeUrl(this.keys.pushUrls(userQueueId), pushUrlId)) === 1;
    }
}
exports.RedisPushUrlStore = RedisPushUrlStore;
//# sourceMappingURL=redis-push-url.store.js.map