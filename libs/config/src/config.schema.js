"use strict";
/**
 * The operator interface: every environment variable Push reads, with its default and one doc line.
 * Only this library reads `process.env`; everything else receives a validated `PushConfig`.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.fields = exports.ConfigError = void 0;
exports.loadConfig = loadConfig;
/** Thrown at boot with every problem of the environment at once. */
class ConfigError extends Error {
    problems;
    constructor(problems) {
        super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
        this.problems = problems;
        this.name = 'ConfigError';
    }
}
exports.ConfigError = ConfigError;
class FieldError extends Error {
}
function int(min, max, def) {
    return (raw) => {
        if (raw === undefined || raw === '')
            return def;
        if (!/^\d+$/.test(raw.trim()))
            throw new FieldError(`must be an integer between ${min} and ${max}, got "${raw}"`);
        const n = Number(raw);
        if (n < min || n > max)
            throw new FieldError(`must be between ${min} and ${max}, got ${n}`);
        return n;
    };
}
function str(def) {
    return (raw) => (raw === undefined || raw === '' ? def : raw);
}
function optionalUrl(raw) {
    if (raw === undefined || raw === '')
        return null;
    let url;
    try {
        url = new URL(raw);
    }
    catch {
        throw new FieldError(`must be an absolute http(s) URL, got "${raw}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new FieldError(`must be an http(s) URL, got "${raw}"`);
    return raw.replace(/\/+$/, '');
}
const MINUTE_MS = 60_000;
const KIB = 1024;
exports.fields = {
    redisUrl: { env: 'REDIS_URL', doc: 'the Redis server (or comma-separated cluster seed nodes)', parse: str('redis://127.0.0.1:6379') },
    keyPrefix: { env: 'KEY_PREFIX', doc: 'prefix of every Redis key and channel', parse: str('push:') },
    apiPort: { env: 'API_PORT', doc: 'HTTP API port', parse: int(0, 65535, 5001) },
    gatewayPort: { env: 'GATEWAY_PORT', doc: 'WebSocket gateway port', parse: int(0, 65535, 8888) },
    monitorPort: { env: 'MONITOR_PORT', doc: "monitor's health port", parse: int(0, 65535, 5003) },
    host: { env: 'HOST', doc: 'interface to listen on', parse: str('0.0.0.0') },
    publicUrl: { env: 'PUBLIC_URL', doc: 'base of the URLs the API returns', parse: optionalUrl },
    gatewayPublicAddress: { env: 'GATEWAY_PUBLIC_ADDRESS', doc: 'host:port this gateway registers', parse: str('') },
    wsAuthTimeoutMs: { env: 'WS_AUTH_TIMEOUT_MS', doc: 'auth timeout of a new socket', parse: int(1, 10 * MINUTE_MS, 10_000) },
    wsMaxPayloadBytes: { env: 'WS_MAX_PAYLOAD_BYTES', doc: 'largest client frame', parse: int(64, 16 * KIB * KIB, 64 * KIB) },
    wsAllowedOrigins: {
        env: 'WS_ALLOWED_ORIGINS',
        doc: 'comma-separated allowed Origins (empty: any)',
        parse: (raw) => (raw ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0),
    },
    wsPingIntervalMs: { env: 'WS_PING_INTERVAL_MS', doc: 'server ping period', parse: int(100, 10 * MINUTE_MS, 25_000) },
    wsMaxBufferedBytes: { env: 'WS_MAX_BUFFERED_BYTES', doc: 'unsent bytes before 1013', parse: int(KIB, 1024 * KIB * KIB, KIB * KIB) },
    drainSpreadMs: { env: 'DRAIN_SPREAD_MS', doc: 'spread of 1012 closes on shutdown', parse: int(0, 10 * MINUTE_MS, 3_000) },
    streamMaxLen: { env: 'STREAM_MAX_LEN', doc: 'messages kept per user queue', parse: int(1, 1_000_000, 1000) },
    streamMaxAgeS: { env: 'STREAM_MAX_AGE_S', doc: 'message retention in seconds', parse: int(1, 10 * 365 * 86_400, 2_592_000) },
    monitorPeriodMs: { env: 'MONITOR_PERIOD_MS', doc: 'node probe period', parse: int(100, 60 * MINUTE_MS, 10_000) },
    monitorTimeoutMs: { env: 'MONITOR_TIMEOUT_MS', doc: 'node probe timeout', parse: int(10, 60 * MINUTE_MS, 5_000) },
    pushUrlSecret: {
        env: 'PUSH_URL_SECRET',
        doc: 'secret sealing push URL ids (default: generated once, kept in Redis)',
        parse: (raw) => {
            if (raw === undefined || raw === '')
                return null;
            if (raw.length < 32)
                throw new FieldError('must be at least 32 characters');
            return raw;
        },
    },
    logLevel: {
        env: 'LOG_LEVEL',
        doc: 'error, warn, log, debug or verbose',
        parse: (raw) => {
            const v = raw === undefined || raw === '' ? 'log' : raw;
            if (v === 'error' || v === 'warn' || v === 'log' || v === 'debug' || v === 'verbose')
                return v;
            throw new FieldError(`must be one of error, warn, log, debug, verbose, got "${v}"`);
        },
    },
};
/** Parses and validates an environment; throws one ConfigError listing every bad variable. */
function loadConfig(env = process.env) {
    const problems = [];
    const out = {};
    for (const [name, field] of Object.entries(exports.fields)) {
        try {
            out[name] = field.parse(env[field.env]);
        }
        catch (err) {
            if (!(err instanceof FieldError))
                throw err;
            problems.push(`${field.env} ${err.message}`);
        }
    }
    const cfg = out;
    if (problems.length === 0 && cfg.monitorTimeoutMs >= cfg.monitorPeriodMs) {
        problems.push(`MONITOR_TIMEOUT_MS (${cfg.monitorTimeoutMs}) must be shorter than MONITOR_PERIOD_MS (${cfg.monitorPeriodMs})`);
    }
    if (problems.length > 0)
        throw new ConfigError(problems);
    if (cfg.gatewayPublicAddress === '') {
        return { ...cfg, gatewayPublicAddress: `127.0.0.1:${cfg.gatewayPort}` };
    }
    return cfg;
}
//# sourceMappingURL=config.schema.js.map