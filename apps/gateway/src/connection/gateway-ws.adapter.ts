import { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { Observable } from 'rxjs';
import { RawData, ServerOptions, WebSocket, WebSocketServer } from 'ws';

/** A frame as Nest's message parser returns it. */
interface ParsedFrame {
  readonly event: string;
  readonly data: unknown;
}

/**
 * WsAdapter with the per-socket cost of raw `ws` (toolchain.md: the stock adapter builds an rxjs chain
 * of about 8 KB per socket). It merges the gateway's server options (no permessage-deflate, payload
 * cap, socket class, drain check) into every server it creates, binds at most one plain `message`
 * listener per socket, and leaves 'close' and 'error' to ConnectionService's shared listeners.
 */
export class GatewayWsAdapter extends WsAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly serverOptions: ServerOptions,
  ) {
    super(app);
  }

  override create(port: number, options: Record<string, unknown> & { namespace?: string; server?: unknown; path?: string } = {}): WebSocketServer {
    return super.create(port, { ...options, ...this.serverOptions }) as WebSocketServer;
  }

  /** Only @SubscribeMessage handlers need a listener here; the gateway reads the hello itself. */
  override bindMessageHandlers(client: WebSocket, handlers: MessageMappingProperties[], transform: (data: unknown) => Observable<unknown>): void {
    if (handlers.length === 0) return;
    const byEvent = new Map(handlers.map((h) => [h.message as string, h]));
    client.on('message', (data: RawData) => {
      let frame: ParsedFrame | void;
      try {
        frame = this.messageParser(data as Buffer) as ParsedFrame | void;
      } catch {
        // client-controlled input that does not parse is dropped, as the stock adapter does
        return;
      }
      const handler = frame ? byEvent.get(frame.event) : undefined;
      if (!frame || !handler) return;
      transform(handler.callback(frame.data, frame.event)).subscribe({
        next: (response) => {
          if (response !== undefined && response !== null && client.readyState === WebSocket.OPEN) client.send(JSON.stringify(response));
        },
        error: (err: unknown) => this.logger.error(err),
      });
    });
  }

  /** Server errors only; socket errors are ConnectionService's (one shared listener, no closure per socket). */
  override bindErrorHandler(server: WebSocketServer): WebSocketServer {
    server.on('error', (err: Error) => this.logger.error(err));
    return server;
  }

  /** ConnectionService listens to 'close' itself; Nest's disconnect hook would keep a closure per socket. */
  override bindClientDisconnect(): void {}
}
