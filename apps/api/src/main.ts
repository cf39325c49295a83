import 'reflect-metadata';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { httpServerOptions, loadConfig } from '@push/config';
import { ApiMetrics, FASTIFY_REQUEST_IDS, logBootFailure, useJsonLogger } from '@push/observability';
import { ApiModule } from './api.module';
import { registerBodyParsers } from './common/body-parsers';
import { API_CORS } from './common/cors';
import { clientErrorHandler, frameworkErrors } from './common/http-edge';
import { MAX_BODY_BYTES } from './common/http-limits';
import { registerDemo } from './demo/demo.static';
import { registerAddressLimits } from './limits/address-limits.hooks';
import { trustProxyOption } from './limits/trust-proxy';
import { serveOpenApi } from './common/openapi';
import { countPublishes } from './publish/publish-metrics.hook';
import { PublishLane } from './publish/publish.lane';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  let lane: PublishLane | null = null;
  const adapter = new FastifyAdapter({
    ...FASTIFY_REQUEST_IDS,
    routerOptions: { ignoreTrailingSlash: true },
    bodyLimit: MAX_BODY_BYTES,
    // request.ip: the socket address, or the X-Forwarded-For entry of the TRUST_PROXY-th proxy
    trustProxy: trustProxyOption(config.trustProxy),
    // headers, request and keep-alive timeouts, so slow clients are cut off (Fastify's defaults have none);
    // the publish lane answers plain JSON publishes before Fastify (publish.lane.ts), the rest goes on
    serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) =>
      createServer(httpServerOptions(config), (req, res) => {
        if (lane === null || !lane.take(req, res)) handler(req, res);
      }),
    // malformed HTTP and undecodable URLs are refused before Nest: in the one error shape too
    clientErrorHandler,
    frameworkErrors,
  });
  // body parsers are registered below: JSON that tolerates an empty body, forms, and 415 for the rest
  const app = await NestFactory.create<NestFastifyApplication>(ApiModule, adapter, { bodyParser: false, bufferLogs: true });
  useJsonLogger(app);
  app.enableCors(API_CORS);
  registerAddressLimits(app);
  await registerBodyParsers(app);
  await registerDemo(app);
  countPublishes(app, app.get(ApiMetrics));
  lane = app.get(PublishLane);
  serveOpenApi(app);
  app.enableShutdownHooks();
  await app.listen(config.apiPort, config.host);
  new Logger('Api').log(`listening on ${config.host}:${config.apiPort}`);
}

bootstrap().catch((err: unknown) => {
  // boot failures (bad config, Redis absent) stop the process with one message
  logBootFailure('api', err instanceof Error ? err.message : err);
  process.exit(1);
});
