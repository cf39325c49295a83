import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiErrors, ApiToken, QueueBody } from '../common/api-docs';
import { AuthToken } from '../common/auth-token.decorator';
import { QueueUrlBuilder } from '../common/queue-urls';
import { CreatePushUrlDto } from './dto/create-push-url.dto';
import { PushUrlService } from './push-url.service';

/** `POST /queue/`, `GET /queue/`, `DELETE /queue/<id>/`: a token's push URLs. */
@ApiTags('push URLs')
@ApiToken()
@Controller('queue')
export class PushUrlController {
  constructor(
    private readonly pushUrls: PushUrlService,
    private readonly urls: QueueUrlBuilder,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: "The token's push URL for a site (one per token and domain: asking again returns the same URL until it is deleted)" })
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiBody({ type: CreatePushUrlDto })
  @ApiOkResponse({ type: QueueBody })
  @ApiErrors(400, 401, 415, 503)
  async create(@AuthToken() token: string | undefined, @Body() input: CreatePushUrlDto, @Req() req: FastifyRequest): Promise<{ queue: string }> {
    return { queue: await this.pushUrls.create(token, input.domain, this.urls.forRequest(req)) };
  }

  @Get()
  @ApiOperation({ summary: "The token's push URLs by domain, for syncing devices" })
  @ApiOkResponse({ schema: { type: 'object', additionalProperties: { type: 'string' }, example: { 'example.com': 'https://push.example.org/queue/d9vib.../' } } })
  @ApiErrors(401, 503)
  list(@AuthToken() token: string | undefined, @Req() req: FastifyRequest): Promise<Record<string, string>> {
    return this.pushUrls.list(token, this.urls.forRequest(req));
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Revoke a push URL; publishing to it is then refused' })
  @ApiParam({ name: 'id', description: 'the push URL id' })
  @ApiOkResponse({ type: QueueBody })
  @ApiErrors(401, 404, 503)
  async revoke(@AuthToken() token: string | undefined, @Param('id') id: string, @Req() req: FastifyRequest): Promise<{ queue: string }> {
    return { queue: await this.pushUrls.revoke(token, id, this.urls.forRequest(req)) };
  }
}
