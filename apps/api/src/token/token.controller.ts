import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiErrors, TokenBody } from '../common/api-docs';
import { QueueUrlBuilder } from '../common/queue-urls';
import { TokenService } from './token.service';

/** `POST /token/`: a new client. */
@ApiTags('clients')
@Controller('token')
export class TokenController {
  constructor(
    private readonly tokens: TokenService,
    private readonly urls: QueueUrlBuilder,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'New client token and its user queue' })
  @ApiOkResponse({ type: TokenBody })
  @ApiErrors(503)
  async create(@Req() req: FastifyRequest): Promise<{ token: string; queue: string }> {
    const urls = this.urls.forRequest(req);
    const client = await this.tokens.createClient();
    return { token: client.token, queue: urls.userQueue(client.userQueueId) };
  }
}
