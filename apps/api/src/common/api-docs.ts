/**
 * OpenAPI (GET /docs, /docs-json): the answer bodies as classes for @nestjs/swagger, and decorators
 * that every route shares (the token header, the error answers). The routes and statuses are those of
 * the contract (/work/shared/spec/api.md, "HTTP API"); test/e2e/openapi.e2e-spec.ts checks the
 * document against its route table.
 */
import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiProperty, ApiPropertyOptional, ApiResponse, ApiSecurity } from '@nestjs/swagger';

/** Name of the X-Auth-Token security scheme in the document. */
export const TOKEN_SCHEME = 'token';
/** Name of the Authorization: Bearer security scheme in the document. */
export const BEARER_SCHEME = 'bearer';

/** Every error answer: `{"statusCode", "error", "message"}`. */
export class ErrorBody {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request' })
  error!: string;

  @ApiProperty({ example: 'title is required', description: 'what is wrong, naming the field' })
  message!: string;
}

/** A notification as stored (only these fields are kept). */
export class NotificationBody {
  @ApiProperty({ example: 'message one' })
  title!: string;

  @ApiPropertyOptional({ example: 'hi' })
  body?: string;

  @ApiPropertyOptional({ example: 'https://example.com/a', description: 'absolute http: or https: URL' })
  actionUrl?: string;

  @ApiPropertyOptional({ example: 'inbox', description: 'a resuming client gets only the newest message per push URL and replaceId' })
  replaceId?: string;
}

/** A message as stored and delivered (HTTP answer and WebSocket frame alike). */
export class MessageBody {
  @ApiProperty({ example: '1764260000123-456', description: 'unique, ordered id (the Redis stream id)' })
  key!: string;

  @ApiProperty({ example: '1764260000.123456', description: 'seconds since the epoch with microseconds; strictly increasing per user queue' })
  timestamp!: string;

  @ApiProperty({ example: 'https://push.example.org/queue/6f1c.../', description: 'the push URL it was sent to (the user queue URL for a read marker)' })
  queue!: string;

  @ApiProperty({
    description: 'the notification, or a read marker {"read": "<key>"}',
    oneOf: [{ $ref: '#/components/schemas/NotificationBody' }, { type: 'object', properties: { read: { type: 'string', example: '1764260000123-456' } }, required: ['read'] }],
  })
  body!: NotificationBody | { read: string };
}

/** Answer of POST /token/. */
export class TokenBody {
  @ApiProperty({ example: 'PXPuJvOMCaMdaZtVBUHA_TwKV6BF6IQkF3FXtHwaWS4', description: "the client's secret; send it as X-Auth-Token" })
  token!: string;

  @ApiProperty({ example: 'https://push.example.org/queue/74fd823c234daf9ae7fe5ba5e3f7f7fd/', description: 'the user queue URL' })
  queue!: string;
}

/** Answer naming one queue URL (POST /queue/, DELETE <push URL>). */
export class QueueBody {
  @ApiProperty({ example: 'https://push.example.org/queue/d9vibOG4mYSm7cvEfWO4lnsP_701JLFSaNKM1ysofnIJnvqYRkEk0-crVmU/' })
  queue!: string;
}

/** Answer of GET <user queue>. */
export class HistoryBody {
  @ApiProperty({ type: [MessageBody], description: 'oldest first' })
  messages!: MessageBody[];

  @ApiProperty({ type: String, nullable: true, example: '1764260000.500000', description: 'what PUT last stored, or null' })
  last_seen!: string | null;
}

/** Answer of PUT <user queue>. */
export class LastSeenBody {
  @ApiProperty({ example: '1764260000.500000' })
  last_seen!: string;
}

/** Answer of GET /nodes/. */
export class NodesBody {
  @ApiProperty({ type: [String], example: ['127.0.0.1:8888'], description: 'live gateway addresses host:port, least connections first' })
  nodes!: string[];
}

/** Answer of GET /healthz. */
export class HealthBody {
  @ApiProperty({ enum: ['ok'] })
  status!: 'ok';
}

/** Answer of GET /readyz. */
export class ReadyBody {
  @ApiProperty({ enum: ['ready'] })
  status!: 'ready';
}

/** What each error status means, for the document. */
export const ERROR_MEANING: Readonly<Record<number, string>> = {
  400: 'a field is missing or invalid (the message names it)',
  401: 'the token is missing or unknown',
  403: 'the token does not own this user queue, or the request is not allowed here',
  404: 'unknown (or revoked, or not this token\'s) push URL, or no such message',
  405: 'a push URL only takes POST and DELETE (Allow header)',
  413: 'the notification is over 4 KiB of JSON, or the body over 64 KiB',
  415: 'the content type is neither application/json nor application/x-www-form-urlencoded',
  429: 'rate limited',
  503: 'Redis is unavailable; retry after Retry-After seconds',
};

/** The error answers of a route, each with the shared error body. */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(...statuses.map((status) => ApiResponse({ status, description: ERROR_MEANING[status] ?? 'error', type: ErrorBody })));
}

/** A route that needs the client's token: X-Auth-Token (or Authorization: Bearer; seed clients: a `token` field or query parameter). */
export function ApiToken(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiHeader({ name: 'X-Auth-Token', required: false, description: "the client's token (or send Authorization: Bearer <token>; seed clients: a token field or query parameter)" }),
    ApiSecurity(TOKEN_SCHEME),
    ApiBearerAuth(BEARER_SCHEME),
  );
}
