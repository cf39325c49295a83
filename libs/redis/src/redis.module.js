"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
var __metadata = (this && this.__metadata) || function (k, v) {
    if (typeof Reflect === "object" && typeof Reflect.metadata === "function") return Reflect.metadata(k, v);
};
var __param = (this && this.__param) || function (paramIndex, decorator) {
    return function (target, key) { decorator(target, key, paramIndex); }
};
var RedisLifecycle_1;
Object.defineProperty(exports, "__esModule", { value: true });
exports.RedisModule = exports.PUSH_URL_CODEC = exports.NODE_REGISTRY = exports.MESSAGE_STORE = exports.PUSH_URL_STORE = exports.CLIENT_STORE = exports.KEY_SCHEMA = exports.REDIS = void 0;
exports.pushUrlSecret = pushUrlSecret;
const node_crypto_1 = require("node:crypto");
const common_1 = require("@nestjs/common");
const domain_1 = require("../../domain/src");
const config_1 = require("../../config/src");
const key_schema_1 = require("./key-schema");
const redis_client_factory_1 = require("./redis-client.factory");
const redis_client_store_1 = require("./redis-client.store");
const redis_message_store_1 = require("./redis-message.store");
const redis_node_registry_1 = require("./redis-node.registry");
const redis_push_url_store_1 = require("./redis-push-url.store");
/** Injection tokens of the Redis-backed ports. */
exports.REDIS = Symbol('REDIS');
exports.KEY_SCHEMA = Symbol('KEY_SCHEMA');
exports.CLIENT_STORE = Symbol('CLIENT_STORE');
exports.PUSH_URL_STORE = Symbol('PUSH_URL_STORE');
exports.MESSAGE_STORE = Symbol('MESSAGE_STORE');
exports.NODE_REGISTRY = Symbol('NODE_REGISTRY');
exports.PUSH_URL_CODEC = Symbol('PUSH_URL_CODEC');
/** The push URL secret: PUSH_URL_SECRET, or one generated once and shared by every process through Redis. */
async function pushUrlSecret(redis, keys, configured) {
    if (configured !== null)
        return configured;
    await redis.set(keys.pushUrlSecret(), (0, node_crypto_1.randomBytes)(32).toString('base64url'), 'NX');
    const secret = await redis.get(keys.pushUrlSecret());
    if (secret === null)
        throw new Error('could not read the push URL secret from Redis');
    return secret;
}
let RedisLifecycle = RedisLifecycle_1 = class RedisLifecycle {
    redis;
    constructor(redis) {
        this.redis = redis;
    }
    async onApplicationShutdown() {
        await this.redis.quit().catch((err) => new common_1.Logger(RedisLifecycle_1.name).warn(`redis quit: ${String(err)}`));
    }
};
RedisLifecycle = RedisLifecycle_1 = __decorate([
    (0, common_1.Injectable)(),
    __param(0, (0, common_1.Inject)(exports.REDIS)),
    __metadata("design:paramtypes", [Object])
], RedisLifecycle);
/** The main Redis connection and the adapters of every port; connects at boot (fails fast if Redis is absent). */
let RedisModule = class RedisModule {
};
exports.RedisModule = RedisModule;
exports.RedisModule = RedisModule = __decorate([
    (0, common_1.Global)(),
    (0, common_1.Module)({
        providers: [
            { provide: exports.KEY_SCHEMA, inject: [config_1.PUSH_CONFIG], useFactory: (c) => new key_schema_1.KeySchema(c.keyPrefix) },
            { provide: exports.REDIS, inject: [config_1.PUSH_CONFIG], useFactory: (c) => (0, redis_client_factory_1.createRedisClient)(c.redisUrl, 'push') },
            { provide: exports.CLIENT_STORE, inject: [exports.REDIS, exports.KEY_SCHEMA], useFactory: (r, k) => new redis_client_store_1.RedisClientStore(r, k) },
            { provide: exports.PUSH_URL_STORE, inject: [exports.REDIS, exports.KEY_SCHEMA], useFactory: (r, k) => new redis_push_url_store_1.RedisPushUrlStore(r, k) },
            {
                provide: exports.MESSAGE_STORE,
                inject: [exports.REDIS, exports.KEY_SCHEMA, config_1.PUSH_CONFIG],
                useFactory: (r, k, c) => new redis_message_store_1.RedisMessageStore(r, k, { maxLen: c.streamMaxLen, maxAgeMs: c.streamMaxAgeS * 1000 }),
            },
            { provide: exports.NODE_REGISTRY, inject: [exports.REDIS, exports.KEY_SCHEMA], useFactory: (r, k) => new redis_node_registry_1.RedisNodeRegistry(r, k) },
            {
                provide: exports.PUSH_URL_CODEC,
                inject: [exports.REDIS, exports.KEY_SCHEMA, config_1.PUSH_CONFIG],
                useFactory: async (r, k, c) => new domain_1.PushUrlCodec(await pushUrlSecret(r, k, c.pushUrlSecret)),
            },
            RedisLifecycle,
        ],
        exports: [exports.REDIS, exports.KEY_SCHEMA, exports.CLIENT_STORE, exports.PUSH_URL_STORE, exports.MESSAGE_STORE, exports.NODE_REGISTRY, exports.PUSH_URL_CODEC],
    })
], RedisModule);
//# sourceMappingURL=redis.module.js.map