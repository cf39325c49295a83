import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { QueueUrlBuilder } from '../common/queue-urls';
import { TokenService } from './token.service';

/** `POST /token/`: a new client. */
@Controller('token')
export class TokenController {
  constructor(
    private readonly tokens: TokenService,
    private readonly urls: QueueUrlBuilder,
  ) {}

  @Post()
  @HttpCode(200)
  async create(@Req() req: FastifyRequest): Promise<{ token: string; queue: string }> {
    const urls = this.urls.forRequest(req);
    const client = await this.tokens.createClient();
    return { token: client.token, queue: urls.userQueue(client.userQueueId) };
  }
}
