import { Body, Controller, Header, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { isUserQueueId } from '@push/domain';
import type { FastifyRequest } from 'fastify';
import { AuthToken } from '../common/auth-token.decorator';
import { asRecord, parseInput } from '../common/input-validation';
import { QueueUrlBuilder } from '../common/queue-urls';
import { MarkReadDto } from '../user-queue/dto/mark-read.dto';
import { UserQueueService } from '../user-queue/user-queue.service';
import { PublishDto } from './dto/publish.dto';
import { PublishService } from './publish.service';

/**
 * `POST /queue/<id>/`, one route for two things told apart by the id's shape: a user queue id (32 hex)
 * takes read markers from its own token; any other id is a push URL to publish through. Either way the
 * answer is the stored message's frame, sent as stored (serialised once, by the store).
 */
@Controller('queue')
export class PublishController {
  constructor(
    private readonly publisher: PublishService,
    private readonly userQueues: UserQueueService,
    private readonly urls: QueueUrlBuilder,
  ) {}

  @Post(':id')
  @HttpCode(200)
  @Header('content-type', 'application/json; charset=utf-8')
  async post(
    @Param('id') id: string,
    @AuthToken() token: string | undefined,
    @Body() body: unknown,
    @Query() query: unknown,
    @Req() req: FastifyRequest,
  ): Promise<string> {
    if (isUserQueueId(id)) {
      const input = parseInput(MarkReadDto, { ...asRecord(query), ...asRecord(body) });
      return (await this.userQueues.markRead(token, id, input, this.urls.forRequest(req))).frame;
    }
    const input = parseInput(PublishDto, body);
    return (await this.publisher.publish(id, input, this.urls.forRequest(req))).frame;
  }
}
