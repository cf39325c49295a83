/**
 * JSON logs (pino through nestjs-pino): one line per event, carrying `app`, `nodeId` and, inside an
 * HTTP request, its `requestId`. What never reaches a log line: a token (the X-Auth-Token,
 * Authorization and Cookie headers are redacted, and the query string, where seed clients put
 * `token=`, is dropped), a push URL id or user queue id (`/queue/<id>/` is logged as `/queue/:id/`),
 * and a payload (bodies are not logged).
 *
 * Request lines: failures the operator must see (500 and other 5xx except 503) at `error`; client
 * errors (4xx except 429) at `info`; everything else at `debug` (probes and /metrics at `trace`). So
 * at the default level (`log` = info) a successful publish costs no log line, and neither does a 503
 * or a 429, which come in floods during an outage or an abusive burst: the outage is logged once by
 * the app itself, and both are counted in push_publishes_total.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { PushConfig } from '@push/config';
import type { Params } from 'nestjs-pino';
import { levels, stdTimeFunctions } from 'pino';
import type { Level, LevelWithSilent } from 'pino';
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

/** Headers as logged: secrets replaced by `[Redacted]`. */
export function loggableHeaders(headers: IncomingHttpHeaders): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name in headers) out[name] = SECRET_HEADERS.includes(name) ? REDACTED : headers[name];
  return out;
}

/** The level of a request's completion line (see the top of this file). */
export function requestLogLevel(statusCode: number, failed: boolean, url: string | undefined): Level {
  if (statusCode >= 500 && statusCode !== 503) return 'error';
  if (failed && statusCode < 400) return 'error';
  if (statusCode >= 400 && statusCode < 500 && statusCode !== 429) return 'info';
  return url !== undefined && PROBE_RE.test(url) ? 'trace' : 'debug';
}

/** FastifyAdapter options that make Fastify's request id (which pino-http logs) honour X-Request-Id. */
export const FASTIFY_REQUEST_IDS = { genReqId: (req: { headers: IncomingHttpHeaders }): string => requestIdOf(req.headers) } as const;

/**
 * A raw request as pino-http sees it: Fastify hands Nest middleware the Node objects, and the adapter
 * rewrites `url` to the part after the middleware's path (`/`), keeping the whole in `originalUrl`.
 */
type RawRequest = IncomingMessage & { id?: unknown; originalUrl?: string };

function urlOf(req: RawRequest): string | undefined {
  return req.originalUrl ?? req.url;
}

/** nestjs-pino's parameters for one app: level, base fields, request ids, serializers and redaction. */
export function loggerParams(app: AppName, nodeId: string, logLevel: PushConfig['logLevel']): Params {
  const level = PINO_LEVEL_OF[logLevel];
  const threshold = levels.values[level];
  const shown = (l: Level): LevelWithSilent => (levels.values[l] >= threshold ? l : 'silent');
  return {
    // nestjs-pino's default route pattern (`{/*splat}`) matches no request on Nest 12's Fastify adapter
    forRoutes: [{ path: '*path', method: RequestMethod.ALL }],
    pinoHttp: {
      level,
      base: { app, nodeId },
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label: string) => ({ level: label }) },
      // Fastify gives each request its id first (FASTIFY_REQUEST_IDS); this is the fallback
      genReqId: (req: IncomingMessage) => requestIdOf(req.headers),
      customAttributeKeys: { reqId: 'requestId' },
      // logs made while handling a request carry its requestId only; the completion line has the request
      quietReqLogger: true,
      wrapSerializers: false,
      serializers: {
        req: (req: RawRequest) => ({ id: req.id, method: req.method, url: redactUrl(urlOf(req)), headers: loggableHeaders(req.headers) }),
        res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
      },
      // a second guard, should a header object reach a line by another path
      redact: { paths: ['req.headers["x-auth-token"]', 'req.headers.authorization', 'req.headers.cookie', 'headers["x-auth-token"]', 'headers.authorization', 'headers.cookie'], censor: REDACTED },
      customLogLevel: (req: RawRequest, res: ServerResponse, err?: Error) => shown(requestLogLevel(res.statusCode, err !== undefined, urlOf(req))),
      customSuccessMessage: () => 'request completed',
      customErrorMessage: () => 'request failed',
    },
  };
}

/** Writes a boot failure as one JSON line on stderr (the app's logger may not exist yet). */
export function logBootFailure(app: AppName, err: unknown): void {
  const msg = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`${JSON.stringify({ level: 'fatal', time: new Date().toISOString(), app, msg })}\n`);
}
