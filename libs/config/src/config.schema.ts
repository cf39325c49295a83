/**
 * The operator interface: every environment variable Push reads, with its default and one doc line.
 * Only this library reads `process.env`; everything else receives a validated `PushConfig`.
 */

/** Validated configuration shared by all apps. Every duration is in milliseconds or seconds as named. */
export interface PushConfig {
  /** Redis URL, or a comma-separated list of cluster seed nodes. */
  readonly redisUrl: string;
  /** How long a Redis command may take before it fails (a hung Redis answers 503 / 1013 instead of stalling); 0 = no limit. */
  readonly redisCommandTimeoutMs: number;
  /** Prefix of every Redis key and channel; lets several deployments or test runs share one Redis. */
  readonly keyPrefix: string;
  /** Port of the HTTP API. */
  readonly apiPort: number;
  /** Port of the WebSocket gateway (also serves its /healthz, /readyz and /metrics). */
  readonly gatewayPort: number;
  /** Port of the monitor's /healthz, /readyz and /metrics. */
  readonly monitorPort: number;
  /** Interface the servers listen on. */
  readonly host: string;
  /** Base of the absolute URLs the API returns (no trailing slash); null = built from the request's Host. */
  readonly publicUrl: string | null;
  /** `host:port` a gateway node registers for GET /nodes/. */
  readonly gatewayPublicAddress: string;
  /** `host:port` of the load balancer in front of the gateways; when set, GET /nodes/ lists only it. Null = the gateways' own addresses. */
  readonly nodesPublicAddress: string | null;
  /** How long a new socket may stay unauthenticated before it is closed with 4408. */
  readonly wsAuthTimeoutMs: number;
  /** Largest frame a client may send; larger frames close the socket with 1009. */
  readonly wsMaxPayloadBytes: number;
  /** Origins allowed to open a socket; empty = any. */
  readonly wsAllowedOrigins: readonly string[];
  /** How often the gateway pings each socket; a socket that missed one ping is dropped at the next. */
  readonly wsPingIntervalMs: number;
  /** Unsent bytes a socket may accumulate before it is closed with 1013. */
  readonly wsMaxBufferedBytes: number;
  /** Time over which a draining node spreads its 1012 closes. */
  readonly drainSpreadMs: number;
  /** Messages kept per user queue. */
  readonly streamMaxLen: number;
  /** Age in seconds after which messages are trimmed. */
  readonly streamMaxAgeS: number;
  /** How often the monitor probes nodes and gateways heartbeat. */
  readonly monitorPeriodMs: number;
  /** How long the monitor waits for a node's answer. */
  readonly monitorTimeoutMs: number;
  /** Secret (>= 32 chars) that seals push URL ids; null = one generated and shared through Redis. */
  readonly pushUrlSecret: string | null;
  /** Publishes one push URL may make at once (token bucket size); 0 = no per push URL limit. */
  readonly publishBurstPerPushUrl: number;
  /** Publishes per second one push URL may sustain (bucket refill); 0 = no per push URL limit. */
  readonly publishRatePerPushUrl: number;
  /** Publishes one client address may make at once, per api process; 0 = no per address publish limit. */
  readonly publishBurstPerIp: number;
  /** Publishes per second one client address may sustain, per api process; 0 = no per address publish limit. */
  readonly publishRatePerIp: number;
  /** Failed attempts (401, 404) one address may make per window before all its requests get 429; 0 = no lockout. */
  readonly failedAttemptsPerIp: number;
  /** The failed attempts window in seconds; a locked-out address is let in again when its window ends. */
  readonly failedAttemptsWindowS: number;
  /** Open sockets one client address may hold on one gateway process; 0 = no limit. */
  readonly maxSocketsPerIp: number;
  /** Reverse proxies in front of the apps whose X-Forwarded-For entry is believed (0 = use the socket address). */
  readonly trustProxy: number;
  /** Time a client has to send a request's headers before the connection is closed (408); 0 = none. */
  readonly httpHeadersTimeoutMs: number;
  /** Time a client has to send a whole request, body included, before the connection is closed (408); 0 = none. */
  readonly httpRequestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open between requests; 0 = forever. */
  readonly httpKeepAliveTimeoutMs: number;
  /** Log level of the JSON logs: error, warn, log (info), debug or verbose (trace). */
  readonly logLevel: 'error' | 'warn' | 'log' | 'debug' | 'verbose';
}

