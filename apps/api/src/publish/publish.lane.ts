import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { PUSH_CONFIG } from '@push/config';
import type { PushConfig } from '@push/config';
import { clientAddress, isUserQueueId } from '@push/domain';
import { AnsweredRequest, ApiMetrics, appRequestLogger, requestIdOf } from '@push/observability';
import { ApiExceptionFilter } from '../common/api-exception.filter';
import { isEncodedBody, parseJsonBody } from '../common/body-parsers';
import { errorJson, JSON_CONTENT_TYPE } from '../common/http-edge';
import { MAX_BODY_BYTES } from '../common/http-limits';
import { parseFlatInput } from '../common/input-validation';
import { API_CORS } from '../common/cors';
import { QueueUrlBuilder } from '../common/queue-urls';
import { AddressLimits } from '../limits/address-limits.service';
import { PublishDto } from './dto/publish.dto';
import { PublishService } from './publish.service';

/** Extra header of an answer after which the connection closes. */
const CLOSE: Readonly<Record<string, string>> = { connection: 'close' };

/** What the CORS hook adds to every answer of the Fastify route (API_CORS allows any origin). */
const CORS_HEADERS: Readonly<Record<string, string>> = API_CORS.origin === '*' ? { 'access-control-allow-origin': '*' } : {};

/** `/queue/<id>` or `/queue/<id>/`, nothing after it; an id of base64url characters no longer than Fastify's parameter limit. */
const LANE_URL_RE = /^\/queue\/([A-Za-z0-9_-]{1,100})\/?$/;

/** The JSON content types the lane reads (what a publisher sends); any other type is Fastify's to parse or refuse. */
const LANE_CONTENT_TYPE_RE = /^application\/json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

/**
 * The push URL id of a request the lane answers, or null for one it leaves to Fastify: anything but a
 * `POST /queue/<push URL id>/` with a JSON body of known length within the limit, not compressed, without
 * an Origin (CORS is Fastify's) and, when `schemeFromProxy`, without X-Forwarded-Proto.
 */
export function lanePublishId(method: string | undefined, url: string | undefined, headers: IncomingHttpHeaders, schemeFromProxy: boolean): string | null {
  if (method !== 'POST') return null;
  const id = LANE_URL_RE.exec(url ?? '')?.[1];
  if (id === undefined || isUserQueueId(id)) return null;
  const length = Number(headers['content-length']);
  const plain =
    length > 0 &&
    length <= MAX_BODY_BYTES &&
    headers['transfer-encoding'] === undefined &&
    headers.origin === undefined &&
    LANE_CONTENT_TYPE_RE.test(headers['content-type'] ?? '') &&
    !isEncodedBody(headers['content-encoding']) &&
    !(schemeFromProxy && headers['x-forwarded-proto'] !== undefined);
  return plain ? id : null;
}

/** A publish as the lane sees it, for the log line of a refused one. */
class LaneRequest implements AnsweredRequest {
  constructor(
    readonly id: string,
    readonly method: string,
    readonly url: string,
    readonly headers: IncomingHttpHeaders,
  ) {}
}

/**
 * The publish hot path on Node's own HTTP server, ahead of Fastify: a plain JSON publish (`POST
 * /queue/<push URL id>/`, `Content-Type: application/json`, a Content-Length within the body limit,
 * not compressed, no Origin) is read, validated, stored and answered here; every other request goes on
 * to Fastify and the Nest application, publish route included (publish.route.ts). Fastify's request
 * cycle (routing, seven hooks, the content-type parser, the reply's serialisation) cost about as much
 * CPU per publish as the publish itself (bench/README.md, "publish requests/s").
 *
 * It answers exactly what the Fastify route answers: the same parsing (parseJsonBody), validation
 * (parseFlatInput), service and error table (ApiExceptionFilter), and it plays the hooks' parts in their
 * order: the request id (X-Request-Id), the address limits (lockout and publish bucket before the body
 * is read; 401/404 count as failed attempts), the publish metrics and the request log line. Requests
 * with an Origin (CORS) and requests whose protocol a proxy header decides are left to Fastify.
 */
@Injectable()
export class PublishLane implements BeforeApplicationShutdown {
  private readonly logger = new Logger(PublishLane.name);
  private open = true;
  /** Looked up on first use: pino's root logger exists once the logger module has started. */
  private logRequest: ReturnType<typeof appRequestLogger> | null = null;
  private readonly trustedProxies: number;
  /** With PUBLIC_URL unset and proxies trusted, X-Forwarded-Proto decides the scheme: Fastify's to read. */
  private readonly schemeFromProxy: boolean;

