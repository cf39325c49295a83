import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@push/config';
import { FASTIFY_REQUEST_IDS, logBootFailure, useJsonLogger } from '@push/observability';
import { ClientSocket } from './connection/client-socket';
import { GatewayWsAdapter } from './connection/gateway-ws.adapter';
import { GatewayModule } from './gateway.module';
import { HeartbeatService } from './heartbeat/heartbeat.service';
import { DrainService } from './lifecycle/drain.service';

/** If the drain and close hang, the process still ends. */
const SHUTDOWN_DEADLINE_MS = 30_000;

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const app = await NestFactory.create<NestFastifyApplication>(GatewayModule, new FastifyAdapter({ ...FASTIFY_REQUEST_IDS }), {
    bufferLogs: true,
    abortOnError: false,
  });
  useJsonLogger(app);
  const drain = app.get(DrainService);
  app.useWebSocketAdapter(
    new GatewayWsAdapter(app, {
      WebSocket: ClientSocket,
      perMessageDeflate: false,
      maxPayload: config.wsMaxPayloadBytes,
      clientTracking: true,
      // a draining node refuses the upgrade itself; Origin is checked after it, so the client sees 1008
      verifyClient: (_info, accept) => (drain.accepting ? accept(true) : accept(false, 503, 'node is draining')),
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
