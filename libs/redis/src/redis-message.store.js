"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RedisMessageStore = void 0;
const domain_1 = require("../../domain/src");
const lua_scripts_1 = require("./lua.scripts");
const stream_entry_1 = require("./stream-entry");
const ZERO = { ms: 0, seq: 0 };
function keyOrZero(id) {
    return (id && (0, domain_1.parseKey)(id)) || ZERO;
}
/** Reads the flat XINFO STREAM reply into the two ids a replay's completeness depends on. */
function streamIds(info) {
    const out = { lastGenerated: ZERO, maxDeleted: ZERO };
    if (!Array.isArray(info))
        return out;
    for (let i = 0; i + 1 < info.length; i += 2) {
        if (info[i] === 'last-generated-id')
            out.lastGenerated = keyOrZero(String(info[i + 1]));
        if (info[i] === 'max-deleted-entry-id')
            out.maxDeleted = keyOrZero(String(info[i + 1]));
    }
    return out;
}
/** User queues as Redis streams; a publish is one script: check, append, trim, publish. */
class RedisMessageStore {
    redis;
    keys;
    retention;
    nowMs;
    scripts;
    constructor(redis, keys, retention, nowMs = Date.now) {
        this.redis = redis;
        this.keys = keys;
        this.retention = retention;
        this.nowMs = nowMs;
        redis.defineCommand('pushPublish', { numberOfKeys: 3, lua: lua_scripts_1.PUBLISH_LUA });
        redis.defineCommand('pushMarkRead', { numberOfKeys: 2, lua: lua_scripts_1.MARK_READ_LUA });
        this.scripts = redis;
    }
    async publish(userQueueId, pushUrlId, pushUrl, notificationJson, replaceId) {
        const r = await this.scripts.pushPublish(this.keys.stream(userQueueId), this.keys.pushUrls(userQueueId), this.keys.channel(userQueueId), pushUrlId, String(this.retention.maxLen), String(this.retention.maxAgeMs), pushUrl, JSON.stringify(pushUrl), notificationJson, replaceId ?? '');
        return r ? { key: r[0], timestamp: r[1], frame: r[2] } : null;
    }
    async markRead(userQueueId, key, userQueueUrl) {
        const r = await this.scripts.pushMarkRead(this.keys.stream(userQueueId), this.keys.channel(userQueueId), key, String(this.retention.maxLen), String(this.retention.maxAgeMs), userQueueUrl, JSON.stringify(userQueueUrl), JSON.stringify({ read: key }));
        return r ? { key: r[0], timestamp: r[1], frame: r[2] } : null;
    }
    async history(userQueueId, since, limit) {
        const stream = this.keys.stream(userQueueId);
        if (since === null) {
            const newest = (await this.redis.xrevrange(stream, '+', '-', 'COUNT', limit));
            return newest.reverse().map(stream_entry_1.messageOf);
        }
        const entries = (await this.redis.xrange(stream, (0, domain_1.rangeStart)(since), '+', 'COUNT', limit));
        return entries.map(stream_entry_1.messageOf);
    }
    async replay(userQueueId, since) {
        const stream = this.keys.stream(userQueueId);
        // inclusive start for a key, so that we learn whether the key itself is still stored
        const start = since.kind === 'key' ? `${since.key.ms}-${since.key.seq}` : (0, domain_1.rangeStart)(since);
        const results = await this.redis
            .multi()
            .xrange(stream, start, '+', 'COUNT', this.retention.maxLen + 1)
            .call('XINFO', 'STREAM', stream)
            .exec();
        const entries = (results?.[0]?.[1] ?? []).slice();
        const infoErr = results?.[1]?.[0];
        const ids = infoErr ? { lastGenerated: ZERO, maxDeleted: ZERO } : streamIds(results?.[1]?.[1]);
        let recovered;
        if (since.kind === 'key') {
            const stored = entries.length > 0 && entries[0][0] === `${since.key.ms}-${since.key.seq}`;
            if (stored)
                entries.shift();
            const known = stored || (0, domain_1.compareKeys)(since.key, ids.maxDeleted) === 0 || (0, domain_1.compareKeys)(since.key, ZERO) === 0;
            recovered = known && (0, domain_1.compareKeys)(since.key, ids.maxDeleted) >= 0 && (0, domain_1.compareKeys)(since.key, ids.lastGenerated) <= 0;
        }
        else {
            const startKey = keyOrZero((0, domain_1.keyFromMicros)(since.micros));
            const trimmedAfter = (0, domain_1.compareKeys)(ids.maxDeleted, startKey) >= 0;
            const future = since.micros > this.nowMs() * 1000;
            recovered = !trimmedAfter && !future;
        }
        return { messages: entries.map(stream_entry_1.replayedOf), recovered };
    }
    async lastKey(userQueueId) {
        const newest = (await this.redis.xrevrange(this.keys.stream(userQueueId), '+', '-', 'COUNT', 1));
        return newest.length > 0 ? newest[0][0] : null;
    }
    async readAfter(userQueueId, key, limit) {
        const entries = (await this.redis.xrange(this.keys.stream(userQueueId), `(${key}`, '+', 'COUNT', limit));
        return entries.map(stream_entry_1.replayedOf);
    }
    async setLastSeen(userQueueId, timestamp) {
        await this.redis.set(this.keys.lastSeen(userQueueId), timestamp);
    }
    async getLastSeen(userQueueId) {
        return this.redis.get(this.keys.lastSeen(userQueueId));
    }
}
exports.RedisMessageStore = RedisMessageStore;
//# sourceMappingURL=redis-message.store.js.map