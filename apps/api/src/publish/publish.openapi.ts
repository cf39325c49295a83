import { getSchemaPath } from '@nestjs/swagger';
import type { OpenAPIObject, OperationObject } from '@nestjs/swagger';
import { BEARER_SCHEME, ERROR_MEANING, ErrorBody, MessageBody, TOKEN_SCHEME } from '../common/api-docs';
import { MarkReadDto } from '../user-queue/dto/mark-read.dto';
import { PublishDto } from './dto/publish.dto';

/** Models the publish operation refers to; the document must list them (SwaggerModule's extraModels). */
export const PUBLISH_MODELS = [PublishDto, MarkReadDto, MessageBody, ErrorBody];

const ERROR_STATUSES = [400, 401, 403, 404, 413, 415, 429, 503];

const ERROR_CONTENT = { 'application/json': { schema: { $ref: getSchemaPath(ErrorBody) } } };

/**
 * `POST /queue/<id>/` in the OpenAPI document. PublishRoute is a Fastify route (the hot path skips
 * Nest's router), so @nestjs/swagger cannot see it: its operation is written here, in the words the
 * controllers' decorators use, and added to the document.
 */
const PUBLISH_OPERATION: OperationObject = {
  tags: ['publishing'],
  summary: 'Publish through a push URL, or mark a message read on a user queue',
  description:
    "With a push URL id: store the notification in the owner's user queue and deliver it to every socket of that token (no token needed: " +
    'knowing the push URL is the permission). With a user queue id (32 hex) and its token: action=read and key append a read marker ' +
    '(they may also come as query parameters); any other POST there is 403.',
  parameters: [
    { name: 'id', in: 'path', required: true, description: 'a push URL id (publish) or a user queue id (read marker)', schema: { type: 'string' } },
    {
      name: 'X-Auth-Token',
      in: 'header',
      required: false,
      description: "read markers only: the client's token (or Authorization: Bearer <token>; seed clients: a token field or query parameter)",
      schema: { type: 'string' },
    },
  ],
  requestBody: {
    required: true,
    content: Object.fromEntries(
      ['application/json', 'application/x-www-form-urlencoded'].map((type) => [
        type,
        { schema: { oneOf: [{ $ref: getSchemaPath(PublishDto) }, { $ref: getSchemaPath(MarkReadDto) }] } },
      ]),
    ),
  },
  responses: {
    200: {
      description: 'the stored message (or read marker), as every socket of the token receives it',
      content: { 'application/json': { schema: { $ref: getSchemaPath(MessageBody) } } },
    },
    ...Object.fromEntries(ERROR_STATUSES.map((status) => [status, { description: ERROR_MEANING[status] ?? 'error', content: ERROR_CONTENT }])),
  },
  security: [{}, { [TOKEN_SCHEME]: [] }, { [BEARER_SCHEME]: [] }],
};

/** Adds the publish operation to a document built from the controllers (beside DELETE on the same path). */
export function addPublishOperation(document: OpenAPIObject): void {
  const path = '/queue/{id}';
  document.paths[path] = { ...document.paths[path], post: PUBLISH_OPERATION };
}
