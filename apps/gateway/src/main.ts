import 'reflect-metadata';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { httpServerOptions, loadConfig } from '@push/config';
import { FASTIFY_REQUEST_IDS, logBootFailure, useJsonLogger } from '@push/observability';
import { ClientSocket } from './connection/client-socket';
import { GatewayWsAdapter } from './connection/gateway-ws.adapter';
import { SOCKET_LIMIT_MESSAGE, SOCKET_LIMIT_RETRY_AFTER_S, SocketsPerAddress } from './connection/sockets-per-address';
import { GatewayModule } from './gateway.module';
import { HeartbeatService } from './heartbeat/heartbeat.service';
import { DrainService } from './lifecycle/drain.service';

/** The answer to an upgrade refused for MAX_SOCKETS_PER_IP, in the api's error shape. */
const TOO_MANY_SOCKETS = {
  body: JSON.stringify({ statusCode: 429, error: 'Too Many Requests', message: SOCKET_LIMIT_MESSAGE }),
  headers: { 'Retry-After': String(SOCKET_LIMIT_RETRY_AFTER_S), 'Content-Type': 'application/json; charset=utf-8' },
};

/** If the drain and close hang, the process still ends. */
const SHUTDOWN_DEADLINE_MS = 30_000;

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  // headers, request and keep-alive timeouts for /healthz, /readyz and upgrade requests; an upgraded socket is not subject to them
  const adapter = new FastifyAdapter({
    ...FASTIFY_REQUEST_IDS,
    serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) => createServer(httpServerOptions(config), handler),
  });
  const app = await NestFactory.create<NestFastifyApplication>(GatewayModule, adapter, {
    bufferLogs: true,
    abortOnError: false,
  });
  useJsonLogger(app);
  const drain = app.get(DrainService);
  const addresses = app.get(SocketsPerAddress);
  app.useWebSocketAdapter(
    new GatewayWsAdapter(app, {
      WebSocket: ClientSocket,
      perMessageDeflate: false,
      maxPayload: config.wsMaxPayloadBytes,
      // ConnectionService keeps its own set through its shared 'close' listener (ws's tracking adds a closure per socket)
      clientTracking: false,
      // a draining node refuses the upgrade itself; Origin is checked after it, so the client sees 1008.
      // The socket count is checked here and counted on 'connection', which ws emits within accept(true).
      verifyClient: (info, accept) => {
        if (!drain.accepting) return accept(false, 503, 'node is draining');
        if (addresses.limited && !addresses.hasRoom(addresses.addressOf(info.req))) return accept(false, 429, TOO_MANY_SOCKETS.body, TOO_MANY_SOCKETS.headers);
        accept(true);
      },
    }),
  );
  await app.listen(config.gatewayPort, config.host);
  await app.get(HeartbeatService).start();

  const shutdown = (signal: NodeJS.Signals): void => {
    const logger = new Logger('Shutdown');
    logger.log(`${signal}: draining`);
    setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS).unref();
    drain
      .drain()
      .then(() => app.close())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error(`shutdown failed: ${String(err)}`);
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

bootstrap().catch((err: unknown) => {
  logBootFailure('gateway', err);
  process.exit(1);
});
