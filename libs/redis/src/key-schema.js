"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.KeySchema = void 0;
/**
 * The one place that spells Redis keys and channels. Every key starts with KEY_PREFIX. All keys of
 * one user queue share the hash tag `{u:<id>}` so that one script can touch them on Redis Cluster;
 * look-up keys (token hash → user queue) are single keys.
 */
class KeySchema {
    prefix;
    constructor(prefix) {
        this.prefix = prefix;
    }
    /** Hash tag shared by every key of a user queue. */
    tag(userQueueId) {
        return `${this.prefix}{u:${userQueueId}}`;
    }
    /** Stream of a user queue: messages and read markers. Fields: q (queue URL), b (body JSON), r (replaceId). */
    stream(userQueueId) {
        return `${this.tag(userQueueId)}:s`;
    }
    /** Hash of a user queue's live push URLs: `d:<domain>` → push URL id and `p:<id>` → domain. */
    pushUrls(userQueueId) {
        return `${this.tag(userQueueId)}:urls`;
    }
    /** String: the client's last_seen timestamp. */
    lastSeen(userQueueId) {
        return `${this.tag(userQueueId)}:seen`;
    }
    /** Pub/sub channel of a user queue: every appended message's frame is published here. */
    channel(userQueueId) {
        return `${this.tag(userQueueId)}:ch`;
    }
    /** The user queue id inside a channel name, or null for another channel. */
    userQueueOfChannel(channel) {
        const head = `${this.prefix}{u:`;
        if (!channel.startsWith(head) || !channel.endsWith('}:ch'))
            return null;
        return channel.slice(head.length, -'}:ch'.length);
    }
    /** String: token hash → user queue id. */
    token(tokenHash) {
        return `${this.prefix}tok:${tokenHash}`;
    }
    /** Hash: node id → JSON NodeInfo of every registered gateway node. */
    nodes() {
        return `${this.prefix}nodes`;
    }
    /** String: the generated push URL secret, when PUSH_URL_SECRET is not set. */
    pushUrlSecret() {
        return `${this.prefix}secret:push-url`;
    }
    /** Prefix BullMQ uses for its own keys. */
    bullPrefix() {
        return `${this.prefix}bull`;
    }
    /** Glob matching every user queue stream (for housekeeping SCANs). */
    streamPattern() {
        return `${this.prefix}{u:*}:s`;
    }
    /** CLIENT SETNAME of a gateway node's Redis connections, so the reaper can find them. */
    nodeClientName(nodeId) {
        return `${this.prefix.replace(/[^A-Za-z0-9_-]/g, '_')}gw_${nodeId}`;
    }
}
exports.KeySchema = KeySchema;
//# sourceMappingURL=key-schema.js.map