/**
 * JSON logs (pino through nestjs-pino): one line per event, carrying `app`, `nodeId` and, for an HTTP
 * request's line, its `requestId`. What never reaches a log line: a token (the X-Auth-Token,
 * Authorization, Cookie and Proxy-Authorization headers are redacted, and the query string, where seed
 * clients put `token=`, is dropped), a push URL id or user queue id (`/queue/<id>/` is logged as
 * `/queue/:id/`), and a payload (bodies are not logged).
 *
 * Request lines come from a Fastify onResponse hook (logRequests), not from nestjs-pino's pino-http
 * middleware: measured on the publish route, that middleware (a child logger per request, a request
 * serialised eagerly, an AsyncLocalStorage context) cost roughly a third of the api's throughput in an
 * A/B run on a shared 2-core machine (noisy, but well beyond noise). The
 * hook decides the level from the status first and builds nothing for a line it will not write.
 * Levels: failures the operator must see (500 and other 5xx except 503) at `error`; client errors (4xx
 * except 429) at `info`; everything else at `debug` (probes and /metrics at `trace`). So at the
 * default level (`log` = info) a successful publish costs no log line, and neither does a 503 or a 429,
 * which come in floods during an outage or an abusive burst: the outage is logged once by the app
 * itself, and both are counted in push_publishes_total.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { PushConfig } from '@push/config';
import type { Params } from 'nestjs-pino';
import { stdTimeFunctions } from 'pino';
import type { Level, Logger as PinoInstance } from 'pino';
import type { AppName } from './tokens';

/** Pino's level for each LOG_LEVEL (Nest's names): `log` is info, `verbose` is trace. */
export const PINO_LEVEL_OF: Readonly<Record<PushConfig['logLevel'], Level>> = {
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/** Headers that carry a client's secret; logged as `[Redacted]`. */
export const SECRET_HEADERS: readonly string[] = ['x-auth-token', 'authorization', 'cookie', 'proxy-authorization'];
/** An incoming X-Request-Id is kept when it looks like an id (no spaces, quotes or control characters). */
const REQUEST_ID_RE = /^[A-Za-z0-9._:@/+=-]{1,128}$/;
const QUEUE_ID_RE = /\/queue\/[^/]+/;
const PROBE_RE = /^\/(?:healthz|readyz|metrics)\/?(?:\?|$)/;
const REDACTED = '[Redacted]';

/** The URL as logged: path only (the query may carry a seed client's token), queue ids replaced by `:id`. */
export function redactUrl(url: string | undefined): string {
  if (url === undefined) return '';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  return path.replace(QUEUE_ID_RE, '/queue/:id');
}

/** The request id: the caller's X-Request-Id when it looks like one, else a new UUID. */
export function requestIdOf(headers: IncomingHttpHeaders): string {
  const given = headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID_RE.test(given) ? given : randomUUID();
}

/** FastifyAdapter options that give each request its id (logged as requestId, answered as X-Request-Id). */
export const FASTIFY_REQUEST_IDS = { genReqId: (req: { headers: IncomingHttpHeaders }): string => requestIdOf(req.headers) } as const;

/** Headers as logged: secrets replaced by `[Redacted]`. */
export function loggableHeaders(headers: IncomingHttpHeaders): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name in headers) out[name] = SECRET_HEADERS.includes(name) ? REDACTED : headers[name];
  return out;
}

/** The level of a request's completion line (see the top of this file). */
export function requestLogLevel(statusCode: number, url: string | undefined): Level {
  if (statusCode >= 500 && statusCode !== 503) return 'error';
  if (statusCode >= 400 && statusCode < 500 && statusCode !== 429) return 'info';
  return url !== undefined && PROBE_RE.test(url) ? 'trace' : 'debug';
}

/** What logRequests needs of a Fastify request and reply. */
export interface AnsweredRequest {
  readonly id: string;
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/**
 * Builds the onResponse handler that writes a request's completion line when its level is enabled:
 * `{requestId, req: {method, url, headers}, res: {statusCode}, responseTime}` (ms), message
 * `request completed`. Nothing is built for a line below the logger's level.
 */
export function requestLogger(root: Pick<PinoInstance, 'isLevelEnabled' | Level>): (req: AnsweredRequest, statusCode: number, elapsedMs: number) => void {
  return (req, statusCode, elapsedMs) => {
    const level = requestLogLevel(statusCode, req.url);
    if (!root.isLevelEnabled(level)) return;
    root[level](
      {
        requestId: req.id,
        req: { method: req.method, url: redactUrl(req.url), headers: loggableHeaders(req.headers) },
        res: { statusCode },
        responseTime: Math.round(elapsedMs * 1000) / 1000,
      },
      'request completed',
    );
  };
}

/** nestjs-pino's parameters for one app: level, base fields and redaction; no per-request middleware. */
export function loggerParams(app: AppName, nodeId: string, logLevel: PushConfig['logLevel']): Params {
  const level = PINO_LEVEL_OF[logLevel];
  return {
    // no pino-http middleware on any route (see the top of this file); logRequests writes request lines
    forRoutes: [],
    pinoHttp: {
      level,
      base: { app, nodeId },
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label: string) => ({ level: label }) },
      // pino-http would otherwise install its serializers for raw req/res objects; ours are plain already
      wrapSerializers: false,
      // a second guard, should a request's headers reach a line by another path
      redact: {
        paths: ['req.headers["x-auth-token"]', 'req.headers.authorization', 'req.headers.cookie', 'headers["x-auth-token"]', 'headers.authorization', 'headers.cookie'],
        censor: REDACTED,
      },
    },
  };
}

/** Writes a boot failure as one JSON line on stderr (the app's logger may not exist yet). */
export function logBootFailure(app: AppName, err: unknown): void {
  const msg = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`${JSON.stringify({ level: 'fatal', time: new Date().toISOString(), app, msg })}\n`);
}
