import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { isUserQueueId } from '@push/domain';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiExceptionFilter } from '../common/api-exception.filter';
import { tokenOf } from '../common/auth-token.decorator';
import { errorJson, JSON_CONTENT_TYPE } from '../common/http-edge';
import { asRecord, parseFlatInput } from '../common/input-validation';
import { QueueUrlBuilder } from '../common/queue-urls';
import { MarkReadDto } from '../user-queue/dto/mark-read.dto';
import { UserQueueService } from '../user-queue/user-queue.service';
import { PublishDto } from './dto/publish.dto';
import { PublishService } from './publish.service';


/** Path of the publish route, as Fastify spells it (trailing slash optional: the router ignores it). */
export const PUBLISH_ROUTE_PATH = '/queue/:id';

const QUEUE_ID_RE = /^\/queue\/([^/?#]+)\/?(?:[?#]|$)/;

/**
 * True for a publish: `POST /queue/<push URL id>/` (a user queue id there is a read marker instead).
 * From the URL, so that hooks running before the route (the address limits) and after Fastify's own
 * refusals (the publish metrics) tell publishes apart alike.
 */
export function isPublishRequest(method: string, url: string): boolean {
  if (method !== 'POST') return false;
  const id = QUEUE_ID_RE.exec(url)?.[1];
  return id !== undefined && !isUserQueueId(id);
}

/**
 * `POST /queue/<id>/`, one route for two things told apart by the id's shape: a user queue id (32 hex)
 * takes read markers from its own token; any other id is a push URL to publish through. Either way the
 * answer is the stored message's frame, sent as stored (serialised once, by the store).
 *
 * This is the publish hot path, so it is a Fastify route rather than a Nest controller: Nest's router
 * chain (global pipe per parameter, handler proxy, reply adapter) and class-transformer cost about as
 * much CPU per request as everything else together (bench/README.md, "publish requests/s"). It only
 * translates, like a controller: the same class-validator DTOs, the same services, and errors through
 * the one exception filter's table. Fastify-level hooks (body parsers, request logging) still apply.
 */
@Injectable()
export class PublishRoute implements OnModuleInit {
  private readonly errors: ApiExceptionFilter;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly publisher: PublishService,
    private readonly userQueues: UserQueueService,
    private readonly urls: QueueUrlBuilder,
    errors: ApiExceptionFilter,
  ) {
    this.errors = errors;
  }

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.post(PUBLISH_ROUTE_PATH, (req, reply) => this.handle(req, reply));
  }

  private async handle(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    try {
      const frame = await this.post((req.params as { id: string }).id, req);
      await reply.status(200).type(JSON_CONTENT_TYPE).send(frame);
    } catch (err: unknown) {
      const answer = this.errors.answer(err);
      // the client went away mid-request: nobody reads an answer
      if (reply.raw.destroyed) return;
      await reply.status(answer.status).headers(answer.headers).type(JSON_CONTENT_TYPE).send(errorJson(answer.status, answer.message));
    }
  }

  private async post(id: string, req: FastifyRequest): Promise<string> {
    if (isUserQueueId(id)) {
      const input = parseFlatInput(MarkReadDto, { ...asRecord(req.query), ...asRecord(req.body) });
      return (await this.userQueues.markRead(tokenOf(req), id, input, this.urls.forRequest(req))).frame;
    }
    const input = parseFlatInput(PublishDto, req.body);
    return (await this.publisher.publish(id, input, this.urls.forRequest(req))).frame;
  }
}
