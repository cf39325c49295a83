import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AuthToken } from '../common/auth-token.decorator';
import { QueueUrlBuilder } from '../common/queue-urls';
import { CreatePushUrlDto } from './dto/create-push-url.dto';
import { PushUrlService } from './push-url.service';

/** `POST /queue/`, `GET /queue/`, `DELETE /queue/<id>/`: a token's push URLs. */
@Controller('queue')
export class PushUrlController {
  constructor(
    private readonly pushUrls: PushUrlService,
    private readonly urls: QueueUrlBuilder,
  ) {}

  @Post()
  @HttpCode(200)
  async create(@AuthToken() token: string | undefined, @Body() input: CreatePushUrlDto, @Req() req: FastifyRequest): Promise<{ queue: string }> {
    return { queue: await this.pushUrls.create(token, input.domain, this.urls.forRequest(req)) };
  }

  @Get()
  list(@AuthToken() token: string | undefined, @Req() req: FastifyRequest): Promise<Record<string, string>> {
    return this.pushUrls.list(token, this.urls.forRequest(req));
  }

  @Delete(':id')
  async revoke(@AuthToken() token: string | undefined, @Param('id') id: string, @Req() req: FastifyRequest): Promise<{ queue: string }> {
    return { queue: await this.pushUrls.revoke(token, id, this.urls.forRequest(req)) };
  }
}
