import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { DomainError, RateLimitedError } from '@push/domain';
import type { FastifyReply } from 'fastify';
import { HTTP_STATUS_OF, RETRY_AFTER_S } from './error-status.table';
import { MethodNotAllowedException } from './method-not-allowed.exception';
import { MAX_BODY_BYTES } from './http-limits';
import { errorJson, JSON_CONTENT_TYPE } from './http-edge';
import { isRedisUnavailable, RedisOutage } from './redis-outage.service';

/** What every error response says: `{"statusCode", "error", "message"}` plus headers. */
export interface ErrorAnswer {
  readonly status: number;
  readonly message: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Fastify's own refusals (content-type parsing, body size) carry a status and an FST_ code. */
interface FastifyError {
  readonly code: string;
  readonly statusCode: number;
  readonly message: string;
}

function isFastifyError(err: unknown): err is FastifyError {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as Partial<FastifyError>;
  return typeof e.code === 'string' && e.code.startsWith('FST_') && typeof e.statusCode === 'number';
}

const FASTIFY_MESSAGES: Readonly<Record<string, string>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: `request body is larger than ${MAX_BODY_BYTES} bytes`,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'content type must be application/json or application/x-www-form-urlencoded',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'content-length does not match the body',
};

const RETRY = { 'retry-after': String(RETRY_AFTER_S) };


/** Headers of a domain error's answer: how long to wait, for a limit or an outage. */
function headersOf(exception: DomainError): Record<string, string> {
  if (exception instanceof RateLimitedError) return { 'retry-after': String(exception.retryAfterS) };
  return exception.code === 'unavailable' ? RETRY : {};
}

/**
 * The one exception filter: domain errors through the status table, Nest and Fastify refusals
 * (validation, unknown route, body too large, wrong content type) in the same JSON shape, and a
 * Redis outage as 503 with Retry-After. Messages never include a token, a push URL id or a payload.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(ApiExceptionFilter.name);

  constructor(private readonly outage: RedisOutage) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const answer = this.answer(exception);
    // the client went away mid-request: nobody reads an answer
    if (reply.raw.destroyed) return;
    void reply.status(answer.status).headers(answer.headers).type(JSON_CONTENT_TYPE).send(errorJson(answer.status, answer.message));
  }

  /** Maps any thrown value to a status, a message and headers. */
  answer(exception: unknown): ErrorAnswer {
    if (exception instanceof DomainError) {
      const status = HTTP_STATUS_OF[exception.code];
      return { status, message: exception.message, headers: headersOf(exception) };
    }
    if (exception instanceof MethodNotAllowedException) {
      return { status: exception.getStatus(), message: exception.message, headers: { allow: exception.allow.join(', ') } };
    }
    if (exception instanceof HttpException) {
      // the Fastify adapter wraps Fastify's own 4xx refusals (body too large, content type) in an HttpException
      const cause = exception.cause;
      const message = (isFastifyError(cause) ? FASTIFY_MESSAGES[cause.code] : undefined) ?? messageOf(exception);
      return { status: exception.getStatus(), message, headers: {} };
    }
    if (isFastifyError(exception) && exception.statusCode < 500) {
      return { status: exception.statusCode, message: FASTIFY_MESSAGES[exception.code] ?? exception.message, headers: {} };
    }
    if (isClientAbort(exception)) {
      // the request's own connection reset (its code, ECONNRESET, would otherwise read as Redis going away)
      return { status: 400, message: 'the request was aborted before its body was read', headers: {} };
    }
    if (isRedisUnavailable(exception)) {
      this.outage.report(exception);
      return { status: 503, message: 'storage is unavailable, retry shortly', headers: RETRY };
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : `non-error thrown: ${typeof exception}`);
    return { status: 500, message: 'internal error', headers: {} };
  }
}

/** Node's error for a request whose connection ended before its body was read. */
export function isClientAbort(err: unknown): boolean {
  return err instanceof Error && err.message === 'aborted' && (err as NodeJS.ErrnoException).code === 'ECONNRESET';
}

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return exception.message;
}