/** One configuration variable: its name, its default and how it is parsed. */
interface Field<T> {
  readonly env: string;
  readonly doc: string;
  readonly parse: (raw: string | undefined) => T;
}

/** Thrown at boot with every problem of the environment at once. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

class FieldError extends Error {}

function int(min: number, max: number, def: number): (raw: string | undefined) => number {
  return (raw) => {
    if (raw === undefined || raw === '') return def;
    if (!/^\d+$/.test(raw.trim())) throw new FieldError(`must be an integer between ${min} and ${max}, got "${raw}"`);
    const n = Number(raw);
    if (n < min || n > max) throw new FieldError(`must be between ${min} and ${max}, got ${n}`);
    return n;
  };
}

function str(def: string): (raw: string | undefined) => string {
  return (raw) => (raw === undefined || raw === '' ? def : raw);
}

function optionalUrl(raw: string | undefined): string | null {
  if (raw === undefined || raw === '') return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FieldError(`must be an absolute http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new FieldError(`must be an http(s) URL, got "${raw}"`);
  return raw.replace(/\/+$/, '');
}

/** `host:port`, `[v6]:port`: what a client puts after `ws://`. */
const HOST_PORT = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/;

function optionalHostPort(raw: string | undefined): string | null {
  if (raw === undefined || raw === '') return null;
  const m = HOST_PORT.exec(raw.trim());
  if (m === null || Number(m[1]) < 1 || Number(m[1]) > 65535) throw new FieldError(`must be host:port, e.g. "push.example.org:443", got "${raw}"`);
  return raw.trim();
}

const MINUTE_MS = 60_000;
const KIB = 1024;

