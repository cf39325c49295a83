import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@push/config';
import { ApiMetrics, FASTIFY_REQUEST_IDS, logBootFailure, useJsonLogger } from '@push/observability';
import { ApiModule } from './api.module';
import { registerBodyParsers } from './common/body-parsers';
import { MAX_BODY_BYTES } from './common/http-limits';
import { serveOpenApi } from './common/openapi';
import { countPublishes } from './publish/publish-metrics.hook';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const adapter = new FastifyAdapter({ ...FASTIFY_REQUEST_IDS, routerOptions: { ignoreTrailingSlash: true }, bodyLimit: MAX_BODY_BYTES });
  // body parsers are registered below: JSON that tolerates an empty body, forms, and 415 for the rest
  const app = await NestFactory.create<NestFastifyApplication>(ApiModule, adapter, { bodyParser: false, bufferLogs: true });
  useJsonLogger(app);
  await registerBodyParsers(app);
  countPublishes(app, app.get(ApiMetrics));
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
