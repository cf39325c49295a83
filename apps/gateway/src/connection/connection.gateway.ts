import type { IncomingMessage } from 'node:http';
import { OnGatewayConnection, OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import type { WebSocketServer } from 'ws';
import type { ClientSocket } from './client-socket';
import { ConnectionService } from './connection.service';

/** The WebSocket endpoint at `/` on the HTTP port; it only hands sockets to ConnectionService. */
@WebSocketGateway({ path: '/' })
export class ConnectionGateway implements OnGatewayInit<WebSocketServer>, OnGatewayConnection<ClientSocket> {
  constructor(private readonly connections: ConnectionService) {}

  afterInit(): void {
    this.connections.startPinging();
  }

  handleConnection(ws: ClientSocket, request: IncomingMessage): void {
    this.connections.accept(ws, request);
  }
}
