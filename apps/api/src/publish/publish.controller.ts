import { Body, Controller, Header, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiExtraModels, ApiOkResponse, ApiOperation, ApiParam, ApiSecurity, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { isUserQueueId } from '@push/domain';
import type { FastifyRequest } from 'fastify';
import { ApiErrors, ApiToken, MessageBody, NotificationBody } from '../common/api-docs';
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
@ApiTags('publishing')
@ApiExtraModels(PublishDto, MarkReadDto, NotificationBody)
@Controller('queue')
export class PublishController {
  constructor(
    private readonly publisher: PublishService,
    private readonly userQueues: UserQueueService,
    private readonly urls: QueueUrlBuilder,
  ) {}

  @Post(':id')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Publish through a push URL, or mark a message read on a user queue',
    description:
      'With a push URL id: store the notification in the owner\'s user queue and deliver it to every socket of that token (no token needed: ' +
      'knowing the push URL is the permission). With a user queue id (32 hex) and its token: action=read and key append a read marker ' +
      '(they may also come as query parameters); any other POST there is 403.',
  })
  @ApiParam({ name: 'id', description: 'a push URL id (publish) or a user queue id (read marker)' })
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiBody({ schema: { oneOf: [{ $ref: getSchemaPath(PublishDto) }, { $ref: getSchemaPath(MarkReadDto) }] } })
  @ApiToken()
  @ApiSecurity({})
  @ApiOkResponse({ type: MessageBody, description: 'the stored message (or read marker), as every socket of the token receives it' })
  @ApiErrors(400, 401, 403, 404, 413, 415, 429, 503)
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
