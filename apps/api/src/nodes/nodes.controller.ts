import { Controller, Get } from '@nestjs/common';
import { NodesService } from './nodes.service';

/** `GET /nodes/`: live gateway addresses. */
@Controller('nodes')
export class NodesController {
  constructor(private readonly nodes: NodesService) {}

  @Get()
  async list(): Promise<{ nodes: string[] }> {
    return { nodes: await this.nodes.liveAddresses() };
  }
}
