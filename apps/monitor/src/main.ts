import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@push/config';
import { FASTIFY_REQUEST_IDS, logBootFailure, useJsonLogger } from '@push/observability';
import { MonitorModule } from './monitor.module';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const app = await NestFactory.create<NestFastifyApplication>(MonitorModule, new FastifyAdapter({ ...FASTIFY_REQUEST_IDS }), {
    bufferLogs: true,
    abortOnError: false,
  });
  useJsonLogger(app);
  app.enableShutdownHooks();
  await app.listen(config.monitorPort, config.host);
}

bootstrap().catch((err: unknown) => {
  logBootFailure('monitor', err);
  process.exit(1);
});