export const fields = {
  redisUrl: { env: 'REDIS_URL', doc: 'the Redis server (or comma-separated cluster seed nodes)', parse: str('redis://127.0.0.1:6379') },
  redisCommandTimeoutMs: { env: 'REDIS_COMMAND_TIMEOUT_MS', doc: 'Redis command timeout (0: none)', parse: int(0, MINUTE_MS, 2_000) },
  keyPrefix: { env: 'KEY_PREFIX', doc: 'prefix of every Redis key and channel', parse: str('push:') },
  apiPort: { env: 'API_PORT', doc: 'HTTP API port', parse: int(0, 65535, 5001) },
  gatewayPort: { env: 'GATEWAY_PORT', doc: 'WebSocket gateway port', parse: int(0, 65535, 8888) },
  monitorPort: { env: 'MONITOR_PORT', doc: "monitor's health and metrics port", parse: int(0, 65535, 5003) },
  host: { env: 'HOST', doc: 'interface to listen on', parse: str('0.0.0.0') },
  publicUrl: { env: 'PUBLIC_URL', doc: 'base of the URLs the API returns', parse: optionalUrl },
  gatewayPublicAddress: { env: 'GATEWAY_PUBLIC_ADDRESS', doc: 'host:port this gateway registers', parse: str('') },
  nodesPublicAddress: {
    env: 'NODES_PUBLIC_ADDRESS',
    doc: 'host:port of the load balancer that GET /nodes/ answers instead of the gateways (default: the gateways)',
    parse: optionalHostPort,
  },
  wsAuthTimeoutMs: { env: 'WS_AUTH_TIMEOUT_MS', doc: 'auth timeout of a new socket', parse: int(1, 10 * MINUTE_MS, 10_000) },
  wsMaxPayloadBytes: { env: 'WS_MAX_PAYLOAD_BYTES', doc: 'largest client frame', parse: int(64, 16 * KIB * KIB, 64 * KIB) },
  wsAllowedOrigins: {
    env: 'WS_ALLOWED_ORIGINS',
    doc: 'comma-separated allowed Origins (empty: any)',
    parse: (raw: string | undefined): readonly string[] =>
      (raw ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0),
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
    parse: (raw: string | undefined): string | null => {
      if (raw === undefined || raw === '') return null;
      if (raw.length < 32) throw new FieldError('must be at least 32 characters');
      return raw;
    },
  },
  publishBurstPerPushUrl: { env: 'PUBLISH_BURST_PER_PUSH_URL', doc: 'publishes a push URL may make at once (0: unlimited)', parse: int(0, 1_000_000, 100) },
  publishRatePerPushUrl: { env: 'PUBLISH_RATE_PER_PUSH_URL', doc: 'publishes per second a push URL may sustain (0: unlimited)', parse: int(0, 1_000_000, 2) },
  publishBurstPerIp: { env: 'PUBLISH_BURST_PER_IP', doc: 'publishes an address may make at once, per api process (0: unlimited)', parse: int(0, 10_000_000, 1000) },
  publishRatePerIp: { env: 'PUBLISH_RATE_PER_IP', doc: 'publishes per second an address may sustain, per api process (0: unlimited)', parse: int(0, 10_000_000, 500) },
  failedAttemptsPerIp: { env: 'FAILED_ATTEMPTS_PER_IP', doc: '401/404 answers per window before an address is locked out (0: never)', parse: int(0, 1_000_000, 100) },
  failedAttemptsWindowS: { env: 'FAILED_ATTEMPTS_WINDOW_S', doc: 'failed attempts window and lockout, in seconds', parse: int(1, 86_400, 60) },
  maxSocketsPerIp: { env: 'MAX_SOCKETS_PER_IP', doc: 'open sockets per address on one gateway (0: unlimited)', parse: int(0, 10_000_000, 1000) },
  trustProxy: {
    env: 'TRUST_PROXY',
    doc: 'reverse proxies whose X-Forwarded-For is believed: 0/false, 1/true (one nginx), or a count',
    parse: (raw: string | undefined): number => {
      const v = (raw ?? '').trim().toLowerCase();
      if (v === '' || v === 'false') return 0;
      if (v === 'true') return 1;
      return int(0, 16, 0)(v);
    },
  },
  httpHeadersTimeoutMs: { env: 'HTTP_HEADERS_TIMEOUT_MS', doc: 'time to send request headers (0: none)', parse: int(0, 10 * MINUTE_MS, 10_000) },
  httpRequestTimeoutMs: { env: 'HTTP_REQUEST_TIMEOUT_MS', doc: 'time to send a whole request (0: none)', parse: int(0, 60 * MINUTE_MS, 20_000) },
  httpKeepAliveTimeoutMs: { env: 'HTTP_KEEP_ALIVE_TIMEOUT_MS', doc: 'idle keep-alive connection lifetime (0: forever)', parse: int(0, 60 * MINUTE_MS, 10_000) },
  logLevel: {
    env: 'LOG_LEVEL',
    doc: 'error, warn, log, debug or verbose',
    parse: (raw: string | undefined): PushConfig['logLevel'] => {
      const v = raw === undefined || raw === '' ? 'log' : raw;
      if (v === 'error' || v === 'warn' || v === 'log' || v === 'debug' || v === 'verbose') return v;
      throw new FieldError(`must be one of error, warn, log, debug, verbose, got "${v}"`);
    },
  },
} satisfies { [K in keyof PushConfig]: Field<PushConfig[K]> };

/** Parses and validates an environment; throws one ConfigError listing every bad variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): PushConfig {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(fields) as [keyof PushConfig, Field<unknown>][]) {
    try {
      out[name] = field.parse(env[field.env]);
    } catch (err) {
      if (!(err instanceof FieldError)) throw err;
      problems.push(`${field.env} ${err.message}`);
    }
  }
  const cfg = out as unknown as PushConfig;
  if (problems.length === 0 && cfg.monitorTimeoutMs >= cfg.monitorPeriodMs) {
    problems.push(`MONITOR_TIMEOUT_MS (${cfg.monitorTimeoutMs}) must be shorter than MONITOR_PERIOD_MS (${cfg.monitorPeriodMs})`);
  }
  if (problems.length === 0 && cfg.httpRequestTimeoutMs > 0 && cfg.httpHeadersTimeoutMs > cfg.httpRequestTimeoutMs) {
    problems.push(`HTTP_HEADERS_TIMEOUT_MS (${cfg.httpHeadersTimeoutMs}) must not be longer than HTTP_REQUEST_TIMEOUT_MS (${cfg.httpRequestTimeoutMs})`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  if (cfg.gatewayPublicAddress === '') {
    return { ...cfg, gatewayPublicAddress: `127.0.0.1:${cfg.gatewayPort}` };
  }
  return cfg;
}