  constructor(
    @Inject(PUSH_CONFIG) config: PushConfig,
    private readonly publisher: PublishService,
    private readonly urls: QueueUrlBuilder,
    private readonly errors: ApiExceptionFilter,
    private readonly limits: AddressLimits,
    private readonly metrics: ApiMetrics,
  ) {
    this.trustedProxies = config.trustProxy;
    this.schemeFromProxy = config.publicUrl === null && config.trustProxy > 0;
  }

  /** From shutdown on, every request goes through Fastify, which knows how to refuse them while closing. */
  beforeApplicationShutdown(): void {
    this.open = false;
  }

  /** Takes a plain JSON publish and answers it; false leaves the request (untouched) to Fastify. */
  take(req: IncomingMessage, res: ServerResponse): boolean {
    if (!this.open) return false;
    const pushUrlId = lanePublishId(req.method, req.url, req.headers, this.schemeFromProxy);
    if (pushUrlId === null) return false;
    const requestId = requestIdOf(req.headers);
    try {
      this.publish(req, res, pushUrlId, Number(req.headers['content-length']), requestId);
    } catch (err: unknown) {
      this.fail(res, requestId, err);
    }
    return true;
  }

  private publish(req: IncomingMessage, res: ServerResponse, pushUrlId: string, length: number, requestId: string): void {
    const started = performance.now();
    const address = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], this.trustedProxies);
    res.once('finish', () => this.answered(req, res, requestId, address, started));
    const refusal = this.limits.admitPublish(address);
    if (refusal !== null) {
      this.fail(res, requestId, refusal);
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      chunks.push(chunk);
    });
    req.on('end', () => {
      // Node's parser ends a request only at its Content-Length (an early end is a parser error), so this
      // cannot happen; should it, nothing sensible can be answered on that connection
      if (received !== length) {
        req.socket.destroy();
        return;
      }
      void this.store(req, res, pushUrlId, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received), requestId);
    });
  }

  private async store(req: IncomingMessage, res: ServerResponse, pushUrlId: string, body: Buffer, requestId: string): Promise<void> {
    let parsed: Record<string, unknown> | undefined;
    try {
      parsed = parseJsonBody(body);
    } catch (err: unknown) {
      // as Fastify's body parser does: a body that does not parse ends the connection after the answer
      this.fail(res, requestId, err, CLOSE);
      return;
    }
    try {
      const input = parseFlatInput(PublishDto, parsed);
      const { frame } = await this.publisher.publish(pushUrlId, input, this.urls.forRequest({ protocol: 'http', headers: req.headers }));
      if (res.destroyed) return;
      res.writeHead(200, { ...CORS_HEADERS, 'content-type': JSON_CONTENT_TYPE, 'content-length': Buffer.byteLength(frame), 'x-request-id': requestId });
      res.end(frame);
    } catch (err: unknown) {
      this.fail(res, requestId, err);
    }
  }

  private fail(res: ServerResponse, requestId: string, err: unknown, extraHeaders: Readonly<Record<string, string>> = {}): void {
    try {
      const answer = this.errors.answer(err);
      // the client went away mid-request: nobody reads an answer
      if (res.destroyed || res.headersSent) return;
      const body = errorJson(answer.status, answer.message);
      res.writeHead(answer.status, {
        ...CORS_HEADERS,
        ...answer.headers,
        ...extraHeaders,
        'content-type': JSON_CONTENT_TYPE,
        'content-length': Buffer.byteLength(body),
        'x-request-id': requestId,
      });
      res.end(body);
    } catch {
      // an answer that cannot be written: the connection goes rather than the process
      res.destroy();
    }
  }

  /** The onResponse hooks' part: failed attempts, publish metrics, the log line. */
  private answered(req: IncomingMessage, res: ServerResponse, requestId: string, address: string, started: number): void {
    try {
      const status = res.statusCode;
      const elapsedMs = performance.now() - started;
      this.limits.answered(address, status);
      this.metrics.published(status, elapsedMs / 1000);
      this.logRequest ??= appRequestLogger();
      this.logRequest(new LaneRequest(requestId, 'POST', req.url ?? '', req.headers), status, elapsedMs);
    } catch (err: unknown) {
      // bookkeeping of an answer already sent must never take the process down
      this.logger.error(`publish lane bookkeeping failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
