import { Body, Controller, Get, NotFoundException, Param, Put, Query } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { isUserQueueId } from '@push/domain';
import { ApiErrors, ApiToken, HistoryBody, LastSeenBody } from '../common/api-docs';
import { AuthToken } from '../common/auth-token.decorator';
import { asRecord, parseInput } from '../common/input-validation';
import { MethodNotAllowedException } from '../common/method-not-allowed.exception';
import { PushUrlService } from '../push-url/push-url.service';
import { HistoryQueryDto } from './dto/history-query.dto';
import { LastSeenDto } from './dto/last-seen.dto';
import { History, UserQueueService } from './user-queue.service';

/** `GET` and `PUT /queue/<user queue>/`; on a push URL these methods are 405 (a push URL only takes POST and DELETE). */
@ApiTags('user queues')
@ApiToken()
@Controller('queue')
export class UserQueueController {
  constructor(
    private readonly userQueues: UserQueueService,
    private readonly pushUrls: PushUrlService,
  ) {}

  @Get(':id')
  @ApiOperation({ summary: 'Stored messages of the user queue, oldest first, and last_seen' })
  @ApiParam({ name: 'id', description: 'the user queue id (32 hex characters)' })
  @ApiOkResponse({ type: HistoryBody })
  @ApiErrors(400, 401, 403, 404, 405, 503)
  history(@AuthToken() token: string | undefined, @Param('id') id: string, @Query() query: HistoryQueryDto): Promise<History> {
    this.assertUserQueueRoute(id);
    return this.userQueues.history(token, id, query);
  }

  @Put(':id')
  @ApiOperation({ summary: "Record the client's last_seen time, for its other devices" })
  @ApiParam({ name: 'id', description: 'the user queue id (32 hex characters)' })
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiBody({ type: LastSeenDto })
  @ApiOkResponse({ type: LastSeenBody })
  @ApiErrors(400, 401, 403, 404, 405, 415, 503)
  async setLastSeen(
    @AuthToken() token: string | undefined,
    @Param('id') id: string,
    @Body() body: unknown,
    @Query() query: unknown,
  ): Promise<LastSeenBody> {
    this.assertUserQueueRoute(id);
    // seed clients send the timestamp as a form field; a query parameter is accepted as well
    const input = parseInput(LastSeenDto, { ...asRecord(query), ...asRecord(body) });
    return { last_seen: await this.userQueues.setLastSeen(token, id, input) };
  }

  private assertUserQueueRoute(id: string): void {
    if (isUserQueueId(id)) return;
    if (this.pushUrls.isPushUrlId(id)) throw new MethodNotAllowedException(['POST', 'DELETE'], 'a push URL only takes POST (publish) and DELETE (revoke)');
    throw new NotFoundException('no such queue');
  }
}
