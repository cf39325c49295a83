import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, NodesBody } from '../common/api-docs';
import { NodesService } from './nodes.service';

/** `GET /nodes/`: live gateway addresses. */
@ApiTags('gateways')
@Controller('nodes')
export class NodesController {
  constructor(private readonly nodes: NodesService) {}

  @Get()
  @ApiOperation({ summary: 'Live gateway addresses host:port, least connections first' })
  @ApiOkResponse({ type: NodesBody })
  @ApiErrors(503)
  async list(): Promise<NodesBody> {
    return { nodes: await this.nodes.liveAddresses() };
  }
}
